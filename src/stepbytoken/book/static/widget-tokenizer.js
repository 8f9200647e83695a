/* Step by Token: the tokenizer playground (chapter 2).
 *
 * The reader types any text and sees the tokens of a byte-level BPE tokenizer, computed in the
 * browser by bpe.js (window.sbtBPE) from the tokenizer's merges, as coloured chips with their
 * ids, with counts of characters, bytes and tokens. A slider limits the tokenizer to its first
 * N merges, to watch the tokens grow as merges are added.
 *
 * data = {
 *   model: BPETokenizer.to_dict(),      // merges, pattern and special tokens
 *   text: "...",                        // the text shown before any interaction
 *   title: "...",                       // optional
 *   examples: [["label", "text"], ...]  // optional buttons that fill the text box
 * }
 *
 * For tests and tools the ids shown are also in the attribute data-ids="1,2,3" of the element
 * .sbt-token-ids, and each chip (.sbt-token) carries data-id.
 */
(function () {
  "use strict";

  // Okabe-Ito colours, used as translucent backgrounds so that text keeps the theme's colour.
  var CHIP_COLOURS = [
    "rgba(0, 114, 178, 0.22)",
    "rgba(230, 159, 0, 0.28)",
    "rgba(0, 158, 115, 0.25)",
    "rgba(204, 121, 167, 0.28)",
    "rgba(86, 180, 233, 0.28)",
  ];

  var strictUtf8 = new TextDecoder("utf-8", { fatal: true });
  var utf8 = new TextEncoder();

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
    }).join(" ");
  }

  /* The tokenizer restricted to its first n merges (special tokens renumbered after them,
   * as BPETokenizer.truncated does in Python). */
  function truncatedModel(model, n) {
    var specials = Object.keys(model.special_tokens || {}).sort(function (a, b) {
      return model.special_tokens[a] - model.special_tokens[b];
    });
    var special_tokens = {};
    specials.forEach(function (s, k) { special_tokens[s] = 256 + n + k; });
    return {
      format: model.format,
      version: model.version,
      pattern: model.pattern,
      merges: model.merges.slice(0, n),
      special_tokens: special_tokens,
    };
  }

  /* What a chip shows: the token's text with whitespace made visible, or its bytes in hex
   * when they are only part of a character (not valid UTF-8 on their own). */
  function chipText(bytes, isSpecial) {
    if (isSpecial) return { text: new TextDecoder().decode(bytes), partial: false };
    try {
      var s = strictUtf8.decode(bytes);
      s = s.replace(/ /g, "\u2423").replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5")
        .replace(/\r/g, "\u240d");
      return { text: s, partial: false };
    } catch (err) {
      return { text: "\u27e8" + hex(bytes) + "\u27e9", partial: true };
    }
  }

  function draw(root, data) {
    var h = window.sbtWidgets.helpers;
    var el = h.el;
    var full = data.model;
    var nMerges = full.merges.length;
    var models = {};
    function modelFor(n) {
      if (!models[n]) models[n] = n === nMerges ? full : truncatedModel(full, n);
      return models[n];
    }

    var textarea = el("textarea", { rows: "3", spellcheck: "false", className: "sbt-token-input" });
    textarea.value = data.text || "";
    var slider = el("input", {
      type: "range", min: "0", max: String(nMerges), step: "1", value: String(nMerges),
      className: "sbt-token-merges",
    });
    var mergeStatus = el("span", { className: "sbt-status" });
    var counts = el("p", { className: "sbt-token-counts", "aria-live": "polite" });
    var chips = el("div", { className: "sbt-token-chips" });
    var idList = el("p", { className: "sbt-token-ids" });
    var output = el("div", { className: "sbt-output" }, [counts, chips, idList]);

    function update() {
      var n = Number(slider.value);
      var model = modelFor(n);
      var text = textarea.value;
      var ids;
      try {
        ids = window.sbtBPE.encode(text, model);
      } catch (err) {
        counts.textContent = "Could not tokenize this text: " + err.message;
        return;
      }
      var nSpecial = Object.keys(model.special_tokens || {}).length;
      mergeStatus.textContent = n + " of " + nMerges + " merges (vocabulary of " +
        (256 + n + nSpecial) + " tokens)";
      var nChars = Array.from(text).length; // code points, as Python's len()
      var nBytes = utf8.encode(text).length;
      counts.textContent = nChars + " characters \u00b7 " + nBytes + " bytes \u00b7 " +
        ids.length + " tokens" +
        (ids.length ? " \u00b7 " + (nBytes / ids.length).toFixed(2) + " bytes per token" : "");
      chips.innerHTML = "";
      var firstSpecial = 256 + n;
      ids.forEach(function (id, i) {
        var bytes = window.sbtBPE.tokenBytes(id, model);
        var isSpecial = id >= firstSpecial;
        var shown = chipText(bytes, isSpecial);
        var chip = el("span", {
          className: "sbt-token" + (shown.partial ? " sbt-token-partial" : "") +
            (isSpecial ? " sbt-token-special" : ""),
          "data-id": String(id),
          title: "token " + id + ": " + bytes.length + " byte" + (bytes.length === 1 ? "" : "s") +
            " (" + hex(bytes) + ")" + (isSpecial ? ", a special token" : ""),
          style: "background:" + CHIP_COLOURS[i % CHIP_COLOURS.length],
        }, [
          el("span", { className: "sbt-token-text", text: shown.text }),
          el("span", { className: "sbt-token-id", text: String(id) }),
        ]);
        chips.appendChild(chip);
      });
      idList.setAttribute("data-ids", ids.join(","));
      idList.textContent = "ids: [" + ids.join(", ") + "]";
    }

    textarea.addEventListener("input", update);
    slider.addEventListener("input", update);
    var controls = [h.labelled("Text", textarea)];
    var mergeControls = el("div", { className: "sbt-controls" }, [
      h.labelled("Merges used", slider), mergeStatus,
    ]);
    if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
    root.appendChild(el("div", { className: "sbt-controls sbt-token-text-row" }, controls));
    if (data.examples && data.examples.length) {
      var row = el("div", { className: "sbt-controls sbt-token-examples" },
        [el("span", { text: "Try:" })]);
      data.examples.forEach(function (example) {
        var button = el("button", { type: "button", text: example[0] });
        button.addEventListener("click", function () {
          textarea.value = example[1];
          update();
        });
        row.appendChild(button);
      });
      root.appendChild(row);
    }
    root.appendChild(mergeControls);
    root.appendChild(output);
    update();
  }

  if (window.sbtWidgets) window.sbtWidgets.register("tokenizer", draw);
})();
