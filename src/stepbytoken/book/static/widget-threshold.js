/* Step by Token: a confidence threshold against coverage and accuracy (chapter 13).
 *
 * A slider sets the threshold below which the model abstains. The widget shows the share of
 * questions still answered (coverage), the share of those answers that are right (accuracy),
 * as numbers and as bars, and the answers nearest the threshold on both sides. Everything was
 * computed at build time by stepbytoken.book.figures.calibration.threshold_slider_data.
 *
 * data = {
 *   title, n,
 *   steps: [{threshold, coverage, accuracy, kept: [{q, a, p, ok}...], refused: [...]}...]
 * }
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

    slider.addEventListener("input", update);
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Confidence threshold", slider)
    ]));
    root.appendChild(output);
    update();
  }

  window.sbtWidgets.register("threshold", draw);
})();
