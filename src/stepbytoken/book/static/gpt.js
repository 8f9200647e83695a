/*
 * gpt.js: the book's GPT, run in the reader's browser (chapters 1, 4, 7, 8, 9, 11, 13, 17 and 18).
 *
 * A dependency-free port of the forward pass of stepbytoken.nn.gpt.GPT, reading the shipped
 * model.safetensors (an 8-byte little-endian header length, a JSON header giving each tensor's
 * dtype, shape and data_offsets, then raw little-endian float32 or float16 data; halves are
 * widened to float32 as they are read). It mirrors the Python model block by block: token embedding + positions (learned, sinusoidal or rotary), pre-norm
 * blocks (LayerNorm with eps 1e-5, or RMSNorm), causal multi-head attention, the MLP with the
 * exact (erf) GELU of nn.GELU() or SwiGLU, a final norm and the (tied) head. Numbers are kept
 * in Float32Array between operations, as PyTorch does, with float64 sums. Every switch of
 * GPTConfig is followed (bias, tie_weights, use_norm, residual too); a value it does not know is
 * refused with an Error. tests/site/test_live_model.py compares all of it with PyTorch.
 *
 *   sbtGPT.available()          -> true when the page can fetch the shipped weights
 *   sbtGPT.modelUrl(file)       -> URL of <content_root>_static/models/<file>/model.safetensors
 *   sbtGPT.load(spec)           -> Promise<Model>; spec = stepbytoken.book.live.live_model_spec()
 *                                  (the weights of spec.file, or spec.name; a spec whose
 *                                  stored_vocab is below config.vocab_size gets mean rows for
 *                                  the rest, as chapter 8's base model)
 *   sbtGPT.fromBuffer(spec, arrayBuffer) -> Model   (no hash check; Node and tests)
 *   sbtGPT.sha256(arrayBuffer)  -> Promise<hex string>; sbtGPT.sha256Sync: the same, in plain JS
 *   sbtGPT.probs(logits, {temperature, topK, topP}) -> Float32Array
 *   sbtGPT.rng(seed)            -> function returning floats in [0, 1)
 *   sbtGPT.sample(probs, rand)  -> id
 *
 *   model.config, model.spec, model.encode(text), model.decode(ids), model.tokenText(id),
 *   model.window(ids), model.forward(ids, {attention}), model.lastLogits(ids),
 *   model.newCache(), model.prefill(ids, cache), model.decodeStep(id, cache),
 *   model.generate(ids, n, {greedy, temperature, topK, topP, seed, cache, stopToken, onToken})
 *     -> a new array: the prompt followed by the new ids, as Python's generate returns.
 *
 * Loadable by Node too: `require("./gpt.js")` (it then requires ./bpe.js for text).
 */
