/*
 * bpe.js: the book's byte-level BPE encoder, in the browser (chapter 2).
 *
 * A dependency-free port of stepbytoken.tokenizers.bpe.BPETokenizer.encode/decode. `model` is the
 * object produced by BPETokenizer.to_dict() (embedded in the page as JSON):
 *   { format, version, pattern, merges: [[a, b], ...], special_tokens: { "<|...|>": id } }
 * Merge i turns the pair [a, b] into id 256 + i; ids 0..255 are the bytes.
 *
 *   window.sbtBPE.encode(text, model)     -> array of ids (special tokens recognised, like
 *                                            Python's encode(text, allowed_special="all"))
 *   window.sbtBPE.decode(ids, model)      -> string (invalid UTF-8 becomes U+FFFD)
 *   window.sbtBPE.tokenBytes(id, model)   -> Uint8Array
 *
 * It gives exactly the ids Python gives, for text whose characters both the browser's and
 * Python's Unicode tables know (the split pattern uses \p{L}, \p{N}, \p{White_Space}). One
 * difference by design: a lone surrogate, which Python refuses to encode, becomes U+FFFD here
 * (that is what TextEncoder does). Loadable by Node too: `require("./bpe.js")`.
 */
(function () {
  "use strict";

  var N_BYTES = 256;
  var KEY = 2097152; // 2**21: pair (a, b) is stored under the number a * KEY + b
  var prepared = new WeakMap(); // model -> lookup tables built once
  var utf8 = new TextEncoder();

  function prepare(model) {
    var p = prepared.get(model);
    if (p) return p;
    if (!model || typeof model.pattern !== "string" || !Array.isArray(model.merges)) {
      throw new TypeError("model must be the object from BPETokenizer.to_dict()");
    }
    var ranks = new Map(); // pair key -> new id (a smaller id means an earlier merge)
    var vocab = [];
    for (var i = 0; i < N_BYTES; i++) vocab.push(Uint8Array.of(i));
    model.merges.forEach(function (pair, k) {
      var a = pair[0];
      var b = pair[1];
      var newId = N_BYTES + k;
      if (!(a >= 0 && a < newId && b >= 0 && b < newId) || newId >= KEY) {
        throw new RangeError("merge " + k + " uses an id outside [0, " + newId + ")");
      }
      ranks.set(a * KEY + b, newId);
      var bytes = new Uint8Array(vocab[a].length + vocab[b].length);
      bytes.set(vocab[a], 0);
      bytes.set(vocab[b], vocab[a].length);
      vocab.push(bytes);
    });
    var specials = Object.keys(model.special_tokens || {});
    // Longest first: when one special token is a prefix of another, the longer one wins.
    specials.sort(function (x, y) {
      return y.length - x.length;
    });
    var specialById = new Map();
    specials.forEach(function (s) {
      specialById.set(model.special_tokens[s], utf8.encode(s));
    });
    p = {
      ranks: ranks,
      vocab: vocab,
      regex: new RegExp(model.pattern, "gu"),
      specials: specials,
      specialIds: model.special_tokens || {},
      specialById: specialById,
      vocabSize: vocab.length + specials.length,
      cache: new Map(),
    };
    prepared.set(model, p);
    return p;
  }

  // Replace every [a, b] in ids by newId, scanning left to right (like Python's merge()).
  function merge(ids, a, b, newId) {
    var out = [];
    var i = 0;
    while (i < ids.length) {
      if (i < ids.length - 1 && ids[i] === a && ids[i + 1] === b) {
        out.push(newId);
        i += 2;
      } else {
        out.push(ids[i]);
        i += 1;
      }
    }
    return out;
  }

  // Apply the merges to one chunk, always the earliest-trained pair present first.
  function encodeChunk(chunk, p) {
    var cached = p.cache.get(chunk);
    if (cached) return cached;
    var ids = Array.from(utf8.encode(chunk));
    while (ids.length >= 2) {
      var bestId = Infinity;
      var bestA = -1;
      var bestB = -1;
      for (var i = 0; i < ids.length - 1; i++) {
        var r = p.ranks.get(ids[i] * KEY + ids[i + 1]);
        if (r !== undefined && r < bestId) {
          bestId = r;
          bestA = ids[i];
          bestB = ids[i + 1];
        }
      }
      if (bestId === Infinity) break;
      ids = merge(ids, bestA, bestB, bestId);
    }
    if (p.cache.size >= 200000) p.cache.clear();
    p.cache.set(chunk, ids);
    return ids;
  }

  function encodeOrdinary(text, model) {
    var p = prepare(model);
    var ids = [];
    for (var m of text.matchAll(p.regex)) {
      var chunkIds = encodeChunk(m[0], p);
      for (var j = 0; j < chunkIds.length; j++) ids.push(chunkIds[j]);
    }
    return ids;
  }

  function encode(text, model) {
    if (typeof text !== "string") {
      throw new TypeError("text must be a string, got " + typeof text);
    }
    var p = prepare(model);
    if (p.specials.length === 0) return encodeOrdinary(text, model);
    var ids = [];
    var pos = 0;
    while (pos <= text.length) {
      // The next special token: the leftmost occurrence, the longest one on a tie.
      var at = -1;
      var found = null;
      for (var k = 0; k < p.specials.length; k++) {
        var s = p.specials[k];
        var j = text.indexOf(s, pos);
        if (j !== -1 && (at === -1 || j < at)) {
          at = j;
          found = s;
        }
      }
      var end = at === -1 ? text.length : at;
      if (end > pos) {
        var part = encodeOrdinary(text.slice(pos, end), model);
        for (var q = 0; q < part.length; q++) ids.push(part[q]);
      }
      if (found === null) break;
      ids.push(p.specialIds[found]);
      pos = at + found.length;
    }
    return ids;
  }

  function tokenBytes(id, model) {
    var p = prepare(model);
    if (!Number.isInteger(id) || id < 0 || id >= p.vocabSize) {
      throw new RangeError("unknown token id " + id + "; valid ids are 0.." + (p.vocabSize - 1));
    }
    return id < p.vocab.length ? p.vocab[id] : p.specialById.get(id);
  }

  function decode(ids, model) {
    var parts = [];
    var total = 0;
    for (var i = 0; i < ids.length; i++) {
      var b = tokenBytes(ids[i], model);
      parts.push(b);
      total += b.length;
    }
    var all = new Uint8Array(total);
    var off = 0;
    parts.forEach(function (b) {
      all.set(b, off);
      off += b.length;
    });
    return new TextDecoder("utf-8").decode(all);
  }

  var api = {
    encode: encode,
    encodeOrdinary: encodeOrdinary,
    decode: decode,
    tokenBytes: tokenBytes,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.sbtBPE = api;
})();
