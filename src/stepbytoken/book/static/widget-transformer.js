/* Step by Token, chapter 5: the transformer block explorer and the parameter calculator.
 *
 * One widget kind, "transformer", in two modes (data.mode):
 *   "block":      a vertical diagram of a GPT (embeddings, one pre-norm block, final norm,
 *                 head). Selecting a stage shows the tensor shape there and the stage's
 *                 parameters, for the model chosen in the menu.
 *   "calculator": sizes typed or chosen by the reader (or a preset) give the exact parameter
 *                 count and its breakdown, computed here with the closed-form formula of
 *                 stepbytoken.nn.gpt.parameter_count (in BigInt arithmetic, so it is exact).
 * A config is {name, vocab_size, block_size, n_layer, n_head, d_model, d_ff, mlp, norm,
 * positions, bias, tie_weights}, as in stepbytoken.nn.gpt.GPTConfig.
 */
(function () {
  "use strict";

  function setup() {
    var h = window.sbtWidgets.helpers;
    var el = h.el;

    /* ---- the count, term by term (mirrors stepbytoken.nn.gpt.parameter_count) ---- */

    function count(cfg) {
      var C = BigInt(cfg.d_model), V = BigInt(cfg.vocab_size);
      var F = BigInt(cfg.d_ff || 4 * cfg.d_model);
      var b = cfg.bias ? 1n : 0n;
      var widen = cfg.mlp === "swiglu" ? 2n : 1n;  // SwiGLU widens twice: gate and values
      var norm = cfg.norm === "rmsnorm" ? C : C + b * C;
      var p = {
        embedding: V * C,
        positions: cfg.positions === "learned" ? BigInt(cfg.block_size) * C : 0n,
        norm: norm,
        c_attn: C * 3n * C + b * 3n * C,
        attn_proj: C * C + b * C,
        c_fc: widen * (C * F + b * F),
        mlp_proj: F * C + b * C,
        head: cfg.tie_weights ? 0n : V * C
      };
      p.attention = p.c_attn + p.attn_proj;
      p.mlp = p.c_fc + p.mlp_proj;
      p.block = 2n * norm + p.attention + p.mlp;
      p.blocks = BigInt(cfg.n_layer) * p.block;
      p.final_norm = norm;
      p.total = p.embedding + p.positions + p.blocks + p.final_norm + p.head;
      return p;
    }

    function problems(cfg) {
      var errors = [];
      ["vocab_size", "block_size", "n_layer", "n_head", "d_model", "d_ff"].forEach(function (k) {
        var v = cfg[k];
        if (!(Number.isInteger(v) && v > 0)) errors.push(k + " must be a whole number above 0");
      });
      if (!errors.length && cfg.d_model % cfg.n_head !== 0) {
        errors.push("n_head must divide d_model (" + cfg.d_model + " / " + cfg.n_head +
          " is not a whole number)");
      }
      if (!errors.length && cfg.positions === "rope" && (cfg.d_model / cfg.n_head) % 2 !== 0) {
        errors.push("RoPE needs an even head width d_head = d_model / n_head");
      }
      return errors;
    }

    function fmt(n) { return BigInt(n).toLocaleString("en-US"); }

    function short(n) {
      var x = Number(n);
      if (x >= 1e9) return (x / 1e9).toFixed(2) + "B";
      if (x >= 1e6) return (x / 1e6).toFixed(1) + "M";
      if (x >= 1e3) return (x / 1e3).toFixed(1) + "k";
      return String(x);
    }

    function share(part, total) {
      return total > 0n ? Number((part * 100000n) / total) / 1000 : 0;
    }

    /* ---- mode "block": the explorable diagram ---- */

    function stages(c) {
      var p = count(c);
      var C = c.d_model, F = c.d_ff || 4 * C, H = c.n_head, D = C / H, V = c.vocab_size;
      var normName = c.norm === "rmsnorm" ? "RMSNorm" : "LayerNorm";
      var normWhat = c.norm === "rmsnorm"
        ? "Rescales each token's vector to unit root-mean-square, then multiplies by a learned gain (" + C + " numbers)."
        : "Centres each token's vector, scales it to unit variance, then applies a learned gain" +
          (c.bias ? " and bias (2 \u00d7 " + C + " numbers)." : " (" + C + " numbers).");
      var list = [
        { group: "in", label: "Token ids", shape: ["B", "T"], params: 0n,
          what: "The input: one integer per token, between 0 and " + (V - 1) + "." },
        { group: "in", label: "Token embedding (wte)", shape: ["B", "T", C], params: p.embedding,
          what: "Each id picks one row of a " + V + " \u00d7 " + C + " table." +
            (c.tie_weights ? " The output head reuses this same table." : "") }
      ];
      if (c.positions === "learned") {
        list.push({ group: "in", label: "+ position embedding (wpe)", shape: ["B", "T", C],
          params: p.positions, what: "A learned vector for each of the " + c.block_size +
          " positions is added to the token's vector." });
      } else if (c.positions === "sinusoidal") {
        list.push({ group: "in", label: "+ sinusoidal positions", shape: ["B", "T", C], params: 0n,
          what: "Fixed sine and cosine waves, one vector per position, are added. Nothing is learned." });
      } else {
        list.push({ group: "in", label: "(positions: RoPE, inside attention)", shape: ["B", "T", C],
          params: 0n, what: "Nothing is added here: every attention layer rotates its queries and " +
          "keys by an angle that grows with the position." });
      }
      var block = [
        { label: normName + " 1", shape: ["B", "T", C], params: p.norm, what: normWhat },
        { label: "Attention: q, k, v (c_attn)", shape: ["B", "T", 3 * C], params: p.c_attn,
          what: "One linear layer makes a query, a key and a value for every token: 3 \u00d7 " + C + " numbers." },
        { label: "Split into " + H + " heads", shape: ["B", H, "T", D], params: 0n,
          what: "q, k and v are each cut into " + H + " heads of width " + D + "." +
            (c.positions === "rope" ? " RoPE rotates q and k here." : "") },
        { label: "Attention weights", shape: ["B", H, "T", "T"], params: 0n, quadratic: true,
          what: "softmax(q k\u1d40 / \u221a" + D + ") with the causal mask: for every head, how much each token reads from each earlier token." },
        { label: "Weighted values, heads merged", shape: ["B", "T", C], params: 0n,
          what: "Each head averages the values with its weights; the " + H + " results are laid side by side again." },
        { label: "Output projection (c_proj)", shape: ["B", "T", C], params: p.attn_proj,
          what: "A " + C + " \u00d7 " + C + " layer mixes the heads' outputs." },
        { label: "\u2295 residual add", shape: ["B", "T", C], params: 0n, residual: true,
          what: "x = x + attention(norm(x)): the result is added to the residual stream, the " +
            C + " numbers each token carries from block to block. Adding, not replacing, keeps a " +
            "direct path from the embeddings to the head." },
        { label: normName + " 2", shape: ["B", "T", C], params: p.norm, what: normWhat },
        c.mlp === "swiglu"
          ? { label: "MLP up: gate and values (c_gate, c_fc)", shape: ["B", "T", F], params: p.c_fc,
              what: "Two matrices widen each token's vector from " + C + " to " + F + " numbers, twice." }
          : { label: "MLP up (c_fc)", shape: ["B", "T", F], params: p.c_fc,
              what: "Each token's vector is widened from " + C + " to " + F + " numbers." },
        c.mlp === "swiglu"
          ? { label: "SwiGLU: silu(gate) \u00d7 values", shape: ["B", "T", F], params: 0n,
              what: "The gate goes through the SiLU, z \u00b7 sigmoid(z), and multiplies the values number by number." }
          : { label: "GELU", shape: ["B", "T", F], params: 0n,
              what: "A smooth non-linearity, applied number by number." },
        { label: "MLP down (c_proj)", shape: ["B", "T", C], params: p.mlp_proj,
          what: "Back from " + F + " to " + C + " numbers." },
        { label: "\u2295 residual add", shape: ["B", "T", C], params: 0n, residual: true,
          what: "x = x + mlp(norm(x))." }
      ];
      block.forEach(function (s) { s.group = "block"; list.push(s); });
      if (c.n_layer > 1) {
        list.push({ group: "repeat", label: "Blocks 2 to " + c.n_layer, shape: ["B", "T", C],
          params: BigInt(c.n_layer - 1) * p.block, what: "The same block, with its own weights, " +
          (c.n_layer - 1) + " more times. Shapes never change from block to block." });
      }
      list.push({ group: "out", label: "Final " + normName, shape: ["B", "T", C], params: p.final_norm,
        what: normWhat });
      list.push({ group: "out", label: "Output head (lm_head)", shape: ["B", "T", V], params: p.head,
        what: c.tie_weights ? "Scores every token of the vocabulary with the embedding table itself (tied weights): no new parameters."
          : "A separate " + C + " \u00d7 " + V + " matrix scores every token of the vocabulary." });
      list.push({ group: "out", label: "Softmax: next-token probabilities", shape: ["B", "T", V],
        params: 0n, what: "At every position, a probability for each of the " + V + " possible next tokens." });
      return { list: list, counts: p };
    }

    function shapeText(shape) { return "(" + shape.join(", ") + ")"; }

    function concrete(shape, c) {
      var n = 1n;
      var dims = shape.map(function (d) {
        var v = d === "B" ? 1 : d === "T" ? c.block_size : d;
        n *= BigInt(v);
        return v;
      });
      return "(" + dims.join(", ") + ") = " + fmt(n) + " numbers";
    }

    function drawBlock(root, data) {
      var configs = data.configs;
      var state = { config: data.start || 0, stage: 1 };
      var diagram = el("ol", { className: "sbt-tf-diagram", "aria-label": "Stages of the model" });
      var detail = el("div", { className: "sbt-output sbt-tf-detail", "aria-live": "polite" });
      var buttons = [];

      function show() {
        var c = configs[state.config];
        var built = stages(c);
        var list = built.list;
        state.stage = Math.min(state.stage, list.length - 1);
        diagram.innerHTML = "";
        buttons = [];
        var blockBox = null;
        list.forEach(function (s, i) {
          var button = el("button", { type: "button", className: "sbt-tf-stage" +
            (s.residual ? " sbt-tf-residual" : "") + (s.params > 0n ? " sbt-tf-learned" : ""),
            "aria-pressed": i === state.stage ? "true" : "false", "data-stage": String(i) }, [
            el("span", { className: "sbt-tf-label", text: s.label }),
            el("span", { className: "sbt-tf-shape", text: shapeText(s.shape) })
          ]);
          button.addEventListener("click", function () { state.stage = i; show(); });
          button.addEventListener("keydown", function (ev) {
            var step = ev.key === "ArrowDown" ? 1 : ev.key === "ArrowUp" ? -1 : 0;
            if (!step) return;
            ev.preventDefault();
            state.stage = Math.max(0, Math.min(list.length - 1, i + step));
            show();
            buttons[state.stage].focus();
          });
          buttons.push(button);
          var item = el("li", {}, [button]);
          if (s.group === "block") {
            if (!blockBox) {
              blockBox = el("ol", { className: "sbt-tf-block" });
              diagram.appendChild(el("li", { className: "sbt-tf-block-wrap" }, [
                el("span", { className: "sbt-tf-block-title", text: "Block 1 of " + c.n_layer }),
                blockBox
              ]));
            }
            blockBox.appendChild(item);
          } else {
            diagram.appendChild(item);
          }
        });
        var s = list[state.stage];
        var total = built.counts.total;
        detail.innerHTML = "";
        detail.appendChild(el("p", { className: "sbt-tf-detail-title", text: s.label }));
        detail.appendChild(el("p", { text: s.what }));
        var rows = [
          ["Shape", shapeText(s.shape)],
          ["For one sequence of T = " + c.block_size, concrete(s.shape, c)],
          ["Parameters here", s.params > 0n
            ? fmt(s.params) + " (" + share(s.params, total).toFixed(2) + "% of " + fmt(total) + ")"
            : "none"]
        ];
        if (s.quadratic) rows.push(["Grows with", "T \u00d7 T: doubling the context quadruples it"]);
        var table = el("table", { className: "sbt-tf-facts" });
        rows.forEach(function (r) {
          table.appendChild(el("tr", {}, [el("th", { scope: "row", text: r[0] }), el("td", { text: r[1] })]));
        });
        detail.appendChild(table);
        summary.textContent = c.name + ": " + c.n_layer + " blocks, d_model = " + c.d_model +
          ", " + c.n_head + " heads, vocabulary " + fmt(c.vocab_size) + ", context " +
          c.block_size + "; " + fmt(total) + " parameters in all.";
      }

      var summary = el("p", { className: "sbt-tf-summary" });
      var menu = h.select(configs.map(function (c) { return c.name; }), function (i) {
        state.config = i; show();
      });
      menu.value = String(state.config);
      if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
      root.appendChild(el("div", { className: "sbt-controls" }, [h.labelled("Model", menu)]));
      root.appendChild(summary);
      root.appendChild(el("p", { className: "sbt-tf-legend" }, [
        el("span", { className: "sbt-tf-key sbt-tf-key-learned", text: "blue edge: has parameters" }),
        el("span", { className: "sbt-tf-key sbt-tf-key-residual", text: "green edge: adds to the residual stream" }),
        el("span", { text: "Select a stage (or use the \u2191 \u2193 keys)." })
      ]));
      root.appendChild(el("div", { className: "sbt-tf-layout" }, [diagram, detail]));
      show();
    }

    /* ---- mode "calculator" ---- */

    var NUMBER_FIELDS = [
      ["vocab_size", "vocab_size"], ["block_size", "block_size"], ["n_layer", "n_layer"],
      ["n_head", "n_head"], ["d_model", "d_model"], ["d_ff", "d_ff (blank: 4 \u00d7 d_model)"]
    ];
    var CHOICES = [
      ["mlp", "MLP", [["gelu", "GELU (2 matrices)"], ["swiglu", "SwiGLU (3 matrices)"]]],
      ["norm", "Norm", [["layernorm", "LayerNorm"], ["rmsnorm", "RMSNorm"]]],
      ["positions", "Positions", [["learned", "learned"], ["sinusoidal", "sinusoidal"], ["rope", "RoPE"]]],
      ["bias", "Biases", [[true, "with biases"], [false, "no biases"]]],
      ["tie_weights", "Output head", [[true, "tied to the embedding"], [false, "separate (untied)"]]]
    ];

    function drawCalculator(root, data) {
      var presets = data.presets;
      var inputs = {}, selects = {};
      var output = el("div", { className: "sbt-output", "aria-live": "polite" });
      var totalNode = el("p", { className: "sbt-param-total" });

      function read() {
        var cfg = {};
        NUMBER_FIELDS.forEach(function (f) {
          var raw = inputs[f[0]].value.trim();
          cfg[f[0]] = raw === "" ? null : Number(raw);
        });
        if (cfg.d_ff === null && Number.isInteger(cfg.d_model)) cfg.d_ff = 4 * cfg.d_model;
        CHOICES.forEach(function (ch) { cfg[ch[0]] = ch[2][Number(selects[ch[0]].value)][0]; });
        return cfg;
      }

      function apply(preset) {
        NUMBER_FIELDS.forEach(function (f) {
          var v = preset[f[0]];
          inputs[f[0]].value = f[0] === "d_ff" && v === 4 * preset.d_model ? "" : String(v);
        });
        CHOICES.forEach(function (ch) {
          ch[2].forEach(function (opt, i) { if (opt[0] === preset[ch[0]]) selects[ch[0]].value = String(i); });
        });
        update();
      }

      function update() {
        var cfg = read();
        var errors = problems(cfg);
        output.innerHTML = "";
        if (errors.length) {
          totalNode.textContent = "Total: \u2014";
          totalNode.setAttribute("data-total", "");
          output.appendChild(el("p", { className: "sbt-error", text: errors.join("; ") + "." }));
          return;
        }
        var p = count(cfg);
        totalNode.textContent = "Total: " + fmt(p.total) + " parameters (" + short(p.total) + ")";
        totalNode.setAttribute("data-total", p.total.toString());
        var L = cfg.n_layer;
        var rows = [
          ["Token embedding", "vocab_size \u00d7 d_model", p.embedding],
          ["Position embedding", cfg.positions === "learned" ? "block_size \u00d7 d_model" : cfg.positions + ": nothing learned", p.positions],
          ["Norms in blocks", L + " \u00d7 2 \u00d7 " + fmt(p.norm), BigInt(L) * 2n * p.norm],
          ["Attention", L + " \u00d7 (4 d_model\u00b2" + (cfg.bias ? " + 4 d_model" : "") + ")", BigInt(L) * p.attention],
          ["MLP", cfg.mlp === "swiglu"
            ? L + " \u00d7 (3 d_model d_ff" + (cfg.bias ? " + 2 d_ff + d_model" : "") + ")"
            : L + " \u00d7 (2 d_model d_ff" + (cfg.bias ? " + d_ff + d_model" : "") + ")", BigInt(L) * p.mlp],
          ["Final norm", "", p.final_norm],
          ["Output head", cfg.tie_weights ? "tied: shares the embedding" : "d_model \u00d7 vocab_size", p.head]
        ];
        var table = el("table", { className: "sbt-param-table" }, [
          el("thead", {}, [el("tr", {}, [el("th", { text: "Part" }), el("th", { text: "Formula" }),
            el("th", { text: "Parameters" }), el("th", { text: "Share" })])])
        ]);
        var body = el("tbody");
        rows.forEach(function (r) {
          var pct = share(r[2], p.total);
          body.appendChild(el("tr", {}, [
            el("th", { scope: "row", text: r[0] }), el("td", { text: r[1] }),
            el("td", { className: "sbt-num", text: fmt(r[2]) }),
            el("td", { className: "sbt-share" }, [
              el("span", { className: "sbt-share-bar", style: "width:" + Math.max(pct, 0).toFixed(1) + "%" }),
              el("span", { className: "sbt-share-text", text: pct.toFixed(1) + "%" })
            ])
          ]));
        });
        table.appendChild(body);
        output.appendChild(table);
        var bytes = Number(p.total);
        output.appendChild(el("p", { className: "sbt-param-note", text: "One block: " + fmt(p.block) +
          " parameters. The weights alone take " + (4 * bytes / 1e9).toFixed(2) + " GB as 32-bit floats and " +
          (2 * bytes / 1e9).toFixed(2) + " GB as 16-bit floats." }));
      }

      var fields = el("div", { className: "sbt-controls sbt-param-fields" });
      NUMBER_FIELDS.forEach(function (f) {
        var input = el("input", { type: "number", min: "1", step: "1", inputmode: "numeric",
          className: "sbt-param-input", "data-field": f[0] });
        if (f[0] === "d_ff") input.setAttribute("placeholder", "4 \u00d7 d_model");
        input.addEventListener("input", update);
        inputs[f[0]] = input;
        fields.appendChild(h.labelled(f[1], input));
      });
      var choices = el("div", { className: "sbt-controls sbt-param-fields" });
      CHOICES.forEach(function (ch) {
        var node = h.select(ch[2].map(function (o) { return o[1]; }), update);
        node.setAttribute("data-field", ch[0]);
        selects[ch[0]] = node;
        choices.appendChild(h.labelled(ch[1], node));
      });
      var presetRow = el("div", { className: "sbt-controls", role: "group", "aria-label": "Presets" },
        [el("span", { text: "Presets:" })]);
      presets.forEach(function (preset) {
        var b = el("button", { type: "button", className: "sbt-param-preset", text: preset.name });
        b.addEventListener("click", function () { apply(preset); });
        presetRow.appendChild(b);
      });
      if (data.title) root.appendChild(el("p", { className: "sbt-title", text: data.title }));
      root.appendChild(presetRow);
      root.appendChild(fields);
      root.appendChild(choices);
      root.appendChild(totalNode);
      root.appendChild(output);
      apply(presets[data.start || 0]);
    }

    window.sbtWidgets.register("transformer", function (root, data) {
      if (data.mode === "calculator") drawCalculator(root, data);
      else drawBlock(root, data);
    });
  }

  if (window.sbtWidgets) setup();
  else document.addEventListener("DOMContentLoaded", setup);
})();
