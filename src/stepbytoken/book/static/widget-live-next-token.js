/* Step by Token: the "live-next-token" widget (chapter 1).
 *
 * The book's reference model runs in the reader's browser (gpt.js, window.sbtGPT): the reader
 * types a prefix and sees the model's next-token distribution (the most likely tokens as bars
 * whose length is the probability itself), then writes on, one token at a time, with the most
 * likely token or a sampled one. Before the model has loaded, and in a notebook, the figure
 * shows the default state the book computed with the Python package.
 *
 * data = {model: live_model_spec(), top: 10,
 *         default: {prompt, n_tokens, windowed, ids: [int...],
 *                   top: [{id, token, prob}...]}}         (see book/figures/live.py)
 *
 * For tests: the output element carries data-state ("default", "loading", "live", "empty",
 * "offline", "error") and data-ids (the ids read, comma-separated); each bar row data-id,
 * data-token and data-prob.
 */
(function () {
  "use strict";

  var KIND = "live-next-token";

  function megabytes(bytes) { return (bytes / 1e6).toFixed(1) + " MB"; }

  /* Bars whose length is the probability itself (not scaled to the top bar). */
  function probBars(rows, showToken) {
    var el = window.sbtWidgets.helpers.el;
    var list = el("ol", { className: "sbt-bars sbt-live-bars" });
    rows.forEach(function (row) {
      var item = el("li", { className: "sbt-bar-row", "data-id": String(row.id),
        "data-token": row.token, "data-prob": String(row.prob) }, [
        el("span", { className: "sbt-bar-label", text: showToken(row.token) }),
        el("span", { className: "sbt-bar-track" }, [
          el("span", { className: "sbt-bar", style: "width:" + (100 * row.prob).toFixed(2) + "%" })
        ]),
        el("span", { className: "sbt-bar-value", text: (100 * row.prob).toFixed(1) + "%" })
      ]);
      list.appendChild(item);
    });
    return list;
  }

  /* The k most likely ids of probs, most likely first (ties: the lower id). */
  function topIds(probs, k) {
    var order = [];
    for (var i = 0; i < probs.length; i++) order.push(i);
    order.sort(function (a, b) { return probs[b] - probs[a] || a - b; });
    return order.slice(0, k);
  }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var spec = data.model;
    var top = data.top || 10;
    var blockSize = spec.config.block_size;
    var gpt = window.sbtGPT;
    var live = !!(gpt && gpt.available());
    var state = { model: null, loading: null, ids: data["default"].ids.slice(), typed: null,
      generated: 0, rand: null };

    var text = el("textarea", { rows: "3", spellcheck: "false", className: "sbt-live-text" });
    text.value = data["default"].prompt;
    var choice = el("select", {}, [
      el("option", { value: "greedy", text: "the most likely token" }),
      el("option", { value: "sample", text: "a sampled token (seed 0)" })
    ]);
    var next = el("button", { type: "button", text: "Next token \u25b6" });
    var status = el("p", { className: "sbt-live-status", "aria-live": "polite" });
    var output = el("div", { className: "sbt-output" });

    function setStatus(message, isError) {
      status.textContent = message;
      status.classList.toggle("sbt-error", !!isError);
    }

    function show(rows, ids, nTokens, stateName, generatedText) {
      output.innerHTML = "";
      output.setAttribute("data-state", stateName);
      output.setAttribute("data-ids", ids.join(","));
      var context = el("p", { className: "sbt-context" });
      var shown = text.value;
      if (generatedText && shown.slice(-generatedText.length) === generatedText) {
        context.appendChild(el("span", { text: shown.slice(0, shown.length - generatedText.length) }));
        context.appendChild(el("span", { className: "sbt-generated", text: generatedText }));
      } else {
        context.appendChild(el("span", { text: shown }));
      }
      context.appendChild(el("span", { className: "sbt-cursor", text: "?" }));
      output.appendChild(context);
      if (nTokens > blockSize) {
        output.appendChild(el("p", { className: "sbt-live-window", text: "Your text is " +
          nTokens + " tokens long: only the last " + blockSize + " tokens are read (the " +
          "model's context)." }));
      }
      output.appendChild(probBars(rows, h.showToken));
    }

    function showEmpty() {
      output.innerHTML = "";
      output.setAttribute("data-state", "empty");
      output.setAttribute("data-ids", "");
      output.appendChild(el("p", { className: "sbt-live-message",
        text: "Type some text above: the model needs at least a word to predict the next token." }));
    }

    function showDefault() {
      var d = data["default"];
      show(d.top, d.ids, d.n_tokens, "default", "");
    }

    /* The distribution after state.ids, computed in the browser. */
    function update() {
      var model = state.model;
      var window_ = model.window(state.ids);
      var probs = gpt.probs(model.lastLogits(window_), {});
      var rows = topIds(probs, top).map(function (id) {
        return { id: id, token: model.tokenText(id), prob: probs[id] };
      });
      var generatedText = state.generated ? model.decode(state.ids.slice(-state.generated)) : "";
      show(rows, window_, state.ids.length, "live", generatedText);
      setStatus("Computed in your browser from " + window_.length + " token" +
        (window_.length === 1 ? "" : "s") + ".");
      return probs;
    }

    function fromText() {
      if (!text.value.trim()) { showEmpty(); setStatus(""); return; }
      state.ids = state.model.encode(text.value);
      state.generated = 0;
      state.typed = text.value;
      update();
    }

    function ensureModel() {
      if (!live) {
        showDefault();
        setStatus("The live model runs on the book's web site; here you see the distribution " +
          "the book computed for the text it started with.");
        output.setAttribute("data-state", "offline");
        return null;
      }
      if (!state.loading) {
        setStatus("Loading the model (" + megabytes(spec.bytes) + ")\u2026");
        output.setAttribute("data-state", "loading");
        state.loading = gpt.load(spec).then(function (model) {
          state.model = model;
          state.rand = gpt.rng(0);
          fromText();
          return model;
        }, function (err) {
          output.setAttribute("data-state", "error");
          setStatus("The model could not be loaded: " + err.message, true);
        });
      }
      return state.loading;
    }

    text.addEventListener("focus", ensureModel);
    /* While the reader types, run the model once typing pauses (a forward pass takes a few
     * tens of ms); an empty box is answered at once. */
    var timer = null;
    function cancel() { if (timer !== null) { clearTimeout(timer); timer = null; } }
    text.addEventListener("input", function () {
      cancel();
      if (!text.value.trim()) { showEmpty(); setStatus(""); return; }
      if (!state.model) { ensureModel(); return; }
      timer = setTimeout(function () { timer = null; fromText(); }, 120);
    });
    next.addEventListener("click", function () {
      var loading = ensureModel();
      if (!loading) return;
      cancel();
      loading.then(function () {
        if (!state.model) return;
        if (!text.value.trim()) { showEmpty(); return; }
        if (text.value !== state.typed) fromText();
        var logits = state.model.lastLogits(state.ids);
        var id = choice.value === "greedy"
          ? topIds(logits, 1)[0]
          : gpt.sample(gpt.probs(logits, {}), state.rand);
        state.ids.push(id);
        state.generated += 1;
        text.value = state.model.decode(state.ids);
        state.typed = text.value;
        update();
      });
    });
    choice.addEventListener("change", ensureModel);

    var textField = h.labelled("Text so far", text);
    textField.classList.add("sbt-live-field");
    var controls = el("div", { className: "sbt-controls sbt-live-controls" }, [
      textField,
      h.labelled("Next token:", choice),
      next
    ]);
    root.appendChild(el("p", { className: "sbt-title",
      text: "The reference model, running in your browser" }));
    root.appendChild(controls);
    root.appendChild(status);
    root.appendChild(output);
    showDefault();
    setStatus(live
      ? "Computed by the book when it was built; type or press Next token to run the model here."
      : "Computed by the book when it was built (the live model runs on the book's web site).");
  }

  function register() { window.sbtWidgets.register(KIND, draw); }
  if (window.sbtWidgets) register();
  else document.addEventListener("DOMContentLoaded", register);
})();
