/* Step by Token: step through an agent's episode (chapter 11).
 *
 * The reader picks an episode and steps through it message by message: the system line that
 * names the tools, the user's question, each assistant message with its thought and its call,
 * what the program did with the call, the tool's answer, and the final answer with how the
 * episode was graded. Everything was computed at build time by the stepbytoken package
 * (stepbytoken.book.figures.agent.episode_frames, from the recipe's stored episodes).
 *
 * data = {title, outcomes: {key: label}, episodes: [{question, gold, outcome, stop,
 *         frames: [{role, text, thought, call, status, note}...]}...],
 *         live: {spec, system, facts, relations, max_steps, max_new_tokens, notes,
 *                default: {question, stop, frames}}}                       (live: optional)
 *
 * With data.live, a panel below (live-panel.js) runs the agent on the reader's own request in
 * the browser: gpt.js writes, chat.js's program parses each call and runs the allow-listed
 * calculator and look-ups, with the same argument checks and step limit as the package
 * (stepbytoken.book.figures.agent.live_episode_data computes the default episode).
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
    if (data.live) root.appendChild(livePanel(data.live));
  }

  /* An episode as the stepper's frames (stepbytoken.book.figures.agent.episode_frames). */
  function frames(episode, notes) {
    var steps = episode.steps.slice();
    return episode.messages.map(function (m) {
      var frame = { role: m[0], text: m[1], thought: null, call: null, status: null, note: null };
      if (m[0] === "assistant") {
        var step = steps.shift();
        frame.thought = step.thought;
        frame.call = step.call ? window.sbtChat.formatCall(step.call.name, step.call.arguments) : null;
        frame.status = step.status;
        frame.note = notes[step.status];
      }
      return frame;
    });
  }

  function livePanel(live) {
    var h = window.sbtWidgets.helpers;
    return window.sbtLivePanel({
      title: "Your own request, run by the agent in your browser",
      label: "Your request",
      value: live["default"].question,
      specs: [live.spec],
      fallback: live["default"],
      render: function (episode, out) {
        var list = h.el("ol", { className: "sbt-ep-chat" });
        episode.frames.forEach(function (f) {
          var item = h.el("li", { className: "sbt-ep-msg sbt-ep-" + f.role,
            "data-status": f.status || "" }, [
            h.el("span", { className: "sbt-ep-role", text: f.role + ": " }),
            h.el("span", { className: "sbt-ep-text", text: f.text })
          ]);
          if (f.note) item.appendChild(h.el("span", { className: "sbt-ep-note", text: "  \u2192 " + f.note }));
          list.appendChild(item);
        });
        out.appendChild(list);
        out.appendChild(h.el("p", { className: "sbt-ep-outcome", "data-stop": episode.stop,
          text: "Stopped: " + episode.stop.replace(/_/g, " ") + "." }));
      },
      run: function (models, text) {
        var box = new window.sbtChat.Toolbox(live.facts, live.relations);
        var episode = window.sbtChat.runEpisode(models[0], [["system", live.system], ["user", text]],
          box, { maxSteps: live.max_steps, maxNewTokens: live.max_new_tokens });
        return { question: text, stop: episode.stop, frames: frames(episode, live.notes) };
      }
    });
  }

  window.sbtWidgets.register("episode", draw);
})();
