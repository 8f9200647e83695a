/* Step by Token: the same prompt answered by several models, side by side (chapter 8).
 *
 * The reader picks a kind of task and a prompt; each model's turn is shown in its own card
 * (tool calls and their results included, the last message being the answer), with the gold
 * judge's verdict on each rule and its score. Everything was computed at build time.
 *
 * data = {
 *   title,
 *   models: [[key, label]...],            // the cards, in order
 *   rules: [[key, label]...],             // the judge's rules, in order
 *   kinds: [[key, label]...],             // the menu of kinds
 *   rows: [{kind, prompt: [[role, text]...], reference,
 *           answers: {key: {turn: [[role, text]...], rules: {rule: bool}, score}}}...],
 *   live: {specs: [live_model_spec...], question, facts, relations, max_calls,
 *          max_new_tokens, default: {key: [[role, text]...]}}     (optional)
 * }
 *
 * With data.live, a panel below (live-panel.js) lets the reader ask a question of their own:
 * the models run in the browser (gpt.js), each turn with its tool calls run by chat.js, as
 * stepbytoken.book.figures.assistants.live_turns_data computes the default one.
 */
(function () {
  "use strict";

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var state = { kind: data.kinds[0][0], row: 0 };

    function rowsOf(kind) {
      var out = [];
      data.rows.forEach(function (r, i) { if (r.kind === kind) out.push(i); });
      return out;
    }

    function short(text, n) { return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }

    var kindSelect = h.el("select");
    data.kinds.forEach(function (k) {
      kindSelect.appendChild(h.el("option", { value: k[0], text: k[1] }));
    });
    var promptSelect = h.el("select", { className: "sbt-sbs-prompt" });

    function fillPrompts() {
      promptSelect.innerHTML = "";
      rowsOf(state.kind).forEach(function (i, n) {
        var prompt = data.rows[i].prompt;
        promptSelect.appendChild(h.el("option", { value: String(i),
          text: (n + 1) + ". " + short(prompt[prompt.length - 1][1], 70) }));
      });
      state.row = Number(promptSelect.value);
    }

    var output = h.el("div", { className: "sbt-output", "aria-live": "polite" });

    function message(role, text, last) {
      return h.el("p", { className: "sbt-sbs-msg sbt-sbs-" + role + (last ? " sbt-sbs-final" : "") }, [
        h.el("span", { className: "sbt-sbs-role", text: role + ": " }),
        h.el("span", { text: text === "" ? "(nothing)" : text })
      ]);
    }

    function card(key, label, answer) {
      var turn = answer.turn;
      var node = h.el("section", { className: "sbt-sbs-card", "aria-label": label });
      node.appendChild(h.el("p", { className: "sbt-sbs-model", text: label }));
      turn.forEach(function (m, i) { node.appendChild(message(m[0], m[1], i === turn.length - 1)); });
      var list = h.el("ul", { className: "sbt-sbs-rules" });
      data.rules.forEach(function (r) {
        var ok = answer.rules[r[0]];
        list.appendChild(h.el("li", { className: ok ? "sbt-sbs-pass" : "sbt-sbs-fail" }, [
          h.el("span", { "aria-hidden": "true", text: ok ? "\u2713 " : "\u2717 " }),
          h.el("span", { text: r[1] + (ok ? "" : ": no") })
        ]));
      });
      node.appendChild(list);
      node.appendChild(h.el("p", { className: "sbt-sbs-score",
        text: "Judge's score: " + answer.score.toFixed(2) }));
      return node;
    }

    function update() {
      var row = data.rows[state.row];
      output.innerHTML = "";
      var prompt = h.el("div", { className: "sbt-sbs-promptbox" });
      row.prompt.forEach(function (m) { prompt.appendChild(message(m[0], m[1], false)); });
      prompt.appendChild(h.el("p", { className: "sbt-sbs-reference",
        text: "The data's own answer: " + row.reference }));
      output.appendChild(prompt);
      var grid = h.el("div", { className: "sbt-sbs-grid" });
      data.models.forEach(function (m) { grid.appendChild(card(m[0], m[1], row.answers[m[0]])); });
      output.appendChild(grid);
    }

    kindSelect.addEventListener("change", function () {
      state.kind = kindSelect.value; fillPrompts(); update();
    });
    promptSelect.addEventListener("change", function () {
      state.row = Number(promptSelect.value); update();
    });

    if (data.title) root.appendChild(h.el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(h.el("div", { className: "sbt-controls" }, [
      h.labelled("Task", kindSelect), h.labelled("Prompt", promptSelect)
    ]));
    root.appendChild(output);
    fillPrompts();
    update();
    if (data.live) root.appendChild(livePanel(data, message));
  }

  /* The reader's own question, answered by every model in the browser (no verdict: the judge
   * needs the world's right answer, which a free question does not come with). */
  function livePanel(data, message) {
    var h = window.sbtWidgets.helpers;
    var live = data.live;
    var labels = {};
    data.models.forEach(function (m) { labels[m[0]] = m[1]; });
    return window.sbtLivePanel({
      title: "Your own question, answered by each model in your browser",
      label: "Your question",
      value: live.question,
      specs: live.specs,
      fallback: live["default"],
      render: function (turns, out) {
        var grid = h.el("div", { className: "sbt-sbs-grid" });
        live.specs.forEach(function (spec) {
          var turn = turns[spec.name];
          var label = labels[spec.name] || spec.name;
          var node = h.el("section", { className: "sbt-sbs-card",
            "aria-label": label + ", on your question", "data-model": spec.name });
          node.appendChild(h.el("p", { className: "sbt-sbs-model", text: label }));
          turn.forEach(function (m, i) {
            node.appendChild(message(m[0], m[1], i === turn.length - 1));
          });
          grid.appendChild(node);
        });
        out.appendChild(grid);
        out.appendChild(h.el("p", { className: "sbt-sbs-reference", text: "No verdicts " +
          "here: the judge needs the world's right answer, which your question does not " +
          "come with." }));
      },
      run: function (models, text) {
        var box = new window.sbtChat.Toolbox(live.facts, live.relations);
        var turns = {};
        live.specs.forEach(function (spec, i) {
          turns[spec.name] = window.sbtChat.assistantTurn(models[i], [["user", text]], box,
            { maxCalls: live.max_calls, maxNewTokens: live.max_new_tokens });
        });
        return turns;
      }
    });
  }

  window.sbtWidgets.register("side-by-side", draw);
})();
