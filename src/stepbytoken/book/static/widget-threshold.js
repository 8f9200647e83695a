/* Step by Token: a confidence threshold against coverage and accuracy (chapter 13).
 *
 * A slider sets the threshold below which the model abstains. The widget shows the share of
 * questions still answered (coverage), the share of those answers that are right (accuracy),
 * as numbers and as bars, and the answers nearest the threshold on both sides. Everything was
 * computed at build time by stepbytoken.book.figures.calibration.threshold_slider_data.
 *
 * data = {
 *   title, n,
 *   steps: [{threshold, coverage, accuracy, kept: [{q, a, p, ok}...], refused: [...]}...],
 *   live: {spec, stop_ids, max_new_tokens, patterns,
 *          default: {answer, tokens: [[text, prob]...], p, pw}}          (optional)
 * }
 *
 * With data.live, a panel below (live-panel.js) answers the reader's own question in the
 * browser: chat.js computes the greedy answer, each token's probability and the answer word's
 * (stepbytoken.book.figures.calibration.live_confidence_data computes the default one), and
 * the panel says whether the slider's threshold keeps or withholds that answer.
 */
(function () {
  "use strict";

  function pct(x) { return x === null ? "none answered" : (100 * x).toFixed(1) + "%"; }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var slider = h.el("input", { type: "range", min: "0", max: String(data.steps.length - 1),
      step: "1", value: "0" });
    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });

    function bar(label, value) {
      var width = value === null ? 0 : 100 * value;
      return h.el("div", { className: "sbt-th-row" }, [
        h.el("span", { className: "sbt-th-label", text: label + ": " + pct(value) }),
        h.el("span", { className: "sbt-th-track" }, [
          h.el("span", { className: "sbt-th-fill", style: "width:" + width.toFixed(1) + "%" })
        ])
      ]);
    }

    function examples(title, rows) {
      var box = h.el("div", { className: "sbt-th-examples" });
      box.appendChild(h.el("p", { className: "sbt-th-head", text: title }));
      var list = h.el("ul");
      if (!rows.length) list.appendChild(h.el("li", { text: "(none)" }));
      rows.forEach(function (r) {
        list.appendChild(h.el("li", { className: r.ok ? "sbt-th-right" : "sbt-th-wrong" }, [
          h.el("span", { text: r.q + " \u2192 " + r.a }),
          h.el("span", { className: "sbt-th-p", text: "  (confidence " + r.p.toFixed(2) +
            (r.ok ? ", right)" : ", wrong)") })
        ]));
      });
      box.appendChild(list);
      return box;
    }

    function update() {
      var step = data.steps[Number(slider.value)];
      output.innerHTML = "";
      output.appendChild(h.el("p", { className: "sbt-th-summary", text:
        "Threshold " + step.threshold.toFixed(2) + ": the model answers " + pct(step.coverage) +
        " of the " + data.n + " questions, and " + pct(step.accuracy) + " of its answers are right." }));
      output.appendChild(bar("coverage", step.coverage));
      output.appendChild(bar("accuracy", step.accuracy));
      output.appendChild(examples("Least confident answers kept", step.kept));
      output.appendChild(examples("Most confident answers withheld", step.refused));
    }

    var panel = data.live ? livePanel(data.live, function () {
      return data.steps[Number(slider.value)].threshold;
    }) : null;
    slider.addEventListener("input", function () { update(); if (panel) panel.refresh(); });
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Confidence threshold", slider)
    ]));
    root.appendChild(output);
    update();
    if (panel) root.appendChild(panel.element);
  }

  /* The reader's own question: the answer, each token's probability, and the verdict of the
   * threshold set above (refreshed when the slider moves). */
  function livePanel(live, threshold) {
    var h = window.sbtWidgets.helpers;
    var shown = null;
    var verdict = h.el("p", { className: "sbt-th-verdict" });

    function refresh() {
      if (!shown) return;
      var t = threshold();
      var keep = shown.pw >= t;
      verdict.setAttribute("data-kept", keep ? "true" : "false");
      verdict.textContent = "At the threshold " + t.toFixed(2) + " set above, the assistant " +
        (keep ? "gives this answer." : "withholds it and says it does not know.");
    }

    var element = window.sbtLivePanel({
      title: "Your own question: the assistant's answer and its confidence, in your browser",
      label: "Your question",
      value: live.question,
      specs: [live.spec],
      fallback: live["default"],
      render: function (result, out) {
        shown = result;
        out.appendChild(h.el("p", { className: "sbt-th-answer", text: "Answer: " + result.answer }));
        var tokens = h.el("p", { className: "sbt-th-tokens" });
        result.tokens.forEach(function (t) {
          tokens.appendChild(h.el("span", { className: "sbt-th-token",
            title: "probability " + t[1].toFixed(3),
            text: h.showToken(t[0]) + " " + t[1].toFixed(2) }));
        });
        out.appendChild(tokens);
        out.appendChild(h.el("p", { className: "sbt-th-confidence", "data-pw": String(result.pw),
          text: "Confidence in the answer word: " + result.pw.toFixed(3) +
            " (the whole answer, end included: " + result.p.toFixed(3) + ")" }));
        out.appendChild(verdict);
        refresh();
      },
      run: function (models, text) {
        var chat = window.sbtChat;
        var model = models[0];
        var prompt = chat.chatPrompt(model, [["user", text]]);
        var answer = chat.answerWithConfidence(model, prompt, live.stop_ids, live.max_new_tokens);
        return {
          answer: chat.messageText(model, answer.ids),
          tokens: answer.ids.map(function (id, i) { return [model.decode([id]), answer.probs[i]]; }),
          p: answer.confidence,
          pw: chat.wordConfidence(model, answer, live.patterns)
        };
      }
    });
    return { element: element, refresh: refresh };
  }

  window.sbtWidgets.register("threshold", draw);
})();
