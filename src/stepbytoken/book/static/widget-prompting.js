/* Step by Token: accuracy curves with the prompt behind each point (chapter 12).
 *
 * The reader picks a panel (few-shot, order of the examples, self-consistency), a curve (a
 * wording, or direct against chain of thought) and a point on it; the widget draws the curve
 * as bars with the picked one marked, its accuracy with the 95% interval, and one prompt of
 * that point with the model's answer and the right one. Everything was computed at build time
 * by the stepbytoken package (stepbytoken.book.figures.prompting.prompting_widget_data).
 *
 * data = {title, panels: [{title, xlabel, series: [{name, points: [{x, value, low, high,
 *         prompt, answer, gold}...]}...]}...]}
 */
(function () {
  "use strict";

  function pct(x) { return (100 * x).toFixed(1) + "%"; }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var state = { panel: 0, series: 0, point: 0 };
    var seriesSelect = h.el("select");
    var slider = h.el("input", { type: "range", min: "0", max: "0", step: "1", value: "0" });
    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });

    function fillSeries() {
      seriesSelect.innerHTML = "";
      data.panels[state.panel].series.forEach(function (s, i) {
        seriesSelect.appendChild(h.el("option", { value: String(i), text: s.name }));
      });
      state.series = 0;
    }

    function fillPoints() {
      var points = data.panels[state.panel].series[state.series].points;
      slider.max = String(points.length - 1);
      state.point = Math.min(state.point, points.length - 1);
      slider.value = String(state.point);
    }

    function update() {
      var panel = data.panels[state.panel];
      var points = panel.series[state.series].points;
      var p = points[state.point];
      output.innerHTML = "";
      var chart = h.el("ol", { className: "sbt-pr-chart" });
      points.forEach(function (q, i) {
        chart.appendChild(h.el("li", { className: "sbt-pr-bar-row" + (i === state.point ? " sbt-chosen" : "") }, [
          h.el("span", { className: "sbt-pr-x", text: panel.xlabel.split(" (")[0] + " " + q.x }),
          h.el("span", { className: "sbt-bar-track" }, [
            h.el("span", { className: "sbt-bar", style: "width:" + (100 * q.value).toFixed(1) + "%" })
          ]),
          h.el("span", { className: "sbt-pr-value", text: pct(q.value) })
        ]));
      });
      output.appendChild(chart);
      output.appendChild(h.el("p", { className: "sbt-pr-summary", text:
        panel.xlabel + " = " + p.x + ": accuracy " + pct(p.value) + " (95% interval " +
        pct(p.low) + " to " + pct(p.high) + ")." }));
      output.appendChild(h.el("p", { className: "sbt-pr-label", text: "One prompt of this point:" }));
      output.appendChild(h.el("pre", { className: "sbt-pr-prompt", text: p.prompt }));
      output.appendChild(h.el("p", { className: "sbt-pr-answer", text:
        "model: " + (p.answer === "" ? "(nothing)" : p.answer) + "   right answer: " + p.gold }));
    }

    var panels = h.select(data.panels.map(function (p) { return p.title; }), function (i) {
      state.panel = i; state.point = 0; fillSeries(); fillPoints(); update();
    });
    seriesSelect.addEventListener("change", function () {
      state.series = Number(seriesSelect.value); fillPoints(); update();
    });
    slider.addEventListener("input", function () { state.point = Number(slider.value); update(); });
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Measurement", panels), h.labelled("Curve", seriesSelect),
      h.labelled("Point", slider)
    ]));
    root.appendChild(output);
    fillSeries(); fillPoints(); update();
  }

  window.sbtWidgets.register("prompting", draw);
})();
