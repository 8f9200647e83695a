/* Step by Token: the "sampling" widget (chapter 7).
 *
 * The page holds a model's raw logits for the most likely tokens after a few prompts. The reader
 * moves a temperature, a top-k and a top-p slider, and the widget recomputes, in the browser,
 * the distribution a sampler would draw from, in the order of stepbytoken.generation.sampling's
 * next_token_distribution: divide by the temperature, keep the k best tokens, keep the nucleus
 * of mass p (ties: the earlier token in the list, which is the lower token id), softmax.
 *
 * data = {title, shown: rows to draw,
 *         prompts: [{text, tokens: [str...], logits: [number...]}]}  (most likely first)
 */
(function () {
  "use strict";

  /* The sampler's distribution over the given logits: an array of probabilities. */
  function distribution(logits, temperature, topK, topP) {
    var n = logits.length;
    var max = Math.max.apply(null, logits);
    var z = logits.map(function (l) { return (l - max) / temperature; });
    var order = z.map(function (_, i) { return i; });
    order.sort(function (a, b) { return z[b] - z[a] || a - b; });
    var keep = new Array(n).fill(false);
    var k = Math.min(topK, n);
    for (var r = 0; r < k; r++) keep[order[r]] = true;
    if (topP < 1) {
      var total = 0;
      for (r = 0; r < k; r++) total += Math.exp(z[order[r]]);
      var before = 0;
      for (r = 0; r < k; r++) {
        var i = order[r];
        keep[i] = r === 0 || before < topP;
        before += Math.exp(z[i]) / total;
      }
    }
    var sum = 0;
    var probs = z.map(function (v, j) { var e = keep[j] ? Math.exp(v) : 0; sum += e; return e; });
    return probs.map(function (p) { return p / sum; });
  }

  function entropy(probs) {
    return probs.reduce(function (h, p) { return p > 0 ? h - p * Math.log(p) : h; }, 0);
  }

  function slider(min, max, step, value) {
    return window.sbtWidgets.helpers.el("input", {
      type: "range", min: String(min), max: String(max), step: String(step), value: String(value)
    });
  }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var shown = data.shown || 15;
    var state = { prompt: 0 };

    var temperature = slider(0.1, 2, 0.05, 1);
    var topK = slider(1, data.prompts[0].logits.length, 1, data.prompts[0].logits.length);
    var topP = slider(0.05, 1, 0.01, 1);
    var outputs = [temperature, topK, topP].map(function () {
      return el("output", { className: "sbt-sampling-value" });
    });
    var output = el("div", { className: "sbt-output", "aria-live": "polite" });

    function field(name, input, out) {
      var wrap = h.labelled(name, input);
      out.setAttribute("for", input.id);
      wrap.appendChild(out);
      return wrap;
    }

    function render() {
      var prompt = data.prompts[state.prompt];
      var n = prompt.logits.length;
      topK.max = String(n);
      if (Number(topK.value) > n) topK.value = String(n);
      var t = Number(temperature.value);
      var k = Number(topK.value);
      var p = Number(topP.value);
      outputs[0].textContent = t.toFixed(2);
      outputs[1].textContent = k === n ? k + " (all)" : String(k);
      outputs[2].textContent = p === 1 ? "1.00 (all)" : p.toFixed(2);

      var probs = distribution(prompt.logits, t, k, p);
      var original = distribution(prompt.logits, 1, n, 1);
      var kept = probs.filter(function (q) { return q > 0; }).length;
      var hNats = entropy(probs);

      output.innerHTML = "";
      output.setAttribute("data-kept", String(kept));
      output.setAttribute("data-entropy", hNats.toFixed(6));
      output.appendChild(el("p", { className: "sbt-context" }, [
        el("span", { text: prompt.text }), el("span", { className: "sbt-cursor", text: "?" })
      ]));
      output.appendChild(el("p", { className: "sbt-sampling-summary" }, [
        el("strong", { text: kept + " of " + n + " tokens remain" }),
        el("span", { text: " \u00b7 entropy " + hNats.toFixed(2) + " nats (like choosing among " +
          Math.exp(hNats).toFixed(1) + " equally likely tokens) \u00b7 most likely token " +
          (100 * Math.max.apply(null, probs)).toFixed(1) + "%" })
      ]));
      var rows = Math.min(shown, n);
      var pairs = [];
      for (var i = 0; i < rows; i++) pairs.push([prompt.tokens[i], probs[i]]);
      var list = h.bars(pairs);
      Array.prototype.forEach.call(list.children, function (row, i) {
        row.setAttribute("data-rank", String(i));
        row.setAttribute("data-prob", String(probs[i]));
        row.setAttribute("title", "the model alone: " + (100 * original[i]).toFixed(1) + "%");
        if (probs[i] === 0) row.classList.add("sbt-removed");
      });
      output.appendChild(list);
      var restKept = 0;
      var restMass = 0;
      for (i = rows; i < n; i++) {
        if (probs[i] > 0) { restKept += 1; restMass += probs[i]; }
      }
      var note = restKept
        ? "\u2026 and " + restKept + " more tokens sharing " + (100 * restMass).toFixed(1) + "%"
        : (kept < n ? "Greyed tokens can no longer be drawn." : "");
      output.appendChild(el("p", { className: "sbt-sampling-rest", text: note }));
    }

    var promptSelect = h.select(data.prompts.map(function (q) { return q.text; }), function (i) {
      state.prompt = i;
      render();
    });
    [temperature, topK, topP].forEach(function (input) {
      input.addEventListener("input", render);
    });
    var reset = el("button", { type: "button", text: "Reset" });
    reset.addEventListener("click", function () {
      temperature.value = "1";
      topK.value = topK.max;
      topP.value = "1";
      render();
    });
    var controls = el("div", { className: "sbt-controls sbt-sampling-controls" }, [
      h.labelled("Prompt", promptSelect),
      field("Temperature", temperature, outputs[0]),
      field("Top-k", topK, outputs[1]),
      field("Top-p", topP, outputs[2]),
      reset
    ]);
    if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(controls);
    root.appendChild(output);
    render();
  }

  function register() { window.sbtWidgets.register("sampling", draw); }
  if (window.sbtWidgets) register();
  else document.addEventListener("DOMContentLoaded", register);
})();
