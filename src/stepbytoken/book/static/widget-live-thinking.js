/* Step by Token: a thinking budget, live (chapter 17).
 *
 * A slider sets how many tokens of thought the small thinker may write before its thought is
 * cut and it must answer. Before the reader asks anything the widget shows what the book
 * computed with the Python package (stepbytoken.generation.thinking.think) for its question at
 * every budget; once the reader asks, thinking.js runs the shipped model in the browser on the
 * reader's own problem, again each time the slider moves.
 *
 * data = {title, question, budgets: [int...], start (index into budgets), spec (the live
 *         model), book: [{thought, answer, thoughtTokens}...] (one per budget, for question)}
 */
(function () {
  "use strict";

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var slider = h.el("input", { type: "range", min: "0", max: String(data.budgets.length - 1),
      step: "1", value: String(data.start) });
    var shown = h.el("span", { className: "sbt-lt-budget", "aria-live": "polite" });

    function budget() { return data.budgets[Number(slider.value)]; }

    function render(result, out) {
      var b = result.budget;
      var cut = b > 0 && result.thoughtTokens === b;
      out.setAttribute("data-budget", String(b));
      out.appendChild(h.el("p", { className: "sbt-lt-head", text: "Thinks (" +
        result.thoughtTokens + " of at most " + b + " tokens" + (cut ? ", cut here" : "") + "):" }));
      out.appendChild(h.el("p", { className: "sbt-lt-thought",
        text: result.thought || "(no thought: it must answer at once)" }));
      out.appendChild(h.el("p", { className: "sbt-lt-answer", text: "Answers: " + result.answer }));
    }

    function bookResult() {
      var r = data.book[Number(slider.value)];
      return { thought: r.thought, answer: r.answer, thoughtTokens: r.thoughtTokens,
        budget: budget() };
    }

    var panel = window.sbtLivePanel({
      title: "Your own problem, thought about in your browser",
      label: "Your problem",
      value: data.question,
      specs: [data.spec],
      fallback: bookResult(),
      render: render,
      run: function (models, text) {
        var r = window.sbtThinking.think(models[0], text, budget());
        r.budget = budget();
        return r;
      }
    });
    var output = panel.querySelector(".sbt-live-output");
    var field = panel.querySelector(".sbt-live-question");

    function update() {
      shown.textContent = budget() + " tokens";
      var state = output.getAttribute("data-state");
      if (state === "live") panel.sbtRun();
      else if ((state === "default" || state === "offline") &&
        (field.value.trim() === data.question || !field.value.trim())) {
        // the book's thoughts, unless the reader has typed a problem of their own (kept)
        panel.sbtNewDefault(bookResult(), data.question);
      }
    }

    slider.addEventListener("input", update);
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Thinking budget", slider), shown
    ]));
    root.appendChild(panel);
    shown.textContent = budget() + " tokens";
  }

  window.sbtWidgets.register("live-thinking", draw);
})();
