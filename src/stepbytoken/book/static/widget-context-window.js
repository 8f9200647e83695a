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
 *            right}...]
 * }
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

    slider.addEventListener("input", update);
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Exchanges so far", slider)
    ]));
    root.appendChild(output);
    update();
  }

  window.sbtWidgets.register("context-window", draw);
})();
