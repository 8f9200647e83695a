/* Step by Token: the "live-sampler" widget (chapter 7).
 *
 * The book's reference model runs in the reader's browser (gpt.js, window.sbtGPT). The reader
 * types a prompt and sets a temperature, a top-k, a top-p and a seed; the widget shows the
 * sampler's distribution of the next token (sbtGPT.probs, which follows
 * stepbytoken.generation.filters: temperature, top-k, top-p of that, softmax), how many tokens
 * survive the filters, and a continuation sampled with those settings (model.generate, with
 * the KV cache). Before the model has loaded, and in a notebook, it shows the default state
 * the book computed with the Python package.
 *
 * data = {model: live_model_spec(), top: 10,
 *         default: {prompt, n_tokens, windowed, ids, temperature, top_k, top_p, seed,
 *                   n_tokens_sampled, vocab_size, kept, sample, sample_ids,
 *                   top: [{id, token, prob, raw}...]}}    (see book/figures/live.py)
 *
 * For tests: the output element carries data-state ("default", "loading", "live", "empty",
 * "offline", "error"), data-kept and data-ids (the ids read); each bar row data-id, data-prob
 * (after the filters) and data-raw; the sampled text's element data-ids (the new ids).
 */
(function () {
  "use strict";

  var KIND = "live-sampler";

  function megabytes(bytes) { return (bytes / 1e6).toFixed(1) + " MB"; }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var d = data["default"];
    var spec = data.model;
    var top = data.top || 10;
    var V = spec.config.vocab_size;
    var blockSize = spec.config.block_size;
    var nNew = d.n_tokens_sampled;
    var gpt = window.sbtGPT;
    var live = !!(gpt && gpt.available());
    var state = { model: null, loading: null };

    var text = el("textarea", { rows: "2", spellcheck: "false", className: "sbt-live-text" });
    text.value = d.prompt;
    var temperature = el("input", { type: "range", min: "0.05", max: "2", step: "0.05",
      value: String(d.temperature) });
    var topK = el("input", { type: "number", min: "0", max: String(V), step: "1",
      value: String(d.top_k === null ? 0 : d.top_k), className: "sbt-live-number" });
    var topP = el("input", { type: "range", min: "0.05", max: "1", step: "0.01",
      value: String(d.top_p === null ? 1 : d.top_p) });
    var seed = el("input", { type: "number", min: "0", step: "1", value: String(d.seed),
      className: "sbt-live-number" });
    var sampleButton = el("button", { type: "button", text: "Sample " + nNew + " tokens" });
    var newSeed = el("button", { type: "button", text: "New seed" });
    var tOut = el("output", { className: "sbt-sampling-value" });
    var pOut = el("output", { className: "sbt-sampling-value" });
    var status = el("p", { className: "sbt-live-status", "aria-live": "polite" });
    var output = el("div", { className: "sbt-output" });

    function setStatus(message, isError) {
      status.textContent = message;
      status.classList.toggle("sbt-error", !!isError);
    }

    function settings() {
      var k = Math.round(Number(topK.value));
      var s = { temperature: Number(temperature.value), topK: k > 0 && k < V ? k : 0,
        topP: Number(topP.value) };
      tOut.textContent = s.temperature.toFixed(2);
      pOut.textContent = s.topP >= 1 ? "1.00 (off)" : s.topP.toFixed(2);
      return s;
    }

    function field(name, input, out) {
      var wrap = h.labelled(name, input);
      if (out) { out.setAttribute("for", input.id); wrap.appendChild(out); }
      return wrap;
    }

    /* rows: [{id, token, prob, raw}], most likely (before filtering) first. */
    function show(rows, kept, ids, nTokens, prompt, sample, sampleIds, stateName) {
      output.innerHTML = "";
      output.setAttribute("data-state", stateName);
      output.setAttribute("data-kept", String(kept));
      output.setAttribute("data-ids", ids.join(","));
      if (nTokens > blockSize) {
        output.appendChild(el("p", { className: "sbt-live-window", text: "Your prompt is " +
          nTokens + " tokens long: only the last " + blockSize + " tokens are read (the " +
          "model's context)." }));
      }
      output.appendChild(el("p", { className: "sbt-context sbt-live-sample",
        "data-ids": sampleIds.join(",") }, [
        el("span", { text: prompt }), el("span", { className: "sbt-generated", text: sample })
      ]));
      output.appendChild(el("p", { className: "sbt-sampling-summary" }, [
        el("strong", { text: kept + " of " + V + " tokens survive the filters" }),
        el("span", { text: " for the next token; the " + top + " most likely:" })
      ]));
      var list = el("ol", { className: "sbt-bars sbt-live-bars" });
      rows.forEach(function (row) {
        list.appendChild(el("li", { className: "sbt-bar-row" + (row.prob > 0 ? "" : " sbt-removed"),
          "data-id": String(row.id), "data-prob": String(row.prob), "data-raw": String(row.raw),
          title: "the model alone: " + (100 * row.raw).toFixed(1) + "%" }, [
          el("span", { className: "sbt-bar-label", text: h.showToken(row.token) }),
          el("span", { className: "sbt-bar-track" }, [
            el("span", { className: "sbt-bar", style: "width:" + (100 * row.prob).toFixed(2) + "%" })
          ]),
          el("span", { className: "sbt-bar-value", text: (100 * row.prob).toFixed(1) + "%" })
        ]));
      });
      output.appendChild(list);
    }

    function showEmpty() {
      output.innerHTML = "";
      output.setAttribute("data-state", "empty");
      output.setAttribute("data-kept", "0");
      output.setAttribute("data-ids", "");
      output.appendChild(el("p", { className: "sbt-live-message",
        text: "Type a prompt above: the model needs at least a word to continue." }));
    }

    function showDefault() {
      settings();
      show(d.top, d.kept, d.ids, d.n_tokens, d.prompt, d.sample, d.sample_ids, "default");
    }

    /* Distribution and sample for the current controls, computed in the browser. */
    function update() {
      var model = state.model;
      if (!text.value.trim()) { showEmpty(); setStatus(""); return; }
      var s = settings();
      var seedValue = Math.max(0, Math.round(Number(seed.value)) || 0);
      var ids = model.encode(text.value);
      var win = model.window(ids);
      var logits = model.lastLogits(win);
      var raw = gpt.probs(logits, {});
      var filtered = gpt.probs(logits, s);
      var order = [];
      for (var i = 0; i < V; i++) order.push(i);
      order.sort(function (a, b) { return raw[b] - raw[a] || a - b; });
      var rows = order.slice(0, top).map(function (id) {
        return { id: id, token: model.tokenText(id), prob: filtered[id], raw: raw[id] };
      });
      var kept = 0;
      for (i = 0; i < V; i++) if (filtered[i] > 0) kept += 1;
      var out = model.generate(win, nNew, { temperature: s.temperature, topK: s.topK,
        topP: s.topP, seed: seedValue });
      var fresh = out.slice(win.length);
      show(rows, kept, win, ids.length, text.value, model.decode(fresh), fresh, "live");
      setStatus("Sampled in your browser with seed " + seedValue + ".");
    }

    function ensureModel() {
      if (!live) {
        showDefault();
        setStatus("The live model runs on the book's web site; here you see what the book " +
          "computed for the prompt and settings it started with.");
        output.setAttribute("data-state", "offline");
        return null;
      }
      if (!state.loading) {
        setStatus("Loading the model (" + megabytes(spec.bytes) + ")\u2026");
        output.setAttribute("data-state", "loading");
        state.loading = gpt.load(spec).then(function (model) {
          state.model = model;
          update();
          return model;
        }, function (err) {
          output.setAttribute("data-state", "error");
          setStatus("The model could not be loaded: " + err.message, true);
        });
      }
      return state.loading;
    }

    /* Controls update at once; typing runs the model once it pauses (sampling 40 tokens takes
     * about a tenth of a second); an empty box is answered at once. */
    var timer = null;
    function cancel() { if (timer !== null) { clearTimeout(timer); timer = null; } }
    function changed(event) {
      cancel();
      settings();
      if (!text.value.trim()) { showEmpty(); setStatus(""); return; }
      if (!state.model) { ensureModel(); return; }
      if (event && event.target === text) {
        timer = setTimeout(function () { timer = null; update(); }, 150);
      } else {
        update();
      }
    }

    text.addEventListener("focus", ensureModel);
    [text, temperature, topK, topP, seed].forEach(function (input) {
      input.addEventListener("input", changed);
    });
    sampleButton.addEventListener("click", function () { changed(); });
    newSeed.addEventListener("click", function () {
      seed.value = String((Math.round(Number(seed.value)) || 0) + 1);
      changed();
    });

    var textField = h.labelled("Prompt", text);
    textField.classList.add("sbt-live-field");
    var controls = el("div", { className: "sbt-controls sbt-live-controls" }, [
      textField,
      field("Temperature", temperature, tOut),
      field("Top-k (0: off)", topK),
      field("Top-p", topP, pOut),
      field("Seed", seed),
      sampleButton,
      newSeed
    ]);
    root.appendChild(el("p", { className: "sbt-title",
      text: "Sampling from the reference model, in your browser" }));
    root.appendChild(controls);
    root.appendChild(status);
    root.appendChild(output);
    showDefault();
    setStatus(live
      ? "Sampled by the book when it was built, with seed " + d.seed + " (the text your " +
        "browser draws from that seed); change anything to run the model here."
      : "Sampled by the book when it was built (the live model runs on the book's web site).");
  }

  function register() { window.sbtWidgets.register(KIND, draw); }
  if (window.sbtWidgets) register();
  else document.addEventListener("DOMContentLoaded", register);
})();
