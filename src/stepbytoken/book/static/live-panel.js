/* Step by Token: the "ask it yourself" panel of Part III's live figures (chapters 8, 9, 11 and 13).
 *
 * The reader types a question; the panel loads the shipped models with gpt.js (their SHA-256
 * checked) and runs them in the browser through chat.js. Before that, and where the models
 * cannot be fetched (a notebook, a page opened from disk), it shows the answer the book
 * computed with the Python package for the question it starts with.
 *
 *   sbtLivePanel({
 *     title, label, value,            the heading, the field's label, the question it starts with
 *     specs: [live_model_spec...],    the models to load
 *     fallback: result,               what the book computed for `value`
 *     render(result, output),         draws a result (fallback or live) into output
 *     run(models, text) -> result     runs the loaded models (in spec order) on the text
 *   }) -> element; element.sbtNewDefault(result, question) shows another book answer (the
 *        figure above moved) unless the panel shows the reader's own; element.sbtRun() asks
 *
 * For tests: the output element carries data-state ("default", "loading", "live", "empty",
 * "offline", "error") and data-question (the question its result answers).
 */
(function () {
  "use strict";

  function megabytes(specs) {
    var files = {};
    specs.forEach(function (s) { files[s.file || s.name] = s.bytes; });
    var total = 0;
    Object.keys(files).forEach(function (k) { total += files[k]; });
    return (total / 1e6).toFixed(1) + " MB";
  }

  function panel(o) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var gpt = window.sbtGPT;
    var field = el("input", { type: "text", spellcheck: "false", className: "sbt-live-question" });
    field.value = o.value;
    var ask = el("button", { type: "button", text: "Ask in your browser \u25b6" });
    var status = el("p", { className: "sbt-live-status", "aria-live": "polite" });
    var output = el("div", { className: "sbt-output sbt-live-output" });
    var loading = null;

    function setStatus(message, isError) {
      status.textContent = message;
      status.classList.toggle("sbt-error", !!isError);
    }

    function show(result, state, question) {
      output.innerHTML = "";
      output.setAttribute("data-state", state);
      output.setAttribute("data-question", question);
      o.render(result, output);
    }

    function load() {
      if (!loading) {
        output.setAttribute("data-state", "loading");
        setStatus("Loading the model" + (o.specs.length > 1 ? "s" : "") + " (" +
          megabytes(o.specs) + ")\u2026");
        loading = Promise.all(o.specs.map(function (s) { return gpt.load(s); }));
        loading.catch(function () { loading = null; });
      }
      return loading;
    }

    function run() {
      var text = field.value.trim();
      if (!text) {
        output.innerHTML = "";
        output.setAttribute("data-state", "empty");
        setStatus("Type a question first.");
        return;
      }
      if (!gpt || !gpt.available()) {
        output.setAttribute("data-state", "offline");
        setStatus("The models run on the book's web site; here you see what the book " +
          "computed for the question it starts with.");
        return;
      }
      ask.disabled = true;
      load().then(function (models) {
        setStatus("Running in your browser\u2026");
        // let the status paint before the models take the main thread
        return new Promise(function (resolve) { setTimeout(resolve, 20); }).then(function () {
          var start = performance.now();
          var result = o.run(models, text);
          show(result, "live", text);
          setStatus("Computed in your browser in " +
            ((performance.now() - start) / 1000).toFixed(1) + " s.");
        });
      }).catch(function (err) {
        output.setAttribute("data-state", "error");
        setStatus(err.message, true);
      }).then(function () { ask.disabled = false; });
    }

    /* While the reader types, say that the answer shown is still for the old question. */
    field.addEventListener("input", function () {
      var shown = output.getAttribute("data-question");
      if (field.value.trim() && field.value.trim() !== shown) {
        setStatus("Press \u201cAsk in your browser\u201d or Enter to answer your question; " +
          "the answer below is for \u201c" + shown + "\u201d.");
      }
    });
    ask.addEventListener("click", run);
    field.addEventListener("keydown", function (e) { if (e.key === "Enter") run(); });
    var labelled = h.labelled(o.label, field);
    labelled.classList.add("sbt-live-field");
    var root = el("section", { className: "sbt-live-panel" }, [
      el("p", { className: "sbt-title", text: o.title }),
      el("div", { className: "sbt-controls sbt-live-controls" }, [labelled, ask]),
      status,
      output
    ]);
    root.sbtNewDefault = function (result, question) {
      var state = output.getAttribute("data-state");
      if (state === "default" || state === "offline") {
        show(result, "default", question);
        field.value = question;
      } else if (state === "live") {
        setStatus("The conversation above changed: ask again to run the model on it.");
      }
    };
    root.sbtRun = run;
    show(o.fallback, "default", o.value);
    setStatus("Computed by the book for this question. Ask your own: the model" +
      (o.specs.length > 1 ? "s run" : " runs") + " in your browser (" + megabytes(o.specs) +
      " to load once).");
    return root;
  }

  window.sbtLivePanel = panel;
})();
