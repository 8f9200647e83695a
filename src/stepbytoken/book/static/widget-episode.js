/* Step by Token: step through an agent's episode (chapter 11).
 *
 * The reader picks an episode and steps through it message by message: the system line that
 * names the tools, the user's question, each assistant message with its thought and its call,
 * what the program did with the call, the tool's answer, and the final answer with how the
 * episode was graded. Everything was computed at build time by the stepbytoken package
 * (stepbytoken.book.figures.agent.episode_frames, from the recipe's stored episodes).
 *
 * data = {title, outcomes: {key: label}, episodes: [{question, gold, outcome, stop,
 *         frames: [{role, text, thought, call, status, note}...]}...]}
 */
(function () {
  "use strict";

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var state = { episode: 0, step: 0 };
    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });
    var prev = h.el("button", { type: "button", text: "Previous step" });
    var next = h.el("button", { type: "button", text: "Next step" });

    function label(key) { return (data.outcomes && data.outcomes[key]) || key; }

    function update() {
      var ep = data.episodes[state.episode];
      var shown = ep.frames.slice(0, state.step + 1);
      output.innerHTML = "";
      output.appendChild(h.el("p", { className: "sbt-ep-summary", text:
        "Step " + (state.step + 1) + " of " + ep.frames.length + ". Right answer: " + ep.gold + "." }));
      var list = h.el("ol", { className: "sbt-ep-chat" });
      shown.forEach(function (f, i) {
        var item = h.el("li", { className: "sbt-ep-msg sbt-ep-" + f.role + (i === state.step ? " sbt-ep-current" : "") }, [
          h.el("span", { className: "sbt-ep-role", text: f.role + ": " }),
          h.el("span", { text: f.text })
        ]);
        if (f.note) item.appendChild(h.el("span", { className: "sbt-ep-note", text: "  \u2192 " + f.note }));
        list.appendChild(item);
      });
      output.appendChild(list);
      if (state.step === ep.frames.length - 1) {
        output.appendChild(h.el("p", { className: "sbt-ep-outcome " + (ep.outcome === "correct" ? "sbt-ep-right" : "sbt-ep-wrong"),
          text: "Outcome: " + label(ep.outcome) + " (stopped: " + ep.stop.replace(/_/g, " ") + ")." }));
      }
      prev.disabled = state.step === 0;
      next.disabled = state.step === ep.frames.length - 1;
    }

    var episodes = h.select(data.episodes.map(function (ep, i) {
      return (i + 1) + ". " + ep.question + " (" + label(ep.outcome) + ")";
    }), function (i) { state.episode = i; state.step = 0; update(); });
    prev.addEventListener("click", function () { if (state.step > 0) { state.step -= 1; update(); } });
    next.addEventListener("click", function () {
      var n = data.episodes[state.episode].frames.length;
      if (state.step < n - 1) { state.step += 1; update(); }
    });
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Episode", episodes), prev, next
    ]));
    root.appendChild(output);
    update();
  }

  window.sbtWidgets.register("episode", draw);
})();
