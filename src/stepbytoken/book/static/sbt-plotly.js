/* Step by Token: what the book adds to every Plotly figure (made by show_plotly in Python).
 *
 * - Keyboard and screen-reader controls: Plotly draws sliders and menus in SVG, which no
 *   keyboard can reach. show_plotly hides them and writes labelled HTML controls instead
 *   (<input type=range data-sbt-slider=I>, <select data-sbt-menu=I>); this file makes each one
 *   run the figure's own step (its method and args, through Plotly's API).
 * - Light and dark: the figure's colours follow the site's theme (data-theme on <html>, set by
 *   pydata-sphinx-theme), and change when the reader switches it.
 * - Narrow screens: below NARROW px, smaller margins, legends under the plot, smaller titles
 *   wrapped to the figure's width.
 *
 * It can be loaded many times (inlined in notebooks): later copies only enhance new figures.
 */
(function () {
  "use strict";
  if (window.sbtPlotly) {
    window.sbtPlotly.enhanceAll();
    return;
  }
  var NARROW = 560;
  var AXES = /^[xy]axis\d*$/;
  /* Colours of each theme; text on paper has a contrast ratio of at least 4.5:1 in both. */
  var THEMES = {
    light: { paper: "#ffffff", text: "#222222", grid: "#e5e7eb", line: "#444444", legend: "rgba(255,255,255,0.8)" },
    dark: { paper: "#1b1f24", text: "#e6e6e6", grid: "#3a4049", line: "#b8bec6", legend: "rgba(27,31,36,0.85)" }
  };

  function theme() {
    var html = document.documentElement;
    return html.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }

  function themeUpdate(gd, name) {
    var t = THEMES[name];
    var update = { paper_bgcolor: t.paper, plot_bgcolor: t.paper, "font.color": t.text };
    var layout = gd.layout || {};
    Object.keys(gd._fullLayout || {}).forEach(function (key) {
      if (!AXES.test(key)) return;
      update[key + ".gridcolor"] = t.grid;
      update[key + ".linecolor"] = t.line;
      update[key + ".zerolinecolor"] = t.grid;
      update[key + ".tickfont.color"] = t.text;
      update[key + ".title.font.color"] = t.text;
    });
    if (layout.legend) {
      update["legend.bgcolor"] = t.legend;
      update["legend.font.color"] = t.text;
    }
    (layout.annotations || []).forEach(function (note, i) {
      if (note.bgcolor) update["annotations[" + i + "].bgcolor"] = t.legend;
      update["annotations[" + i + "].font.color"] = t.text;
    });
    if (layout.title) update["title.font.color"] = t.text;
    return update;
  }

  function narrowUpdate(gd, narrow) {
    var saved = gd.__sbtWide;
    if (narrow && !saved) {
      var full = gd._fullLayout;
      saved = gd.__sbtWide = {
        "margin.l": full.margin.l, "margin.r": full.margin.r, "margin.t": full.margin.t,
        "font.size": full.font.size, "title.font.size": full.title && full.title.font.size,
        "legend.orientation": full.legend && full.legend.orientation,
        "legend.x": full.legend && full.legend.x, "legend.y": full.legend && full.legend.y,
        "legend.xanchor": full.legend && full.legend.xanchor,
        "legend.yanchor": full.legend && full.legend.yanchor
      };
      // Notes above the plot area (e.g. chapter 6's samples) keep the top margin they need.
      var above = (full.annotations || []).some(function (a) {
        return a.yref === "paper" && a.y > 1;
      });
      var update = {
        "margin.l": Math.min(full.margin.l, 48), "margin.r": Math.min(full.margin.r, 12),
        "margin.t": above ? full.margin.t : Math.min(full.margin.t, 44),
        "font.size": Math.min(full.font.size, 11), "title.font.size": 13
      };
      if (full.showlegend) {
        update["legend.orientation"] = "h";
        update["legend.x"] = 0; update["legend.xanchor"] = "left";
        update["legend.y"] = -0.22; update["legend.yanchor"] = "top";
      }
      return update;
    }
    if (!narrow && saved) {
      gd.__sbtWide = null;
      return saved;
    }
    return null;
  }

  /* On a narrow screen a long title is wrapped to the figure's width, and the top margin
     grows to hold its lines; a slider's or menu's step sets a new title, which settle() wraps
     in turn. ``top`` is the top margin the title must not shrink. */
  function wrapTitle(gd, top) {
    var title = (gd.layout || {}).title;
    var text = typeof title === "string" ? title : (title && title.text) || "";
    if (!text) return null;
    // about 8 px a character at the narrow title size, less the side margins
    var perLine = Math.max(16, Math.floor(((gd.clientWidth || 360) - 72) / 8));
    var lines = [];
    text.split(/<br\s*\/?>/i).forEach(function (line) {
      var current = "";
      line.split(" ").forEach(function (word) {
        var longer = current ? current + " " + word : word;
        if (current && longer.replace(/<[^>]*>/g, "").length > perLine) {
          lines.push(current);
          current = word;
        } else {
          current = longer;
        }
      });
      lines.push(current);
    });
    return {
      "title.text": lines.join("<br>"),
      "margin.t": Math.max(top, 24 + 17 * lines.length)
    };
  }

  function runStep(gd, step) {
    var args = step.args || [];
    switch (step.method) {
      case "update": return window.Plotly.update(gd, args[0] || {}, args[1] || {}, args[2]);
      case "restyle": return window.Plotly.restyle(gd, args[0], args[1]);
      case "relayout": return window.Plotly.relayout(gd, args[0]);
      case "animate": return window.Plotly.animate(gd, args[0], args[1]);
      default: return Promise.resolve();
    }
  }

  /* After a step: note the active one, and colour what the step drew (e.g. new annotations). */
  function settle(gd, active) {
    var update = themeUpdate(gd, theme());
    Object.keys(active).forEach(function (k) { update[k] = active[k]; });
    var wrapped = gd.__sbtWide ? wrapTitle(gd, gd._fullLayout.margin.t) : null;
    if (wrapped) Object.keys(wrapped).forEach(function (k) { update[k] = wrapped[k]; });
    return window.Plotly.relayout(gd, update);
  }

  function wireControls(root, gd) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-sbt-slider]"), function (input) {
      var i = Number(input.getAttribute("data-sbt-slider"));
      var output = root.querySelector('output[for="' + input.id + '"]');
      input.addEventListener("input", function () {
        var slider = gd.layout.sliders[i];
        var k = Number(input.value);
        var step = slider.steps[k];
        input.setAttribute("aria-valuetext", step.label);
        if (output) output.textContent = step.label;  // the label names the slider
        var active = {};
        active["sliders[" + i + "].active"] = k;
        runStep(gd, step).then(function () { return settle(gd, active); });
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-sbt-menu]"), function (select) {
      var i = Number(select.getAttribute("data-sbt-menu"));
      select.addEventListener("change", function () {
        var k = Number(select.value);
        var active = {};
        active["updatemenus[" + i + "].active"] = k;
        runStep(gd, gd.layout.updatemenus[i].buttons[k]).then(function () {
          return settle(gd, active);
        });
      });
    });
  }

  /* Colour bars (heatmaps) take less width on a narrow screen: thinner, title turned. */
  function colorbars(gd, narrow) {
    var traces = [];
    gd.data.forEach(function (trace, i) {
      if (/^(heatmap|contour|histogram2d)/.test(trace.type || "")) traces.push(i);
    });
    if (!traces.length) return Promise.resolve();
    return window.Plotly.restyle(gd, narrow
      ? { "colorbar.thickness": 10, "colorbar.xpad": 4, "colorbar.title.side": "right" }
      : { "colorbar.thickness": 30, "colorbar.xpad": 10, "colorbar.title.side": "top" }, traces);
  }

  function restyleFor(gd, root) {
    var update = themeUpdate(gd, theme());
    var isNarrow = root.clientWidth < NARROW;
    var narrow = narrowUpdate(gd, isNarrow);
    if (narrow) Object.keys(narrow).forEach(function (k) { update[k] = narrow[k]; });
    var wrapped = isNarrow && narrow ? wrapTitle(gd, narrow["margin.t"]) : null;
    if (wrapped) Object.keys(wrapped).forEach(function (k) { update[k] = wrapped[k]; });
    root.setAttribute("data-sbt-theme", theme());
    var done = window.Plotly.relayout(gd, update);
    return narrow ? done.then(function () { return colorbars(gd, isNarrow); }) : done;
  }

  function enhance(root, tries) {
    if (root.getAttribute("data-sbt-enhanced")) return;
    var gd = root.querySelector(".plotly-graph-div");
    if (!gd || !window.Plotly || !gd._fullLayout || !gd.layout) {
      if ((tries || 0) < 200) setTimeout(function () { enhance(root, (tries || 0) + 1); }, 50);
      return;
    }
    root.setAttribute("data-sbt-enhanced", "1");
    wireControls(root, gd);
    restyleFor(gd, root);
    if (window.ResizeObserver) {
      var last = root.clientWidth < NARROW;
      var width = root.clientWidth;
      new ResizeObserver(function () {
        if (root.clientWidth === width) return;
        width = root.clientWidth;  // e.g. the theme's frame around outputs came or went
        var now = width < NARROW;
        if (now !== last) { last = now; restyleFor(gd, root); }
        window.Plotly.Plots.resize(gd);
      }).observe(root);
    }
  }

  function enhanceAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".sbt-plotly"), function (root) {
      enhance(root, 0);
    });
  }

  new MutationObserver(function () {
    Array.prototype.forEach.call(document.querySelectorAll(".sbt-plotly[data-sbt-enhanced]"),
      function (root) {
        var gd = root.querySelector(".plotly-graph-div");
        if (root.getAttribute("data-sbt-theme") !== theme()) restyleFor(gd, root);
      });
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });

  window.sbtPlotly = { enhance: enhance, enhanceAll: enhanceAll, themes: THEMES };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
})();
