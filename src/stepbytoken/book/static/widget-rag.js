/* Step by Token: retrieval-augmented answers (chapter 10).
 *
 * The reader picks a question about a kingdom or person the model never read about, and a
 * retriever; the widget shows the chunks it found with their scores (those that hold the
 * answer marked), the prompt assembled from them, and the reader model's answer. Everything
 * was computed at build time by the stepbytoken package.
 *
 * data = {
 *   title, k, retrievers: [name...],
 *   rows: [{question, answer,
 *           retrievers: {name: {hits: [[text, doc_id, score, answers]...], prompt, reply,
 *                               right}}}...]
 * }
 */
(function () {
  "use strict";

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var state = { row: 0, retriever: 0 };
    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });

    function update() {
      var row = data.rows[state.row];
      var name = data.retrievers[state.retriever];
      var r = row.retrievers[name];
      output.innerHTML = "";
      output.appendChild(h.el("p", { className: "sbt-rag-head", text:
        name + " found these " + r.hits.length + " chunks (best first). The right answer is \u201c" +
        row.answer + "\u201d." }));
      var list = h.el("ol", { className: "sbt-rag-hits" });
      r.hits.forEach(function (hit) {
        list.appendChild(h.el("li", { className: "sbt-rag-hit" + (hit[3] ? " sbt-rag-good" : "") }, [
          h.el("span", { className: "sbt-rag-score", text: "score " + hit[2].toFixed(2) + " \u00b7 from " + hit[1] + ": " }),
          h.el("span", { text: hit[0] }),
          h.el("span", { className: "sbt-rag-mark", text: hit[3] ? "  \u2713 holds the answer" : "" })
        ]));
      });
      output.appendChild(list);
      output.appendChild(h.el("p", { className: "sbt-rag-label", text: "The prompt (the top chunk and the question):" }));
      output.appendChild(h.el("pre", { className: "sbt-rag-prompt", text: r.prompt }));
      output.appendChild(h.el("p", { className: "sbt-rag-reply " + (r.right ? "sbt-rag-right" : "sbt-rag-wrong"),
        text: "assistant: " + (r.reply === "" ? "(nothing)" : r.reply) + (r.right ? "  (right)" : "  (wrong)") }));
    }

    var questions = h.select(data.rows.map(function (row, i) { return (i + 1) + ". " + row.question; }),
      function (i) { state.row = i; update(); });
    var retrievers = h.select(data.retrievers, function (i) { state.retriever = i; update(); });
    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Question", questions), h.labelled("Retriever", retrievers)
    ]));
    root.appendChild(output);
    update();
  }

  window.sbtWidgets.register("rag", draw);
})();