(function () {
  "use strict";

  var NORMS = ["layernorm", "rmsnorm"];
  var POSITIONS = ["learned", "sinusoidal", "rope"];
  var MLPS = ["gelu", "swiglu"];
  var EPS = 1e-5; // nn.LayerNorm's and RMSNorm's default
  var fround = Math.fround;

  function bpe() {
    if (typeof window !== "undefined" && window.sbtBPE) return window.sbtBPE;
    if (typeof require === "function") return require("./bpe.js");
    throw new Error("gpt.js needs bpe.js (window.sbtBPE) for text; load bpe.js first");
  }

  /* ---------------------------------------------------------------- page and weights files */

  function contentRoot() {
    if (typeof document === "undefined" || !document.documentElement) return null;
    return document.documentElement.getAttribute("data-content_root");
  }

  function available() {
    return contentRoot() !== null && typeof fetch === "function";
  }

  function checkName(name) {
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new TypeError(
        "a model name must be a string of letters, digits, '_' and '-', got " + String(name)
      );
    }
    return name;
  }

  function modelUrl(name) {
    checkName(name);
    var root = contentRoot();
    if (root === null) {
      throw new Error(
        "this page has no <html data-content_root>, so it cannot fetch the model's weights " +
          "(the live figures run on the book's site, not in a notebook)"
      );
    }
    var path = root + "_static/models/" + name + "/model.safetensors";
    return new URL(path, document.baseURI).href;
  }

  /* SHA-256 in plain JavaScript, for pages without crypto.subtle (not a secure context). */
  var K256 = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ];

  function sha256Plain(buffer) {
    var bytes = new Uint8Array(buffer);
    var n = bytes.length;
    var total = Math.ceil((n + 9) / 64) * 64;
    var msg = new Uint8Array(total);
    msg.set(bytes);
    msg[n] = 0x80;
    var view = new DataView(msg.buffer);
    view.setUint32(total - 8, Math.floor(n / 0x20000000), false); // bit length, high word
    view.setUint32(total - 4, (n * 8) >>> 0, false);
    var h = [
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    ];
    var w = new Int32Array(64);
    for (var off = 0; off < total; off += 64) {
      for (var i = 0; i < 16; i++) w[i] = view.getInt32(off + 4 * i, false);
      for (i = 16; i < 64; i++) {
        var a15 = w[i - 15];
        var a2 = w[i - 2];
        var s0 = ((a15 >>> 7) | (a15 << 25)) ^ ((a15 >>> 18) | (a15 << 14)) ^ (a15 >>> 3);
        var s1 = ((a2 >>> 17) | (a2 << 15)) ^ ((a2 >>> 19) | (a2 << 13)) ^ (a2 >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], H = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var ch = (E & F) ^ (~E & G);
        var t1 = (H + S1 + ch + K256[i] + w[i]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var maj = (A & B) ^ (A & C) ^ (B & C);
        var t2 = (S0 + maj) | 0;
        H = G;
        G = F;
        F = E;
        E = (D + t1) | 0;
        D = C;
        C = B;
        B = A;
        A = (t1 + t2) | 0;
      }
      h[0] = (h[0] + A) | 0;
      h[1] = (h[1] + B) | 0;
      h[2] = (h[2] + C) | 0;
      h[3] = (h[3] + D) | 0;
      h[4] = (h[4] + E) | 0;
      h[5] = (h[5] + F) | 0;
      h[6] = (h[6] + G) | 0;
      h[7] = (h[7] + H) | 0;
    }
    return h
      .map(function (x) {
        return ("00000000" + (x >>> 0).toString(16)).slice(-8);
      })
      .join("");
  }

  function sha256(buffer) {
    var subtle = typeof crypto !== "undefined" && crypto && crypto.subtle;
    if (subtle && typeof subtle.digest === "function") {
      return subtle.digest("SHA-256", buffer).then(function (digest) {
        return Array.prototype.map
          .call(new Uint8Array(digest), function (b) {
            return ("0" + b.toString(16)).slice(-2);
          })
          .join("");
      });
    }
    return Promise.resolve(sha256Plain(buffer));
  }

  /* A half-precision number (IEEE 754 binary16, its 16 bits as an integer) as a float;
   * exact: every half is a float32. */
  function halfToFloat(bits) {
    var sign = bits & 0x8000 ? -1 : 1;
    var exponent = (bits >> 10) & 0x1f;
    var fraction = bits & 0x3ff;
    if (exponent === 0) return sign * fraction * Math.pow(2, -24); // zero and subnormals
    if (exponent === 31) return fraction ? NaN : sign * Infinity;
    return sign * (1 + fraction / 1024) * Math.pow(2, exponent - 15);
  }

  /* The bytes each dtype gpt.js reads takes per number; F16 is widened to float32 on reading,
   * as torch's .float() does. */
  var DTYPE_BYTES = { F32: 4, F16: 2 };

  /* Parse a safetensors file into {name: {shape, data: Float32Array}} (float32 or float16). */
  function parseSafetensors(buffer) {
    if (!(buffer instanceof ArrayBuffer)) {
      throw new TypeError("the weights must be an ArrayBuffer");
    }
    if (buffer.byteLength < 8) throw new Error("not a safetensors file: shorter than 8 bytes");
    var view = new DataView(buffer);
    var headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
    if (headerLen > buffer.byteLength - 8) {
      throw new Error(
        "not a safetensors file: the header length " + headerLen + " passes the end of the file"
      );
    }
    var header = JSON.parse(new TextDecoder("utf-8").decode(new Uint8Array(buffer, 8, headerLen)));
    var start = 8 + headerLen;
    var littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    var tensors = {};
    Object.keys(header).forEach(function (name) {
      if (name === "__metadata__") return;
      var t = header[name];
      var width = DTYPE_BYTES[t.dtype];
      if (!width) {
        throw new Error(
          "tensor " + name + " has dtype " + t.dtype + "; gpt.js reads F32 and F16 only"
        );
      }
      var begin = t.data_offsets[0];
      var end = t.data_offsets[1];
      var count = t.shape.reduce(function (a, b) { return a * b; }, 1);
      if (end - begin !== width * count || start + end > buffer.byteLength) {
        throw new Error("tensor " + name + " has data_offsets that do not fit its shape");
      }
      var data;
      var i;
      if (width === 2) {
        data = new Float32Array(count);
        for (i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(start + begin + 2 * i, true));
      } else if (littleEndian) {
        data = new Float32Array(buffer.slice(start + begin, start + end));
      } else {
        data = new Float32Array(count);
        for (i = 0; i < count; i++) data[i] = view.getFloat32(start + begin + 4 * i, true);
      }
      tensors[name] = { shape: t.shape, data: data };
    });
    return { tensors: tensors, metadata: header.__metadata__ || {} };
  }

  /* ------------------------------------------------------------------------- the numbers */

  /* erf to double precision: a Taylor series near 0, a continued fraction for erfc outside. */
  function erf(x) {
    var ax = Math.abs(x);
    if (ax < 3) {
      var sum = x;
      var term = x;
      var x2 = x * x;
      for (var n = 1; n < 100; n++) {
        term *= -x2 / n;
        var add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
      }
      return (2 / Math.sqrt(Math.PI)) * sum;
    }
    if (ax > 6) return x > 0 ? 1 : -1;
    var f = ax;
    for (var k = 60; k >= 1; k--) f = ax + k / 2 / f;
    var erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
    return x > 0 ? 1 - erfc : erfc - 1;
  }

  function gelu(x) {
    return 0.5 * x * (1 + erf(x / Math.SQRT2)); // nn.GELU(approximate="none")
  }

  function silu(x) {
    return x / (1 + Math.exp(-x));
  }

  /* y[r] = x[r] W^T + b for n rows; W is (out, in) row-major as nn.Linear stores it. Every row
   * is summed in the same order, alone or in a group of four, so a decode step gives the
   * numbers of a full forward pass exactly. */
  function linear(x, n, dIn, W, b, dOut) {
    var y = new Float32Array(n * dOut);
    var r = 0;
    for (; r + 4 <= n; r += 4) {
      // four rows at once: each weight is read once for four tokens
      var x0 = r * dIn, x1 = x0 + dIn, x2 = x1 + dIn, x3 = x2 + dIn;
      for (var j = 0; j < dOut; j++) {
        var s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var wo = j * dIn;
        for (var i = 0; i < dIn; i++) {
          var wi = W[wo + i];
          s0 += x[x0 + i] * wi;
          s1 += x[x1 + i] * wi;
          s2 += x[x2 + i] * wi;
          s3 += x[x3 + i] * wi;
        }
        var bj = b ? b[j] : 0;
        y[r * dOut + j] = b ? s0 + bj : s0;
        y[(r + 1) * dOut + j] = b ? s1 + bj : s1;
        y[(r + 2) * dOut + j] = b ? s2 + bj : s2;
        y[(r + 3) * dOut + j] = b ? s3 + bj : s3;
      }
    }
    for (; r < n; r++) {
      var xo = r * dIn;
      var yo = r * dOut;
      for (j = 0; j < dOut; j++) {
        var s = 0;
        wo = j * dIn;
        for (i = 0; i < dIn; i++) s += x[xo + i] * W[wo + i];
        y[yo + j] = b ? s + b[j] : s;
      }
    }
    return y;
  }

  function norm(x, n, C, p, kind) {
    if (!p) return x; // use_norm=False: an identity
    var y = new Float32Array(n * C);
    for (var r = 0; r < n; r++) {
      var o = r * C;
      var i;
      if (kind === "rmsnorm") {
        var ms = 0;
        for (i = 0; i < C; i++) ms += x[o + i] * x[o + i];
        var inv = 1 / Math.sqrt(ms / C + EPS);
        for (i = 0; i < C; i++) y[o + i] = fround(x[o + i] * inv) * p.weight[i];
      } else {
        var mean = 0;
        for (i = 0; i < C; i++) mean += x[o + i];
        mean /= C;
        var v = 0;
        for (i = 0; i < C; i++) v += (x[o + i] - mean) * (x[o + i] - mean);
        var rstd = 1 / Math.sqrt(v / C + EPS);
        for (i = 0; i < C; i++) {
          var z = (x[o + i] - mean) * rstd * p.weight[i];
          y[o + i] = p.bias ? z + p.bias[i] : z;
        }
      }
    }
    return y;
  }

  function sinusoidal(T, C) {
    var pe = new Float32Array(T * C);
    var nFreq = Math.floor((C + 1) / 2);
    for (var t = 0; t < T; t++) {
      for (var i = 0; i < nFreq; i++) {
        var a = t * Math.pow(10000, (-2 * i) / C);
        if (2 * i < C) pe[t * C + 2 * i] = Math.sin(a);
        if (2 * i + 1 < C) pe[t * C + 2 * i + 1] = Math.cos(a);
      }
    }
    return pe;
  }

  /* ------------------------------------------------------------------------- the model */

  function checkSpec(spec) {
    if (!spec || typeof spec !== "object" || !spec.config || !spec.tokenizer) {
      throw new TypeError(
        "spec must be the dict of stepbytoken.book.live.live_model_spec(name): " +
          "{name, sha256, bytes, config, tokenizer, eot}"
      );
    }
    var c = spec.config;
    ["vocab_size", "block_size", "n_layer", "n_head", "d_model", "d_ff"].forEach(function (k) {
      if (!Number.isInteger(c[k]) || c[k] < 1) {
        throw new TypeError("config." + k + " must be an int >= 1, got " + c[k]);
      }
    });
    if (c.d_model % c.n_head !== 0) {
      throw new Error("config.d_model must be divisible by config.n_head");
    }
    [
      ["norm", NORMS, "layernorm"],
      ["positions", POSITIONS, "learned"],
      ["mlp", MLPS, "gelu"],
    ].forEach(function (e) {
      var v = c[e[0]] === undefined ? e[2] : c[e[0]];
      if (e[1].indexOf(v) < 0) {
        throw new Error(
          "unsupported config: " + e[0] + "=" + JSON.stringify(v) + "; gpt.js supports " +
            e[1].join(", ")
        );
      }
    });
    if ((c.positions || "learned") === "rope" && (c.d_model / c.n_head) % 2 !== 0) {
      throw new Error("positions='rope' needs an even d_head");
    }
  }

  function fromBuffer(spec, buffer) {
    checkSpec(spec);
    var parsed = parseSafetensors(buffer);
    var t = parsed.tensors;
    var c = spec.config;
    var C = c.d_model;
    var tied = c.tie_weights === undefined ? true : c.tie_weights;
    var useNorm = c.use_norm === undefined ? true : c.use_norm;
    var normKind = c.norm || "layernorm";

    function get(name, shape) {
      var x = t[name];
      if (!x) {
        throw new Error("the weights file lacks " + name + " (is it this model's file?)");
      }
      if (shape && x.shape.join(",") !== shape.join(",")) {
        throw new Error(
          name + " has shape [" + x.shape + "], the config expects [" + shape + "]"
        );
      }
      return x.data;
    }
    function opt(name, shape) {
      return t[name] ? get(name, shape) : null;
    }
    /* The token embedding. A file may hold fewer rows than the model has ids (spec.stored_vocab,
     * chapter 8's base model): the missing rows are the mean row, as nn.grow_vocab makes them. */
    function tokenRows() {
      var stored = spec.stored_vocab === undefined ? c.vocab_size : spec.stored_vocab;
      if (!Number.isInteger(stored) || stored < 1 || stored > c.vocab_size) {
        throw new TypeError(
          "spec.stored_vocab must be an int in [1, config.vocab_size], got " + stored
        );
      }
      var rows = get("wte.weight", [stored, C]);
      if (stored === c.vocab_size) return rows;
      if (t["lm_head.weight"]) {
        throw new Error("only a tied model can grow its vocabulary (the file has lm_head.weight)");
      }
      var out = new Float32Array(c.vocab_size * C);
      out.set(rows);
      for (var j = 0; j < C; j++) {
        var sum = 0;
        for (var r = 0; r < stored; r++) sum += rows[r * C + j];
        var mean = fround(sum / stored);
        for (r = stored; r < c.vocab_size; r++) out[r * C + j] = mean;
      }
      return out;
    }
    function normParams(prefix) {
      if (!useNorm) return null;
      return { weight: get(prefix + ".weight", [C]), bias: opt(prefix + ".bias", [C]) };
    }

    var W = {
      wte: tokenRows(),
      wpe: c.positions === "learned" || !c.positions ? get("wpe.weight", [c.block_size, C]) : null,
      pe: c.positions === "sinusoidal" ? sinusoidal(c.block_size, C) : null,
      blocks: [],
      normF: normParams("norm_f"),
    };
    W.head = t["lm_head.weight"] ? get("lm_head.weight", [c.vocab_size, C]) : null;
    if (!W.head) {
      if (!tied) throw new Error("the weights file lacks lm_head.weight (tie_weights is false)");
      W.head = W.wte;
    }
    for (var l = 0; l < c.n_layer; l++) {
      var p = "blocks." + l + ".";
      var blk = {
        norm1: normParams(p + "norm_1"),
        norm2: normParams(p + "norm_2"),
        cAttnW: get(p + "attn.c_attn.weight", [3 * C, C]),
        cAttnB: opt(p + "attn.c_attn.bias", [3 * C]),
        aProjW: get(p + "attn.c_proj.weight", [C, C]),
        aProjB: opt(p + "attn.c_proj.bias", [C]),
        fcW: get(p + "mlp.c_fc.weight", [c.d_ff, C]),
        fcB: opt(p + "mlp.c_fc.bias", [c.d_ff]),
        gateW: c.mlp === "swiglu" ? get(p + "mlp.c_gate.weight", [c.d_ff, C]) : null,
        gateB: c.mlp === "swiglu" ? opt(p + "mlp.c_gate.bias", [c.d_ff]) : null,
        mProjW: get(p + "mlp.c_proj.weight", [C, c.d_ff]),
        mProjB: opt(p + "mlp.c_proj.bias", [C]),
      };
      W.blocks.push(blk);
    }
    return new Model(spec, W, normKind);
  }

  function Model(spec, weights, normKind) {
    this.spec = spec;
    this.config = spec.config;
    this._w = weights;
    this._norm = normKind;
    var c = spec.config;
    this._dHead = c.d_model / c.n_head;
    this._residual = c.residual === undefined ? true : c.residual;
    if (c.positions === "rope") {
      var half = this._dHead / 2;
      this._cos = new Float32Array(c.block_size * half);
      this._sin = new Float32Array(c.block_size * half);
      for (var pos = 0; pos < c.block_size; pos++) {
        for (var i = 0; i < half; i++) {
          var a = pos * Math.pow(10000, (-2 * i) / this._dHead);
          this._cos[pos * half + i] = Math.cos(a);
          this._sin[pos * half + i] = Math.sin(a);
        }
      }
    }
  }

  Model.prototype.encode = function (text) {
    if (typeof text !== "string") throw new TypeError("text must be a string, got " + typeof text);
    return bpe().encode(text, this.spec.tokenizer);
  };

  Model.prototype.decode = function (ids) {
    return bpe().decode(this._checkIds(ids, false), this.spec.tokenizer);
  };

  Model.prototype.tokenText = function (id) {
    return bpe().decode(this._checkIds([id], false), this.spec.tokenizer);
  };

  Model.prototype.window = function (ids) {
    ids = this._checkIds(ids, false);
    return ids.slice(Math.max(0, ids.length - this.config.block_size));
  };

  /* ids as a plain array of ints in [0, vocab_size); within block_size if `fits`. */
  Model.prototype._checkIds = function (ids, fits) {
    var V = this.config.vocab_size;
    if (!(Array.isArray(ids) || ArrayBuffer.isView(ids))) {
      throw new TypeError("ids must be an array of token ids, got " + typeof ids);
    }
    if (ids.length === 0) throw new RangeError("ids must hold at least one token id, got none");
    if (fits && ids.length > this.config.block_size) {
      throw new RangeError(
        "ids holds " + ids.length + " tokens, more than block_size=" + this.config.block_size +
          "; use model.window(ids) or model.lastLogits(ids)"
      );
    }
    var out = new Array(ids.length);
    for (var i = 0; i < ids.length; i++) {
      var id = ids[i];
      if (typeof id !== "number" || !Number.isInteger(id)) {
        throw new TypeError("ids[" + i + "] must be an integer token id, got " + String(id));
      }
      if (id < 0 || id >= V) {
        throw new RangeError(
          "ids[" + i + "] = " + id + " is not a token id; valid ids are 0.." + (V - 1)
        );
      }
      out[i] = id;
    }
    return out;
  };

  Model.prototype.newCache = function () {
    var c = this.config;
    var k = [];
    var v = [];
    for (var l = 0; l < c.n_layer; l++) {
      k.push(new Float32Array(c.block_size * c.d_model));
      v.push(new Float32Array(c.block_size * c.d_model));
    }
    return { ids: [], k: k, v: v, model: this };
  };

  Model.prototype._checkCache = function (cache) {
    if (!cache || cache.model !== this || !Array.isArray(cache.k)) {
      throw new TypeError("cache must come from this model's newCache()");
    }
  };

  /*
   * The forward pass over `ids` at positions cache.ids.length, ... (the cache holds the keys
   * and values of the earlier positions and receives the new ones). Every row is computed the
   * same way whether it comes in a prefill or a decode step, so both give identical numbers.
   * Returns {logits (rows `logitRows` on), attention (if asked: [layer][head] rows x keys)}.
   */
  Model.prototype._run = function (ids, cache, wantAttention, logitsFrom) {
    var c = this.config;
    var C = c.d_model;
    var H = c.n_head;
    var dh = this._dHead;
    var w = this._w;
    var n = ids.length;
    var start = cache.ids.length;
    var T = start + n; // keys available to the last row
    var scale = 1 / Math.sqrt(dh);
    var rope = c.positions === "rope";
    var half = dh / 2;
    // embeddings: (n,) -> (n, C)
    var x = new Float32Array(n * C);
    for (var r = 0; r < n; r++) {
      var pos = start + r;
      for (var i = 0; i < C; i++) {
        var e = w.wte[ids[r] * C + i];
        if (w.wpe) e += w.wpe[pos * C + i];
        else if (w.pe) e += w.pe[pos * C + i];
        x[r * C + i] = e;
      }
    }
    var attention = wantAttention ? [] : undefined;
    var scores = new Float64Array(T);
    var self = this;
    function rotate(buf, o, p) {
      for (var i = 0; i < half; i++) {
        var cs = self._cos[p * half + i];
        var sn = self._sin[p * half + i];
        var x1 = buf[o + i];
        var x2 = buf[o + half + i];
        buf[o + i] = x1 * cs - x2 * sn;
        buf[o + half + i] = x1 * sn + x2 * cs;
      }
    }
    for (var l = 0; l < c.n_layer; l++) {
      var b = w.blocks[l];
      var Kc = cache.k[l];
      var Vc = cache.v[l];
      var h1 = norm(x, n, C, b.norm1, this._norm);
      var qkv = linear(h1, n, C, b.cAttnW, b.cAttnB, 3 * C); // (n, C) -> (n, 3C)
      var q = new Float32Array(n * C);
      for (r = 0; r < n; r++) {
        pos = start + r;
        q.set(qkv.subarray(r * 3 * C, r * 3 * C + C), r * C);
        Kc.set(qkv.subarray(r * 3 * C + C, r * 3 * C + 2 * C), pos * C);
        Vc.set(qkv.subarray(r * 3 * C + 2 * C, r * 3 * C + 3 * C), pos * C);
        if (rope) {
          for (var hh = 0; hh < H; hh++) {
            rotate(q, r * C + hh * dh, pos);
            rotate(Kc, pos * C + hh * dh, pos);
          }
        }
      }
      var maps = [];
      if (wantAttention) {
        for (var h = 0; h < H; h++) maps.push(new Float32Array(n * T));
        attention.push(maps);
      }
      var y = new Float32Array(n * C); // heads side by side
      for (r = 0; r < n; r++) {
        pos = start + r;
        for (h = 0; h < H; h++) {
          var qo = r * C + h * dh;
          var max = -Infinity;
          for (var j = 0; j <= pos; j++) {
            var ko = j * C + h * dh;
            var s = 0;
            for (var d = 0; d < dh; d++) s += q[qo + d] * Kc[ko + d];
            s = fround(fround(s) * scale);
            scores[j] = s;
            if (s > max) max = s;
          }
          var sum = 0;
          for (j = 0; j <= pos; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (j = 0; j <= pos; j++) scores[j] = fround(scores[j] / sum);
          if (wantAttention) {
            var m = maps[h];
            for (j = 0; j <= pos; j++) m[r * T + j] = scores[j];
          }
          for (d = 0; d < dh; d++) {
            var acc = 0;
            for (j = 0; j <= pos; j++) acc += scores[j] * Vc[j * C + h * dh + d];
            y[r * C + h * dh + d] = acc;
          }
        }
      }
      var a = linear(y, n, C, b.aProjW, b.aProjB, C);
      if (this._residual) for (i = 0; i < n * C; i++) x[i] += a[i];
      else x = a;
      var h2 = norm(x, n, C, b.norm2, this._norm);
      var hid;
      if (b.gateW) {
        var g = linear(h2, n, C, b.gateW, b.gateB, c.d_ff);
        hid = linear(h2, n, C, b.fcW, b.fcB, c.d_ff);
        for (i = 0; i < hid.length; i++) hid[i] = fround(silu(g[i])) * hid[i];
      } else {
        hid = linear(h2, n, C, b.fcW, b.fcB, c.d_ff);
        for (i = 0; i < hid.length; i++) hid[i] = gelu(hid[i]);
      }
      var mo = linear(hid, n, c.d_ff, b.mProjW, b.mProjB, C);
      if (this._residual) for (i = 0; i < n * C; i++) x[i] += mo[i];
      else x = mo;
    }
    for (r = 0; r < n; r++) cache.ids.push(ids[r]);
    var from = Math.max(0, Math.min(n - 1, logitsFrom));
    var xf = norm(x.subarray(from * C), n - from, C, w.normF, this._norm);
    var logits = linear(xf, n - from, C, w.head, null, c.vocab_size);
    return { logits: logits, attention: attention };
  };

  Model.prototype.forward = function (ids, options) {
    ids = this._checkIds(ids, true);
    var wantAttention = !!(options && options.attention);
    var out = this._run(ids, this.newCache(), wantAttention, 0);
    return { T: ids.length, logits: out.logits, attention: out.attention };
  };

  Model.prototype.lastLogits = function (ids) {
    var win = this.window(ids);
    return this._run(win, this.newCache(), false, win.length - 1).logits;
  };

  Model.prototype.prefill = function (ids, cache) {
    this._checkCache(cache);
    var win = this.window(ids);
    cache.ids = [];
    return this._run(win, cache, false, win.length - 1).logits;
  };

  Model.prototype.decodeStep = function (id, cache) {
    this._checkCache(cache);
    var one = this._checkIds([id], false);
    if (cache.ids.length === 0) {
      throw new Error("the cache is empty: call model.prefill(ids, cache) first");
    }
    if (cache.ids.length >= this.config.block_size) {
      // Learned positions cannot slide: read the last block_size tokens again.
      return this.prefill(cache.ids.concat(one), cache);
    }
    return this._run(one, cache, false, 0).logits;
  };

  function argmax(v) {
    var best = 0;
    for (var i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
  }

  Model.prototype.generate = function (ids, n, options) {
    var o = options || {};
    var prompt = this._checkIds(ids, false);
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError("n (new tokens) must be an int >= 0, got " + n);
    }
    var greedy = !!o.greedy;
    var useCache = o.cache === undefined ? true : !!o.cache;
    var stop = o.stopToken === undefined ? null : o.stopToken;
    if (stop !== null) this._checkIds([stop], false);
    var sampler = {
      temperature: o.temperature === undefined ? 1 : o.temperature,
      topK: o.topK || 0,
      topP: o.topP === undefined ? 1 : o.topP,
    };
    if (!greedy) checkSampler(sampler);
    var rand = greedy ? null : rng(o.seed === undefined ? 0 : o.seed);
    var out = prompt.slice();
    var cache = useCache ? this.newCache() : null;
    for (var step = 0; step < n; step++) {
      var logits;
      if (!useCache) logits = this.lastLogits(out);
      else if (step === 0) logits = this.prefill(out, cache);
      else logits = this.decodeStep(out[out.length - 1], cache);
      var next = greedy ? argmax(logits) : sample(probs(logits, sampler), rand);
      out.push(next);
      if (o.onToken) o.onToken(next, step);
      if (stop !== null && next === stop) break;
    }
    return out;
  };

  /* ------------------------------------------------------------------------- sampling */

  function checkSampler(s) {
    if (typeof s.temperature !== "number" || !isFinite(s.temperature) || s.temperature <= 0) {
      throw new RangeError(
        "temperature must be a finite number > 0, got " + s.temperature +
          "; use greedy decoding for temperature 0"
      );
    }
    if (!Number.isInteger(s.topK) || s.topK < 0) {
      throw new RangeError("topK must be an int >= 0 (0: no top-k filter), got " + s.topK);
    }
    if (typeof s.topP !== "number" || !(s.topP > 0 && s.topP <= 1)) {
      throw new RangeError("topP must be a number in (0, 1] (1: no top-p filter), got " + s.topP);
    }
  }

  /* The sampler's distribution, as stepbytoken.generation.filters.next_token_distribution:
   * logits / temperature (shifted by the maximum), top-k, top-p of that, softmax. */
  function probs(logits, options) {
    var o = options || {};
    var s = {
      temperature: o.temperature === undefined ? 1 : o.temperature,
      topK: o.topK === undefined || o.topK === null ? 0 : o.topK,
      topP: o.topP === undefined || o.topP === null ? 1 : o.topP,
    };
    checkSampler(s);
    var V = logits.length;
    if (V === 0) throw new RangeError("logits must not be empty");
    var max = -Infinity;
    for (var i = 0; i < V; i++) {
      if (isNaN(logits[i])) throw new RangeError("logits must not contain NaN");
      if (logits[i] > max) max = logits[i];
    }
    if (!isFinite(max)) throw new RangeError("logits need a finite maximum");
    var z = new Float64Array(V);
    for (i = 0; i < V; i++) z[i] = fround(fround(logits[i] - max) / s.temperature);
    var keep = new Uint8Array(V).fill(1);
    var order = null;
    if ((s.topK > 0 && s.topK < V) || s.topP < 1) {
      order = new Array(V);
      for (i = 0; i < V; i++) order[i] = i;
      order.sort(function (a, b) { return z[b] - z[a] || a - b; }); // stable: ties by id
    }
    if (s.topK > 0 && s.topK < V) {
      for (i = s.topK; i < V; i++) keep[order[i]] = 0;
    }
    if (s.topP < 1) {
      var total = 0;
      for (i = 0; i < V; i++) if (keep[order[i]]) total += Math.exp(z[order[i]]);
      var before = 0;
      var first = true;
      for (i = 0; i < V; i++) {
        var id = order[i];
        if (!keep[id]) continue;
        if (!first && !(before < s.topP)) keep[id] = 0;
        before += Math.exp(z[id]) / total;
        first = false;
      }
    }
    var out = new Float32Array(V);
    var sum = 0;
    for (i = 0; i < V; i++) if (keep[i]) sum += Math.exp(z[i]);
    for (i = 0; i < V; i++) out[i] = keep[i] ? Math.exp(z[i]) / sum : 0;
    return out;
  }

  /* mulberry32: a small seeded generator of floats in [0, 1). */
  function rng(seed) {
    if (!Number.isInteger(seed)) throw new TypeError("seed must be an integer, got " + seed);
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) | 0;
      var t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /* Draw an id with probability probs[id] (probs sum to 1), using one number from rand. */
  function sample(p, rand) {
    if (typeof rand !== "function") throw new TypeError("rand must be a function, e.g. sbtGPT.rng(0)");
    var total = 0;
    for (var i = 0; i < p.length; i++) total += p[i];
    if (!(total > 0)) throw new RangeError("probs must have a positive sum");
    var u = rand() * total;
    var acc = 0;
    var last = 0;
    for (i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        acc += p[i];
        last = i;
        if (u < acc) return i;
      }
    }
    return last;
  }

  /* ------------------------------------------------------------------------- loading */

  var loading = {}; // name -> Promise<Model>, once per page

  function load(spec) {
    try {
      checkSpec(spec);
      checkName(spec.name);
      if (!/^[0-9a-f]{64}$/.test(spec.sha256)) {
        throw new TypeError("spec.sha256 must be 64 lowercase hex digits, got " + spec.sha256);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (loading[spec.name]) return loading[spec.name];
    var url;
    try {
      url = modelUrl(spec.file === undefined ? spec.name : spec.file);
    } catch (err) {
      return Promise.reject(err);
    }
    var promise = fetch(url)
      .then(function (response) {
        if (!response.ok) {
          throw new Error("could not fetch " + url + ": HTTP " + response.status);
        }
        return response.arrayBuffer();
      }, function (err) {
        throw new Error("could not fetch " + url + ": " + err.message);
      })
      .then(function (buffer) {
        if (typeof spec.bytes === "number" && buffer.byteLength !== spec.bytes) {
          throw new Error(
            "the weights file " + url + " has " + buffer.byteLength + " bytes, expected " +
              spec.bytes + " (a corrupted or stale copy)"
          );
        }
        return sha256(buffer).then(function (hex) {
          if (hex !== spec.sha256) {
            throw new Error(
              "SHA-256 mismatch for " + url + ": expected " + spec.sha256 + ", got " + hex +
                " (a corrupted or stale copy of the weights; the model was not loaded)"
            );
          }
          return fromBuffer(spec, buffer);
        });
      });
    loading[spec.name] = promise;
    promise.catch(function () {
      if (loading[spec.name] === promise) delete loading[spec.name]; // a later call retries
    });
    return promise;
  }

  var api = {
    available: available,
    modelUrl: modelUrl,
    load: load,
    fromBuffer: fromBuffer,
    parseSafetensors: parseSafetensors,
    sha256: sha256,
    sha256Sync: sha256Plain,
    probs: probs,
    rng: rng,
    sample: sample,
    erf: erf,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.sbtGPT = api;
})();
