/* Step by Token: the "live-attention" widget (chapter 4).
 *
 * The reader types a sentence; the book's model runs in the browser (gpt.js) and the widget
 * draws every head's attention weights on it: a small map per (layer, head), one of them
 * enlarged as a table of query rows x key columns. Pointing at a token (hover, or keyboard
 * focus in the row of tokens) highlights its row: where that token looks. Before the reader
 * types, and in notebooks (no weights to fetch), it shows a default sentence whose weights
 * Python computed (stepbytoken.book.figures.live_attention).
 *
 * data = {title, model: live_model_spec(), prefix: text read before every sentence,
 *         start: [layer, head],
 *         default: {text, ids, tokens, windowed,
 *                   attention: [layer][head][query] -> weights of keys 0..query}}
 *
 * For tests and tools: root.sbtAttention is the view shown, {text, ids, tokens, windowed,
 * source: "default" | "live", attention: [layer][head] Float32Array(T*T), row = query}, or null;
 * root's data-state is "default", "loading", "live", "empty", "unavailable" or "error".
 */
(function () {
  "use strict";

  var PRONOUNS = ["she", "he", "her", "his", "him"];

  /* The default view from the JSON rows (lower triangle) as full T x T matrices. */
  function defaultView(d) {
    var T = d.ids.length;
    var attention = d.attention.map(function (layer) {
      return layer.map(function (rows) {
        var m = new Float32Array(T * T);
        rows.forEach(function (row, i) {
          for (var j = 0; j < row.length; j++) m[i * T + j] = row[j];
        });
        return m;
      });
    });
    return { text: d.text, ids: d.ids.slice(), tokens: d.tokens.slice(), windowed: !!d.windowed,
      attention: attention, source: "default" };
  }

  /* The query shown first: the last pronoun, else the last token. */
  function firstQuery(tokens) {
    for (var i = tokens.length - 1; i >= 0; i--) {
      if (PRONOUNS.indexOf(tokens[i].trim().toLowerCase()) >= 0) return i;
    }
    return tokens.length - 1;
  }

  var counter = 0;
  function uid(prefix) { counter += 1; return prefix + "-" + counter; }

  function percent(w) { return (100 * w).toFixed(1) + "%"; }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var cfg = data.model.config;
    var L = cfg.n_layer;
    var H = cfg.n_head;
    var block = cfg.block_size;
    var mb = (data.model.bytes / 1e6).toFixed(1);
    var state = { layer: data.start[0], head: data.start[1], query: 0, view: null, seq: 0 };
    var gpt = window.sbtGPT;
    var live = !!(gpt && gpt.available());
    var modelPromise = null;
    var timer = null;

    function range(n) { var a = []; for (var i = 0; i < n; i++) a.push(i); return a; }

    /* ---- controls */
    var input = el("input", { type: "text", className: "sbt-la-input", value: data.default.text,
      autocomplete: "off", spellcheck: "false" });
    var layerSelect = h.select(range(L).map(String), function (i) { setHead(i, state.head); });
    var headSelect = h.select(range(H).map(String), function (i) { setHead(state.layer, i); });
    var textField = h.labelled("Your sentence", input);
    textField.classList.add("sbt-la-text");
    var controls = el("div", { className: "sbt-controls sbt-la-controls" }, [
      textField, h.labelled("Layer", layerSelect), h.labelled("Head", headSelect)
    ]);
    var status = el("p", { className: "sbt-la-status", "aria-live": "polite" });
    var windowNote = el("p", { className: "sbt-la-window" });
    windowNote.hidden = true;

    /* ---- the tokens: a listbox whose options are the queries (roving focus, arrow keys) */
    var stripLabel = el("p", { className: "sbt-la-label", id: uid("sbt-la-strip") ,
      text: "Tokens (point at one, or focus it and use the arrow keys, to see where it looks):" });
    var strip = el("div", { className: "sbt-la-strip", role: "listbox",
      "aria-labelledby": stripLabel.id, "aria-orientation": "horizontal" });
    var readout = el("p", { className: "sbt-la-readout", "aria-live": "polite" });

    /* ---- every head, small */
    var gridLabel = el("p", { className: "sbt-la-label", id: uid("sbt-la-grid"),
      text: "All " + L * H + " heads (rows: layers, columns: heads); choose one to enlarge it:" });
    var grid = el("div", { className: "sbt-la-grid", role: "group",
      "aria-labelledby": gridLabel.id });
    grid.style.gridTemplateColumns = "auto repeat(" + H + ", minmax(2.2em, 4.5em))";
    grid.appendChild(el("span"));
    range(H).forEach(function (hd) {
      grid.appendChild(el("span", { className: "sbt-la-axis", text: "head " + hd }));
    });
    var thumbs = [];
    range(L).forEach(function (l) {
      grid.appendChild(el("span", { className: "sbt-la-axis", text: "layer " + l }));
      thumbs.push(range(H).map(function (hd) {
        var canvas = el("canvas", { className: "sbt-la-thumb", "aria-hidden": "true" });
        var button = el("button", { type: "button", className: "sbt-la-head",
          "aria-label": "layer " + l + ", head " + hd, "aria-pressed": "false" }, [canvas]);
        button.addEventListener("click", function () { setHead(l, hd); });
        grid.appendChild(button);
        return { button: button, canvas: canvas };
      }));
    });

    /* ---- the chosen head, large */
    var caption = el("caption");
    var table = el("table", { className: "sbt-la-matrix" });
    var matrixBox = el("div", { className: "sbt-la-box", tabindex: "0", role: "region" });
    var matrixLabel = el("p", { className: "sbt-la-label", id: uid("sbt-la-matrix") });
    matrixBox.setAttribute("aria-labelledby", matrixLabel.id);
    matrixBox.appendChild(table);
    var body = el("div", { className: "sbt-la-body" }, [stripLabel, strip, readout, gridLabel,
      grid, matrixLabel, matrixBox]);

    var cells = []; // cells[i][j] for j <= i
    var rows = [];
    var chips = [];

    function weights() { return state.view.attention[state.layer][state.head]; }

    function setState(name) {
      root.setAttribute("data-state", name);
    }

    /* Build the strip and the table for a new view (a new sentence). */
    function setView(view) {
      state.view = view;
      root.sbtAttention = view;
      body.hidden = false;
      var T = view.ids.length;
      var shown = view.tokens.map(function (t) { return h.showToken(t); });
      strip.innerHTML = "";
      chips = shown.map(function (text, i) {
        var chip = el("span", { className: "sbt-la-chip", role: "option", tabindex: "-1",
          "data-index": String(i), "aria-selected": "false", text: text });
        chip.addEventListener("mouseenter", function () { setQuery(i); });
        chip.addEventListener("focus", function () { setQuery(i); });
        chip.addEventListener("click", function () { chip.focus(); });
        strip.appendChild(chip);
        return chip;
      });
      table.innerHTML = "";
      table.appendChild(caption);
      var head = el("tr", {}, [el("th", { className: "sbt-la-corner", scope: "col",
        text: "query \u2193 key \u2192" })]);
      shown.forEach(function (text) {
        head.appendChild(el("th", { scope: "col", className: "sbt-la-key" }, [
          el("span", { text: text })
        ]));
      });
      table.appendChild(el("thead", {}, [head]));
      var tbody = el("tbody");
      cells = [];
      rows = shown.map(function (text, i) {
        var row = el("tr", { "data-query": String(i) }, [
          el("th", { scope: "row", className: "sbt-la-query", text: text })
        ]);
        var line = [];
        for (var j = 0; j < T; j++) {
          var td = el("td", { className: j <= i ? "sbt-la-cell" : "sbt-la-cell sbt-la-masked" });
          row.appendChild(td);
          if (j <= i) line.push(td);
        }
        cells.push(line);
        row.addEventListener("mouseenter", function () { setQuery(i); });
        tbody.appendChild(row);
        return row;
      });
      table.appendChild(tbody);
      windowNote.hidden = !view.windowed;
      windowNote.textContent = view.windowed
        ? "Your text is longer than the model's context: only the last " + block +
          " tokens are read, as the Python model reads them."
        : "";
      state.query = Math.min(firstQuery(view.tokens), T - 1);
      setHead(state.layer, state.head);
      drawThumbs();
    }

    /* Show head (l, hd): recolour the table and the strip, mark its thumbnail. */
    function setHead(l, hd) {
      state.layer = l;
      state.head = hd;
      layerSelect.value = String(l);
      headSelect.value = String(hd);
      thumbs.forEach(function (line, ll) {
        line.forEach(function (t, hh) {
          t.button.setAttribute("aria-pressed", ll === l && hh === hd ? "true" : "false");
        });
      });
      if (!state.view) return;
      var T = state.view.ids.length;
      var w = weights();
      var tokens = state.view.tokens;
      caption.textContent = "Layer " + l + ", head " + hd + ": each row is a token looking " +
        "back; each row sums to 100%.";
      matrixLabel.textContent = "Layer " + l + ", head " + hd + " enlarged (" + T + " \u00d7 " +
        T + " tokens; scroll inside the box if it is wider than the page):";
      for (var i = 0; i < T; i++) {
        for (var j = 0; j <= i; j++) {
          var td = cells[i][j];
          var v = w[i * T + j];
          td.style.setProperty("--w", v.toFixed(4));
          td.title = h.showToken(tokens[i]) + " \u2192 " + h.showToken(tokens[j]) + ": " +
            percent(v);
        }
      }
      setQuery(state.query);
    }

    /* Highlight query i: its row in the table, and its weights over the row of tokens. */
    function setQuery(i) {
      if (!state.view) return;
      var T = state.view.ids.length;
      i = Math.max(0, Math.min(T - 1, i));
      state.query = i;
      var w = weights();
      rows.forEach(function (row, r) { row.classList.toggle("sbt-la-active", r === i); });
      chips.forEach(function (chip, j) {
        var v = j <= i ? w[i * T + j] : 0;
        chip.style.setProperty("--w", v.toFixed(4));
        chip.classList.toggle("sbt-la-current", j === i);
        chip.classList.toggle("sbt-la-future", j > i);
        chip.setAttribute("aria-selected", j === i ? "true" : "false");
        chip.setAttribute("tabindex", j === i ? "0" : "-1");
        chip.title = j <= i ? percent(v) : "later: not visible to this token";
      });
      var order = range(i + 1).sort(function (a, b) { return w[i * T + b] - w[i * T + a] || a - b; });
      var tokens = state.view.tokens;
      readout.textContent = "Layer " + state.layer + ", head " + state.head + ": \u201c" +
        h.showToken(tokens[i]) + "\u201d (token " + i + ") looks most at " +
        order.slice(0, 3).map(function (j) {
          return "\u201c" + h.showToken(tokens[j]) + "\u201d (token " + j + ") " +
            percent(w[i * T + j]);
        }).join(", ") + ".";
    }

    function ink() {
      var c = getComputedStyle(root).getPropertyValue("--sbt-la-cell").trim();
      return c || "#0072B2";
    }

    function drawThumbs() {
      var view = state.view;
      if (!view) return;
      var T = view.ids.length;
      var colour = ink();
      thumbs.forEach(function (line, l) {
        line.forEach(function (t, hd) {
          var canvas = t.canvas;
          if (canvas.width !== T) { canvas.width = T; canvas.height = T; }
          var ctx = canvas.getContext("2d");
          if (!ctx) return;
          ctx.clearRect(0, 0, T, T);
          ctx.fillStyle = colour;
          var w = view.attention[l][hd];
          for (var i = 0; i < T; i++) {
            for (var j = 0; j <= i; j++) {
              var v = w[i * T + j];
              if (v < 0.01) continue;
              ctx.globalAlpha = Math.min(1, v);
              ctx.fillRect(j, i, 1, 1);
            }
          }
          ctx.globalAlpha = 1;
        });
      });
    }

    strip.addEventListener("keydown", function (event) {
      if (!state.view) return;
      var T = state.view.ids.length;
      var moves = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };
      var next = null;
      if (event.key in moves) next = state.query + moves[event.key];
      else if (event.key === "Home") next = 0;
      else if (event.key === "End") next = T - 1;
      if (next === null) return;
      event.preventDefault();
      event.stopPropagation(); // the site's arrow keys turn the page; here they move the token
      next = Math.max(0, Math.min(T - 1, next));
      setQuery(next);
      chips[next].focus();
    });

    /* ---- running the model */
    function run() {
      var text = input.value;
      var seq = ++state.seq;
      if (!text.trim()) {
        state.view = null;
        root.sbtAttention = null;
        body.hidden = true;
        windowNote.hidden = true;
        status.textContent = "Type a sentence (something other than spaces) to see where its " +
          "tokens look.";
        setState("empty");
        return;
      }
      if (!live) {
        if (!state.view) setView(defaultView(data.default));
        status.textContent = "The live model runs on the book's website; here the figure " +
          "shows the example sentence, computed in Python.";
        setState("unavailable");
        return;
      }
      if (!modelPromise) {
        status.textContent = "Loading the model (" + mb + " MB)\u2026";
        setState("loading");
        modelPromise = gpt.load(data.model);
      } else {
        status.textContent = "Running the model\u2026";
      }
      modelPromise.then(function (model) {
        if (seq !== state.seq) return; // the reader typed again meanwhile
        var all = model.encode(data.prefix + text);
        var ids = model.window(all);
        var out = model.forward(ids, { attention: true });
        setView({ text: text, ids: ids, tokens: ids.map(function (id) { return model.tokenText(id); }),
          windowed: all.length > ids.length, attention: out.attention, source: "live" });
        status.textContent = "Computed in your browser by the " + data.model.name + " model: " +
          ids.length + " tokens, " + L * H + " heads.";
        setState("live");
      }).catch(function (err) {
        modelPromise = null; // typing again retries
        if (seq !== state.seq) return;
        if (!state.view) setView(defaultView(data.default));
        status.textContent = "The model could not run here: " + (err && err.message ? err.message : err) +
          ". The figure shows the last sentence it could compute.";
        setState("error");
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      status.textContent = live ? "Waiting for you to stop typing\u2026" : status.textContent;
      timer = setTimeout(run, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { clearTimeout(timer); run(); }
    });

    if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(controls);
    root.appendChild(status);
    root.appendChild(windowNote);
    root.appendChild(body);
    setView(defaultView(data.default));
    status.textContent = live
      ? "Showing the example sentence, computed in Python. Type your own: the model (" + mb +
        " MB) then loads once and runs in your browser."
      : "Showing the example sentence, computed in Python; the live model runs on the book's " +
        "website.";
    setState("default");

    if (typeof MutationObserver === "function") { // redraw the small maps when the theme changes
      new MutationObserver(drawThumbs).observe(document.documentElement,
        { attributes: true, attributeFilter: ["data-theme"] });
    }
  }

  function register() { window.sbtWidgets.register("live-attention", draw); }
  if (window.sbtWidgets) register();
  else document.addEventListener("DOMContentLoaded", register);
})();
