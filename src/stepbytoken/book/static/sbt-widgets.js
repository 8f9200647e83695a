/* Step by Token: the book's small interactive widgets.
 *
 * Every widget is a <div class="sbt-interactive sbt-widget" data-sbt-widget="KIND"> holding its
 * data as <script type="application/json" class="sbt-data">. This file draws each one with
 * plain DOM code: no framework, no network. It can be loaded many times (inlined in notebooks):
 * later copies only look for widgets not drawn yet. Further kinds live in widget-KIND.js files
 * that call sbtWidgets.register(KIND, draw) (loaded after this file).
 */
(function () {
  "use strict";
  if (window.sbtWidgets) {
    window.sbtWidgets.renderAll();
    return;
  }

  var kinds = {};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  var counter = 0;
  function uid(prefix) { counter += 1; return prefix + "-" + counter; }

  function labelled(labelText, control) {
    control.id = control.id || uid("sbt-control");
    return el("span", { className: "sbt-field" }, [
      el("label", { "for": control.id, text: labelText }), control
    ]);
  }

  function select(options, onChange) {
    var node = el("select");
    options.forEach(function (opt, i) {
      node.appendChild(el("option", { value: String(i), text: opt }));
    });
    node.addEventListener("change", function () { onChange(Number(node.value)); });
    return node;
  }

  function showToken(token) {
    // Make whitespace visible: a token's spaces and newlines matter.
    return token.replace(/ /g, "\u2423").replace(/\n/g, "\u21b5");
  }

  /* A horizontal bar chart of (token, probability) pairs, drawn with divs. A bar's length is
   * its probability: the full track is 1 (the same scale in every widget of the book). */
  function bars(pairs, highlight) {
    var list = el("ol", { className: "sbt-bars" });
    pairs.forEach(function (pair) {
      var row = el("li", { className: "sbt-bar-row" + (pair[0] === highlight ? " sbt-chosen" : "") }, [
        el("span", { className: "sbt-bar-label", text: showToken(pair[0]) }),
        el("span", { className: "sbt-bar-track" }, [
          el("span", { className: "sbt-bar", style: "width:" + (100 * pair[1]).toFixed(1) + "%" })
        ]),
        el("span", { className: "sbt-bar-value", text: (100 * pair[1]).toFixed(1) + "%" })
      ]);
      list.appendChild(row);
    });
    return list;
  }

  /* next-token: pick a prefix and a model, see the next-token distribution.
   * data = {title, models: [name...], prefixes: [{text, dists: {model: [[token, p]...]}}]} */
  kinds["next-token"] = function (root, data) {
    var state = { prefix: 0, model: 0 };
    var output = el("div", { className: "sbt-output", "aria-live": "polite" });
    function draw() {
      var prefix = data.prefixes[state.prefix];
      var model = data.models[state.model];
      output.innerHTML = "";
      output.appendChild(el("p", { className: "sbt-context" }, [
        el("span", { text: prefix.text + " " }), el("span", { className: "sbt-cursor", text: "?" })
      ]));
      output.appendChild(bars(prefix.dists[model]));
    }
    var controls = el("div", { className: "sbt-controls" }, [
      labelled("Text so far", select(data.prefixes.map(function (p) { return p.text; }),
        function (i) { state.prefix = i; draw(); })),
      labelled("Model", select(data.models, function (i) { state.model = i; draw(); }))
    ]);
    if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(controls);
    root.appendChild(output);
    draw();
  };

  /* generation: step through a generation; every step shows the distribution and the choice.
   * data = {title, prompt, models: [name...], runs: {model: [{chosen, top: [[token, p]...]}]}} */
  kinds["generation"] = function (root, data) {
    var state = { model: 0, step: 0 };
    var slider = el("input", { type: "range", min: "0", value: "0", step: "1" });
    var prev = el("button", { type: "button", text: "\u25c0 Previous" });
    var next = el("button", { type: "button", text: "Next \u25b6" });
    var status = el("span", { className: "sbt-status" });
    var output = el("div", { className: "sbt-output", "aria-live": "polite" });
    function run() { return data.runs[data.models[state.model]]; }
    function draw() {
      var steps = run();
      state.step = Math.max(0, Math.min(state.step, steps.length - 1));
      slider.max = String(steps.length - 1);
      slider.value = String(state.step);
      status.textContent = "step " + (state.step + 1) + " of " + steps.length;
      var context = el("p", { className: "sbt-context" }, [el("span", { text: data.prompt })]);
      for (var i = 0; i < state.step; i++) {
        context.appendChild(el("span", { className: "sbt-generated", text: " " + steps[i].chosen }));
      }
      context.appendChild(el("span", { className: "sbt-cursor sbt-chosen-token",
        text: " " + steps[state.step].chosen }));
      output.innerHTML = "";
      output.appendChild(context);
      output.appendChild(bars(steps[state.step].top, steps[state.step].chosen));
    }
    prev.addEventListener("click", function () { state.step -= 1; draw(); });
    next.addEventListener("click", function () { state.step += 1; draw(); });
    slider.addEventListener("input", function () { state.step = Number(slider.value); draw(); });
    var controls = el("div", { className: "sbt-controls" }, [
      labelled("Model", select(data.models, function (i) { state.model = i; draw(); })),
      prev, labelled("Step", slider), next, status
    ]);
    if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(controls);
    root.appendChild(output);
    draw();
  };

  function render(root) {
    if (root.getAttribute("data-sbt-rendered")) return;
    var kind = root.getAttribute("data-sbt-widget");
    var script = root.querySelector("script.sbt-data");
    if (!kinds[kind] || !script) return;
    root.setAttribute("data-sbt-rendered", "1");
    try {
      kinds[kind](root, JSON.parse(script.textContent));
    } catch (err) {
      root.appendChild(el("p", { className: "sbt-error", text: "This figure failed to draw: " + err }));
      throw err;
    }
  }

  function renderAll() {
    var roots = document.querySelectorAll(".sbt-widget[data-sbt-widget]");
    Array.prototype.forEach.call(roots, render);
  }

  /* Other files add widget kinds with sbtWidgets.register("kind", function (root, data) {...}). */
  function register(kind, draw) {
    kinds[kind] = draw;
    if (document.readyState !== "loading") renderAll();
  }

  window.sbtWidgets = { kinds: kinds, register: register, render: render, renderAll: renderAll,
    helpers: { el: el, bars: bars, select: select, labelled: labelled, showToken: showToken } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderAll);
  else renderAll();
})();
