/* Step by Token: the "kv-cache" widget (chapter 18).
 *
 * Steps through a greedy generation the way a serving system runs it: a prefill that reads the
 * whole prompt and writes every prompt token's keys and values into the cache, then one decode
 * step per new token that reads only that token and adds one row. The steps were computed by
 * the book with the Python package (stepbytoken.book.figures.kv_cache.kv_cache_state), so the
 * figure works before any model loads. A button then times the reference model in the
 * reader's browser (gpt.js): model.generate with and without its KV cache, greedy, same prompt.
 *
 * data = {model: live_model_spec(), timing_tokens: 40,
 *         state: {prompt, ids, tokens, n_prompt, n_layer, n_kv_head, d_head, bytes_per_token,
 *                 keys: [[4 numbers] per position],
 *                 steps: [{kind, read: [positions], cache, token, flops, flops_without}]}}
 *
 * For tests: the root's .sbt-kv-summary carries data-step and data-cache (rows cached); the
 * timing output carries data-state ("idle", "loading", "running", "done", "offline", "error"),
 * and once done data-with-ms, data-without-ms and data-same ("true" if both paths gave the
 * same tokens).
 */
(function () {
  "use strict";

  var KIND = "kv-cache";

  function kib(bytes) { return (bytes / 1024).toFixed(1) + " KiB"; }
  function mflops(f) { return (f / 1e6).toFixed(1) + " MFLOPs"; }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var s = data.state;
    var steps = s.steps;
    var gpt = window.sbtGPT;
    var live = !!(gpt && gpt.available && gpt.available());
    var current = { step: 0, model: null, loading: null };

    var prev = el("button", { type: "button", text: "\u2190 Previous step" });
    var next = el("button", { type: "button", text: "Next step \u2192" });
    var slider = el("input", { type: "range", min: "1", max: String(steps.length), step: "1",
      value: "1" });
    var stepOut = el("output", { className: "sbt-kv-step-value" });
    var summary = el("p", { className: "sbt-kv-summary", "aria-live": "polite" });
    var strip = el("p", { className: "sbt-kv-strip sbt-context" });
    var table = el("div", { className: "sbt-kv-table", role: "table",
      "aria-label": "Rows of the KV cache" });

    function row(cells, className, role) {
      return el("div", { className: "sbt-kv-row " + (className || ""), role: "row" },
        cells.map(function (c) {
          return el("span", { className: c[1] || "", role: role || "cell", text: c[0] });
        }));
    }

    function show(i) {
      current.step = i;
      var st = steps[i];
      slider.value = String(i + 1);
      stepOut.textContent = (i + 1) + " of " + steps.length;
      prev.disabled = i === 0;
      next.disabled = i === steps.length - 1;
      var fresh = {};
      st.read.forEach(function (p) { fresh[p] = true; });
      // the tokens known at this step: the prompt and the tokens picked before it
      strip.innerHTML = "";
      var known = s.n_prompt + i;
      for (var p = 0; p < known; p++) {
        strip.appendChild(el("span", {
          className: "sbt-kv-token" + (fresh[p] ? " sbt-kv-read" : "") +
            (p >= s.n_prompt ? " sbt-kv-generated" : ""),
          title: "position " + p, text: h.showToken(s.tokens[p]) }));
      }
      strip.appendChild(el("span", { className: "sbt-kv-token sbt-kv-next",
        title: "picked at this step", text: "\u2192 " + h.showToken(s.tokens[known]) }));
      // the cache after this step: one row per position, one key and one value per layer
      table.innerHTML = "";
      var head = [["pos", "sbt-kv-pos"], ["token", "sbt-kv-tok"]];
      for (var l = 0; l < s.n_layer; l++) head.push(["L" + (l + 1) + " K V", "sbt-kv-layer"]);
      head.push(["layer 1, head 1 key (first 4 of " + s.d_head + ")", "sbt-kv-key"]);
      table.appendChild(row(head, "sbt-kv-head", "columnheader"));
      for (p = 0; p < st.cache; p++) {
        var cells = [[String(p), "sbt-kv-pos"], [h.showToken(s.tokens[p]), "sbt-kv-tok"]];
        for (l = 0; l < s.n_layer; l++) cells.push(["\u25a0 \u25a0", "sbt-kv-layer"]);
        cells.push([s.keys[p].map(function (v) { return v.toFixed(2); }).join("  "),
          "sbt-kv-key"]);
        table.appendChild(row(cells, fresh[p] ? "sbt-kv-fresh" : ""));
      }
      var reads = st.read.length;
      var what = st.kind === "prefill"
        ? "Prefill: the model reads all " + reads + " prompt tokens in one pass and writes " +
          reads + " rows to the cache."
        : "Decode: the model reads only the newest token (position " + st.read[0] +
          "); its query attends to all " + st.cache + " keys now in the cache, its own included.";
      summary.textContent = what + " The cache now holds " + st.cache + " rows \u00d7 " +
        s.n_layer + " layers \u00d7 key and value = " + kib(st.cache * s.bytes_per_token) +
        " (float32). This step: " + mflops(st.flops) + " with the cache, " +
        mflops(st.flops_without) + " without it.";
      summary.setAttribute("data-step", String(i + 1));
      summary.setAttribute("data-cache", String(st.cache));
    }

    prev.addEventListener("click", function () { if (current.step > 0) show(current.step - 1); });
    next.addEventListener("click", function () {
      if (current.step < steps.length - 1) show(current.step + 1);
    });
    slider.addEventListener("input", function () { show(Number(slider.value) - 1); });

    // ----- timing in the reader's browser
    var nInput = el("input", { type: "number", min: "1", max: "400", step: "1",
      value: String(data.timing_tokens), className: "sbt-kv-number" });
    var timeButton = el("button", { type: "button", text: "Time both in your browser" });
    var timing = el("div", { className: "sbt-kv-timing", "data-state": live ? "idle" : "offline",
      "aria-live": "polite" });
    timing.appendChild(el("p", { text: live
      ? "Press the button: your browser loads the reference model (" +
        (data.model.bytes / 1e6).toFixed(1) + " MB) and generates the tokens twice, with " +
        "and without its cache."
      : "The live model runs on the book's web site; there this button times it in your " +
        "browser." }));

    function ensureModel() {
      if (!current.loading) {
        current.loading = gpt.load(data.model).then(function (model) {
          current.model = model;
          return model;
        });
      }
      return current.loading;
    }

    function runTiming(model) {
      var n = Math.max(1, Math.min(400, Math.round(Number(nInput.value)) || 1));
      nInput.value = String(n);
      var prompt = s.ids.slice(0, s.n_prompt);
      model.generate(prompt, 2, { greedy: true, cache: true }); // warm up
      var t0 = performance.now();
      var withCache = model.generate(prompt, n, { greedy: true, cache: true });
      var t1 = performance.now();
      var without = model.generate(prompt, n, { greedy: true, cache: false });
      var t2 = performance.now();
      var same = withCache.join(",") === without.join(",");
      var msWith = t1 - t0;
      var msWithout = t2 - t1;
      timing.innerHTML = "";
      timing.setAttribute("data-state", "done");
      timing.setAttribute("data-with-ms", msWith.toFixed(1));
      timing.setAttribute("data-without-ms", msWithout.toFixed(1));
      timing.setAttribute("data-same", String(same));
      var list = el("ul", { className: "sbt-kv-results" }, [
        el("li", { text: "With the cache: " + msWith.toFixed(0) + " ms for " + n +
          " tokens (" + (msWith / n).toFixed(1) + " ms per token)." }),
        el("li", { text: "Without it: " + msWithout.toFixed(0) + " ms (" +
          (msWithout / n).toFixed(1) + " ms per token), " +
          (msWithout / Math.max(msWith, 1e-3)).toFixed(1) + "\u00d7 as long." }),
        el("li", { text: same ? "Both paths produced exactly the same tokens."
          : "The two paths produced different tokens." })
      ]);
      timing.appendChild(list);
      timing.appendChild(el("p", { className: "sbt-context" }, [
        el("span", { text: s.prompt }),
        el("span", { className: "sbt-generated",
          text: model.decode(withCache.slice(prompt.length)) })
      ]));
    }

    timeButton.addEventListener("click", function () {
      if (!live) return;
      timing.setAttribute("data-state", current.model ? "running" : "loading");
      timing.innerHTML = "";
      timing.appendChild(el("p", { text: current.model ? "Generating\u2026"
        : "Loading the model\u2026" }));
      timeButton.disabled = true;
      ensureModel().then(function (model) {
        timing.setAttribute("data-state", "running");
        // let the page paint the message before the (blocking) runs
        setTimeout(function () {
          try { runTiming(model); } catch (err) {
            timing.setAttribute("data-state", "error");
            timing.textContent = "The timing failed: " + err.message;
          }
          timeButton.disabled = false;
        }, 30);
      }, function (err) {
        timing.setAttribute("data-state", "error");
        timing.textContent = "The model could not be loaded: " + err.message;
        timeButton.disabled = false;
        current.loading = null;
      });
    });
    if (!live) timeButton.disabled = true;

    var stepField = h.labelled("Step", slider);
    stepOut.setAttribute("for", slider.id);
    stepField.appendChild(stepOut);
    root.appendChild(el("p", { className: "sbt-title",
      text: "Prefill, then decode: the KV cache filling up" }));
    root.appendChild(el("div", { className: "sbt-controls" }, [prev, next, stepField]));
    root.appendChild(summary);
    root.appendChild(strip);
    root.appendChild(el("div", { className: "sbt-kv-scroll", tabindex: "0",
      "aria-label": "The KV cache, one row per position" }, [table]));
    root.appendChild(el("p", { className: "sbt-title sbt-kv-timing-title",
      text: "Time it yourself" }));
    root.appendChild(el("div", { className: "sbt-controls" }, [
      h.labelled("New tokens", nInput), timeButton]));
    root.appendChild(timing);
    show(0);
  }

  function register() { window.sbtWidgets.register(KIND, draw); }
  if (window.sbtWidgets) register();
  else document.addEventListener("DOMContentLoaded", register);
})();
