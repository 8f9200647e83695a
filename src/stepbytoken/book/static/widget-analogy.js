/* Step by Token: the analogy explorer of chapter 3.
 *
 * The reader picks three words a, b, c; the widget computes b - a + c from the word vectors
 * shipped in the page and lists the words whose vectors are closest to it (by cosine), the same
 * computation as WordVectors.analogy in Python. Words a, b and c are left out of the answer.
 *
 * data = {
 *   title,
 *   words: [word...],                  // the whole vocabulary, in row order
 *   dim: 64,
 *   vectors: "base64",                 // vocab_size x dim signed bytes, row-major; each row is
 *                                      // a unit vector scaled so that its largest entry is 127
 *   groups: [[label, [word...]]...],   // the words offered in the a, b, c menus
 *   pairs: {relation: [[x, y]...]},    // the test set's pairs, to show the expected answer
 *   presets: [[a, b, c]...],           // examples offered in the first menu
 *   k: 8                               // how many candidates to show
 * }
 */
(function () {
  "use strict";

  function decode(base64, n, dim) {
    var bytes = atob(base64);
    var E = new Float32Array(n * dim);
    for (var i = 0; i < n; i++) {
      var norm = 0;
      for (var j = 0; j < dim; j++) {
        var b = bytes.charCodeAt(i * dim + j);
        var x = b > 127 ? b - 256 : b; // signed byte
        E[i * dim + j] = x;
        norm += x * x;
      }
      norm = Math.sqrt(norm) || 1;
      for (j = 0; j < dim; j++) E[i * dim + j] /= norm; // back to unit length
    }
    return E;
  }

  /* Words closest (by cosine) to the vector q, best first, leaving out the rows in skip. */
  function nearest(E, n, dim, q, skip, k) {
    var qn = 0;
    for (var j = 0; j < dim; j++) qn += q[j] * q[j];
    qn = Math.sqrt(qn) || 1;
    var scored = [];
    for (var i = 0; i < n; i++) {
      if (skip.indexOf(i) >= 0) continue;
      var s = 0;
      for (j = 0; j < dim; j++) s += E[i * dim + j] * q[j];
      scored.push([i, s / qn]);
    }
    scored.sort(function (x, y) { return y[1] - x[1] || x[0] - y[0]; });
    return scored.slice(0, k);
  }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var n = data.words.length, dim = data.dim;
    var E = decode(data.vectors, n, dim);
    var row = {};
    data.words.forEach(function (w, i) { row[w] = i; });
    var state = { a: data.presets[0][0], b: data.presets[0][1], c: data.presets[0][2] };

    function vec(word) { return E.subarray(row[word] * dim, (row[word] + 1) * dim); }

    function expected(a, b, c) {
      var found = null;
      Object.keys(data.pairs).forEach(function (rel) {
        var ps = data.pairs[rel];
        var hasAB = ps.some(function (p) { return p[0] === a && p[1] === b; });
        ps.forEach(function (p) { if (hasAB && p[0] === c && p[1] !== b) found = found || [rel, p[1]]; });
      });
      return found;
    }

    function wordSelect(key) {
      var node = h.el("select");
      data.groups.forEach(function (g) {
        var group = h.el("optgroup", { label: g[0] });
        g[1].forEach(function (w) { group.appendChild(h.el("option", { value: w, text: w })); });
        node.appendChild(group);
      });
      node.value = state[key];
      node.addEventListener("change", function () { state[key] = node.value; update(); });
      return node;
    }

    var presetSelect = h.el("select");
    data.presets.forEach(function (p, i) {
      presetSelect.appendChild(h.el("option", { value: String(i),
        text: p[0] + " : " + p[1] + " :: " + p[2] + " : ?" }));
    });
    var selects = { a: wordSelect("a"), b: wordSelect("b"), c: wordSelect("c") };
    presetSelect.addEventListener("change", function () {
      var p = data.presets[Number(presetSelect.value)];
      state.a = p[0]; state.b = p[1]; state.c = p[2];
      ["a", "b", "c"].forEach(function (key) { selects[key].value = state[key]; });
      update();
    });

    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });

    function update() {
      var a = state.a, b = state.b, c = state.c;
      var q = new Float32Array(dim);
      var va = vec(a), vb = vec(b), vc = vec(c);
      for (var j = 0; j < dim; j++) q[j] = vb[j] - va[j] + vc[j];
      var top = nearest(E, n, dim, q, [row[a], row[b], row[c]], data.k);
      var answer = expected(a, b, c);
      output.innerHTML = "";
      output.appendChild(h.el("p", { className: "sbt-context",
        text: a + " : " + b + " :: " + c + " : ?     (" + b + " \u2212 " + a + " + " + c + ")" }));
      var list = h.el("ol", { className: "sbt-bars" });
      top.forEach(function (pair) {
        var word = data.words[pair[0]];
        var width = Math.max(0, pair[1]) * 100;
        list.appendChild(h.el("li", {
          className: "sbt-bar-row" + (answer && word === answer[1] ? " sbt-chosen" : "")
        }, [
          h.el("span", { className: "sbt-bar-label", text: word }),
          h.el("span", { className: "sbt-bar-track" }, [
            h.el("span", { className: "sbt-bar", style: "width:" + width.toFixed(1) + "%" })
          ]),
          h.el("span", { className: "sbt-bar-value", text: pair[1].toFixed(3) })
        ]));
      });
      output.appendChild(list);
      var verdict;
      if (answer) {
        var rank = nearest(E, n, dim, q, [row[a], row[b], row[c]], n)
          .map(function (p) { return data.words[p[0]]; }).indexOf(answer[1]) + 1;
        verdict = "Expected (" + answer[0] + "): " + answer[1] + ". " +
          (rank === 1 ? "Correct: it comes first." : "Wrong: it comes at rank " + rank + ".");
      } else {
        verdict = "This question is not in the test set, so there is no expected answer.";
      }
      var alone = nearest(E, n, dim, vc, [row[a], row[b], row[c]], 1)[0];
      output.appendChild(h.el("p", { className: "sbt-analogy-verdict", text: verdict }));
      output.appendChild(h.el("p", { className: "sbt-analogy-baseline",
        text: "Baseline, ignoring a and b: the nearest word to " + c + " is " +
          data.words[alone[0]] + " (cosine " + alone[1].toFixed(3) + ")." }));
    }

    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [h.labelled("Example", presetSelect)]));
    root.appendChild(h.el("div", { className: "sbt-controls sbt-analogy-words" }, [
      h.labelled("a", selects.a), h.el("span", { text: ":" }),
      h.labelled("b", selects.b), h.el("span", { text: "::" }),
      h.labelled("c", selects.c), h.el("span", { text: ": ?" })
    ]));
    root.appendChild(output);
    update();
  }

  window.sbtWidgets.register("analogy", draw);
})();
