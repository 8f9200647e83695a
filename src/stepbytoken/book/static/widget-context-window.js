/* Step by Token: a conversation that grows while the context window slides over it (chapter 9).
 *
 * A slider picks how many exchanges have happened; the conversation is shown with the part
 * outside the model's window faded, the message that told the fact marked, and what the model
 * answered, at that point, to the question about the fact. Everything was computed at build
 * time by stepbytoken.book.figures.memory.window_steps.
 *
 * data = {
 *   title, window, fact,                       // fact: index of the message with the fact
 *   steps: [{messages: [[role, text, tokens, tokens_in_window]...], prompt_tokens, reply,
 *            right}...],
 *   live: {spec, max_new_tokens}                                             (optional)
 * }
 *
 * With data.live, a panel below (live-panel.js) asks the model, in the browser, a question of
 * the reader's own at the slider's point of the conversation: the step's exchanges, then the
 * question, the model reading the last block_size tokens (chat.js windowedReply). Until the
 * reader asks, it shows the step's own question and the answer the book computed.
 */
(function () {
  "use strict";

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var slider = h.el("input", { type: "range", min: "1", max: String(data.steps.length),
      step: "1", value: "1" });
    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });

    function update() {
      var k = Number(slider.value);
      var step = data.steps[k - 1];
      var msgs = step.messages;
      var factIn = msgs[data.fact][3];
      var factAll = msgs[data.fact][2];
      output.innerHTML = "";
      output.appendChild(h.el("p", { className: "sbt-cw-summary", text:
        "Exchanges so far: " + k + ". The prompt is " + step.prompt_tokens + " tokens; the model " +
        "reads the last " + data.window + ". The fact has " + factIn + " of its " + factAll +
        " tokens inside the window." }));
      var list = h.el("ol", { className: "sbt-cw-chat" });
      msgs.forEach(function (m, i) {
        var inside = m[3], total = m[2];
        var state = inside === total ? "in" : inside === 0 ? "out" : "part";
        var cls = "sbt-cw-msg sbt-cw-" + state + (i === data.fact ? " sbt-cw-fact" : "") +
          (i === msgs.length - 1 ? " sbt-cw-question" : "");
        var where = state === "in" ? "in the window" : state === "out" ? "outside the window" :
          inside + " of " + total + " tokens in the window";
        list.appendChild(h.el("li", { className: cls }, [
          h.el("span", { className: "sbt-cw-role", text: m[0] + ": " }),
          h.el("span", { text: m[1] }),
          h.el("span", { className: "sbt-cw-where", text: " (" + total + " tokens, " + where + ")" })
        ]));
      });
      output.appendChild(list);
      output.appendChild(h.el("p", { className: "sbt-cw-reply " + (step.right ? "sbt-cw-right" : "sbt-cw-wrong"),
        text: "assistant: " + step.reply + (step.right ? "  (right)" : "  (wrong)") }));
    }

    var panel = data.live ? livePanel(data, function () {
      return data.steps[Number(slider.value) - 1];
    }) : null;
    slider.addEventListener("input", function () {
      update();
      if (panel) {
        var step = data.steps[Number(slider.value) - 1];
        panel.sbtNewDefault(step, step.messages[step.messages.length - 1][1]);
      }
    });
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Exchanges so far", slider)
    ]));
    root.appendChild(output);
    update();
    if (panel) root.appendChild(panel);
  }

  /* The reader's own question at the slider's point of the conversation. */
  function livePanel(data, currentStep) {
    var h = window.sbtWidgets.helpers;
    var first = data.steps[0];
    return window.sbtLivePanel({
      title: "Your own question at this point of the conversation, answered in your browser",
      label: "Your question",
      value: first.messages[first.messages.length - 1][1],
      specs: [data.live.spec],
      fallback: first,
      render: function (step, out) {
        out.appendChild(h.el("p", { className: "sbt-cw-live",
          text: "assistant: " + step.reply }));
      },
      run: function (models, text) {
        var step = currentStep();
        var msgs = step.messages.slice(0, -1).map(function (m) { return [m[0], m[1]]; });
        msgs.push(["user", text]);
        return { reply: window.sbtChat.windowedReply(models[0], msgs, data.live.max_new_tokens) };
      }
    });
  }

  window.sbtWidgets.register("context-window", draw);
})();
