/*
 * chat.js: Part III's assistants in the reader's browser (chapters 8, 9, 11 and 13).
 *
 * A port of the package's chat layer, on top of gpt.js (the model) and bpe.js (the tokenizer):
 *
 *   the chat format      stepbytoken.tokenizers.chat: chatPrompt, messageText
 *   a reply              stepbytoken.generation.chat: reply, assistantTurn; windowedReply
 *                        (the answer of stepbytoken.evaluation.memory.recall, "generate")
 *   the tools            stepbytoken.world.calculator.calculate and stepbytoken.world.tools:
 *                        hasCall, parseCall, formatCall, Toolbox (allow-list, argument checks)
 *   an agent's episode   stepbytoken.generation.agent: splitThought, act, runEpisode
 *   confidence           stepbytoken.evaluation.confidence: answerWithConfidence,
 *                        wordConfidence
 *
 * Each function returns what its Python twin returns, error messages included (they go back
 * to the model as "error: ..." observations, so they must be the same text). The calculator
 * parses the expression with its own small parser of Python's grammar, restricted to what the
 * calculator allows, and never evaluates the reader's or the model's text as code.
 * tests/book/test_chat_js.py compares every function with Python under Node.
 *
 *   sbtChat.chatPrompt(model, messages)             -> ids ending in <|assistant|>
 *   sbtChat.reply(model, messages, {maxNewTokens})  -> the assistant's text (greedy)
 *   sbtChat.windowedReply(model, messages, maxNewTokens) -> the same, for a conversation
 *       longer than the context: the model reads its last block_size tokens (chapter 9)
 *   sbtChat.assistantTurn(model, messages, toolbox, {maxCalls, maxNewTokens}) -> messages
 *   sbtChat.runEpisode(model, messages, toolbox, {maxSteps, maxNewTokens})
 *       -> {messages, steps: [{text, thought, call, observation, status}], answer, stop}
 *   sbtChat.answerWithConfidence(model, promptIds, stopIds, maxNewTokens)
 *       -> {ids, probs, confidence}
 *
 * A message is [role, content]; a call is {name, arguments}; facts are [subject, relation,
 * object] triples.
 */
(function () {
  "use strict";

  function bpe() {
    if (typeof window !== "undefined" && window.sbtBPE) return window.sbtBPE;
    if (typeof require === "function") return require("./bpe.js");
    throw new Error("chat.js needs bpe.js (window.sbtBPE); load bpe.js first");
  }

  /* ------------------------------------------------------------------ Python's strings */

  // The characters for which Python's str.isspace() is true (what str.strip() removes).
  var PY_SPACE = "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680" +
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
    "\u2028\u2029\u202f\u205f\u3000";

  function pyStrip(s) {
    var a = 0;
    var b = s.length;
    while (a < b && PY_SPACE.indexOf(s[a]) >= 0) a++;
    while (b > a && PY_SPACE.indexOf(s[b - 1]) >= 0) b--;
    return s.slice(a, b);
  }

  /* len() of a Python str: code points, not UTF-16 units. */
  function pyLen(s) {
    return Array.from(s).length;
  }

  var NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

  function hex(n, width) {
    var h = n.toString(16);
    while (h.length < width) h = "0" + h;
    return h;
  }

  /* repr() of a Python str. */
  function pyRepr(s) {
    var quote = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var out = quote;
    Array.from(s).forEach(function (ch) {
      var code = ch.codePointAt(0);
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\t") out += "\\t";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch !== " " && NOT_PRINTABLE.test(ch)) {
        if (code <= 0xff) out += "\\x" + hex(code, 2);
        else if (code <= 0xffff) out += "\\u" + hex(code, 4);
        else out += "\\U" + hex(code, 8);
      } else out += ch;
    });
    return out + quote;
  }

  /* -------------------------------------------------------------------- the calculator */

  var MAX_EXPRESSION = 64;
  var MAX_DIGITS = 9;
  var MAX_RESULT = BigInt("1000000000000000");
  var ALLOWED = "0123456789+-*/() ";

  function CalculatorError(message) {
    var err = new Error(message);
    err.name = "CalculatorError";
    return err;
  }

  /* A tree of Python's grammar for the calculator's characters, or null where Python's parser
   * raises a SyntaxError. Nodes: {type: "Constant", value: BigInt, digits}, {type: "UnaryOp",
   * op, operand}, {type: "BinOp", op, left, right}, and the two Python accepts but the
   * calculator refuses: "Call" (e.g. "2(3)") and "Tuple" (e.g. "()"). */
  function parse(text) {
    var tokens = [];
    for (var i = 0; i < text.length;) {
      var ch = text[i];
      if (ch === " ") { i++; continue; }
      if (ch >= "0" && ch <= "9") {
        var j = i;
        while (j < text.length && text[j] >= "0" && text[j] <= "9") j++;
        var digits = text.slice(i, j);
        // Python: leading zeros are allowed only in a number that is all zeros
        if (digits.length > 1 && digits[0] === "0" && /[1-9]/.test(digits)) return null;
        tokens.push({ kind: "number", text: digits });
        i = j;
        continue;
      }
      tokens.push({ kind: ch });
      i++;
    }
    var pos = 0;
    function peek() { return pos < tokens.length ? tokens[pos].kind : null; }
    function fail() { throw new SyntaxError("invalid"); }
    function expect(kind) { if (peek() !== kind) fail(); pos++; }

    function atom() {
      var kind = peek();
      if (kind === "number") {
        var t = tokens[pos++];
        return { type: "Constant", value: BigInt(t.text) };
      }
      if (kind === "(") {
        pos++;
        if (peek() === ")") { pos++; return { type: "Tuple" }; }
        var inner = expression();
        expect(")");
        return inner;
      }
      return fail();
    }
    function primary() {
      var node = atom();
      while (peek() === "(") { // a call: f(), f(x) or f(*x)
        pos++;
        if (peek() !== ")") {
          if (peek() === "*") pos++;
          expression();
        }
        expect(")");
        node = { type: "Call" };
      }
      return node;
    }
    function factor() {
      var kind = peek();
      if (kind === "+" || kind === "-") {
        pos++;
        return { type: "UnaryOp", op: kind, operand: factor() };
      }
      return primary();
    }
    function term() {
      var node = factor();
      while (peek() === "*" || peek() === "/") {
        var op = tokens[pos++].kind;
        node = { type: "BinOp", op: op, left: node, right: factor() };
      }
      return node;
    }
    function expression() {
      var node = term();
      while (peek() === "+" || peek() === "-") {
        var op = tokens[pos++].kind;
        node = { type: "BinOp", op: op, left: node, right: term() };
      }
      return node;
    }
    try {
      var tree = expression();
      return pos === tokens.length ? tree : null;
    } catch (err) {
      if (err instanceof SyntaxError) return null;
      throw err;
    }
  }

  function abs(x) { return x < 0n ? -x : x; }

  function value(node) {
    var result;
    if (node.type === "Constant") {
      if (abs(node.value).toString().length > MAX_DIGITS) {
        throw CalculatorError("numbers may have at most " + MAX_DIGITS + " digits");
      }
      result = node.value;
    } else if (node.type === "UnaryOp") {
      result = node.op === "-" ? -value(node.operand) : value(node.operand);
    } else if (node.type === "BinOp" && node.op !== "/") {
      var x = value(node.left);
      var y = value(node.right);
      result = node.op === "+" ? x + y : node.op === "-" ? x - y : x * y;
    } else if (node.type === "BinOp") {
      var a = value(node.left);
      var b = value(node.right);
      if (b === 0n) throw CalculatorError("division by zero");
      if (a % b !== 0n) throw CalculatorError(a + " / " + b + " is not a whole number");
      result = a / b;
    } else {
      throw CalculatorError(node.type + " is not allowed; use whole numbers, + - * /");
    }
    if (abs(result) > MAX_RESULT) {
      throw CalculatorError("results must stay within +-" + MAX_RESULT);
    }
    return result;
  }

  /* The value of a whole-number expression (a BigInt), as stepbytoken.world.calculator. */
  function calculate(expression) {
    if (typeof expression !== "string") {
      throw new TypeError("expression must be a str, got " + typeof expression);
    }
    if (!pyStrip(expression)) throw CalculatorError("the expression is empty");
    if (pyLen(expression) > MAX_EXPRESSION) {
      throw CalculatorError("expressions may have at most " + MAX_EXPRESSION + " characters");
    }
    var chars = Array.from(expression);
    for (var i = 0; i < chars.length; i++) {
      if (ALLOWED.indexOf(chars[i]) < 0) {
        throw CalculatorError(
          "only digits, spaces, + - * / and brackets are allowed, got " + pyRepr(chars[i])
        );
      }
    }
    if (expression.indexOf("**") >= 0 || expression.indexOf("//") >= 0) {
      throw CalculatorError("only single + - * / operators are allowed");
    }
    var tree = parse(pyStrip(expression));
    if (tree === null) throw CalculatorError(pyRepr(expression) + " is not a valid expression");
    return value(tree);
  }

  /* ------------------------------------------------------------------------- the tools */

  var CALL_OPEN = "[";
  var CALL_CLOSE = "]";
  var TOOLS = ["calc", "lookup"];
  var MAX_ARGUMENTS = 64;
  var CALL = /\[([\s\S]*?)\]/;
  var SHAPE = /^([A-Za-z_][\p{L}\p{N}_]*):([\s\S]*)$/u;
  var NAME = /^[A-Z][a-z]+$/;

  function ToolError(message) {
    var err = new Error(message);
    err.name = "ToolError";
    return err;
  }

  function formatCall(name, args) {
    return CALL_OPEN + name + ": " + args + CALL_CLOSE;
  }

  function hasCall(text) {
    return CALL.test(text);
  }

  /* The first call in text ({name, arguments}), or null; throws a ToolError if malformed. */
  function parseCall(text) {
    var match = CALL.exec(text);
    if (match === null) return null;
    var shape = SHAPE.exec(pyStrip(match[1]));
    if (shape === null) {
      throw ToolError("a call must look like [name: arguments], got " + pyRepr(match[0]));
    }
    return { name: shape[1], arguments: pyStrip(shape[2]) };
  }

  /* The allow-listed tools over a fact table: [[subject, relation, object], ...]. */
  function Toolbox(facts, relations) {
    if (!Array.isArray(facts)) throw new TypeError("facts must be an array of triples");
    if (!Array.isArray(relations) || !relations.length) {
      throw new TypeError("relations must be the world's relation names");
    }
    this.relations = relations.slice();
    this.table = new Map();
    var table = this.table;
    facts.forEach(function (f) {
      if (!Array.isArray(f) || f.length !== 3) throw new TypeError("a fact is [s, r, o]");
      table.set(f[0] + "\u0000" + f[1], f[2]);
    });
  }

  Toolbox.prototype.call = function (call) {
    if (TOOLS.indexOf(call.name) < 0) {
      throw ToolError("unknown tool " + pyRepr(call.name) + "; allowed tools: " + TOOLS.join(", "));
    }
    if (pyLen(call.arguments) > MAX_ARGUMENTS) {
      throw ToolError("arguments may have at most " + MAX_ARGUMENTS + " characters");
    }
    if (call.name === "calc") {
      try {
        return calculate(call.arguments).toString();
      } catch (err) {
        if (err.name === "CalculatorError") throw ToolError("calc: " + err.message);
        throw err;
      }
    }
    var parts = call.arguments.split(",").map(pyStrip);
    if (parts.length !== 2) {
      throw ToolError("lookup takes two arguments: an entity and a relation");
    }
    var subject = parts[0];
    var relation = parts[1];
    if (!NAME.test(subject)) {
      throw ToolError("lookup: " + pyRepr(subject) + " is not a name (one capitalised word)");
    }
    if (this.relations.indexOf(relation) < 0) {
      throw ToolError("lookup: unknown relation " + pyRepr(relation));
    }
    var key = subject + "\u0000" + relation;
    if (!this.table.has(key)) throw ToolError("lookup: no " + relation + " known for " + subject);
    return this.table.get(key);
  };

  /* The result of the call in text, or "error: ..." (as Toolbox.run in Python). */
  Toolbox.prototype.run = function (text) {
    try {
      var call = parseCall(text);
      if (call === null) return "error: no call";
      return this.call(call);
    } catch (err) {
      if (err.name === "ToolError") return "error: " + err.message;
      throw err;
    }
  };

  /* --------------------------------------------------------------------- the chat format */

  var ROLES = ["system", "user", "assistant", "tool"];
  var END = "<|end|>";
  var EOT = "<|endoftext|>";
  var RESERVED = [EOT, "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>", END];
  var NEXT = {
    "": ["system", "user"],
    system: ["user"],
    user: ["assistant"],
    assistant: ["user", "tool"],
    tool: ["assistant"],
  };

  function roleList(roles) {
    return roles.map(function (r) { return "'" + r + "'"; }).join(", ");
  }

  /* The messages if they form a well-formed conversation (the rules of Python's
   * check_conversation), else an Error saying which rule is broken. */
  function checkConversation(messages) {
    if (!Array.isArray(messages) || !messages.length) {
      throw new Error("a conversation needs at least one message");
    }
    var previous = null;
    messages.forEach(function (m, i) {
      var role = m[0];
      var content = m[1];
      if (ROLES.indexOf(role) < 0) {
        throw new Error("the role of message " + i + " must be one of " + roleList(ROLES) +
          ", got " + pyRepr(String(role)));
      }
      if (typeof content !== "string" || !content) {
        throw new Error("the content of message " + i + " must be a non-empty str");
      }
      RESERVED.forEach(function (r) {
        if (content.indexOf(r) >= 0) {
          throw new Error("message " + i + " contains the reserved string " + pyRepr(r));
        }
      });
      var allowed = NEXT[previous ? previous[0] : ""];
      if (allowed.indexOf(role) < 0) {
        throw new Error("message " + i + " has role '" + role + "', but " + (previous
          ? "after '" + previous[0] + "' comes " + roleList(allowed)
          : "a conversation starts with " + roleList(allowed)));
      }
      var calls = previous !== null && previous[0] === "assistant" && hasCall(previous[1]);
      if (role === "tool" && !calls) {
        throw new Error("message " + i + " is a tool result, but message " + (i - 1) +
          " made no call");
      }
      if (role === "user" && calls) {
        throw new Error("message " + (i - 1) + " made a tool call, so message " + i +
          " must be 'tool'");
      }
      previous = m;
    });
    return messages;
  }

  function special(model, token) {
    var id = model.spec.tokenizer.special_tokens[token];
    if (id === undefined) throw new Error("the model's tokenizer has no " + token);
    return id;
  }

  /* The ids of a conversation followed by <|assistant|> (tokenizers.chat.chat_prompt). */
  function chatPrompt(model, messages) {
    checkConversation(messages);
    var tok = model.spec.tokenizer;
    var ids = [special(model, EOT)];
    messages.forEach(function (m) {
      ids.push(special(model, "<|" + m[0] + "|>"));
      ids = ids.concat(bpe().encodeOrdinary(" " + m[1], tok));
      ids.push(special(model, END));
    });
    ids.push(special(model, "<|assistant|>"));
    return ids;
  }

  function isSpecial(model, id) {
    var specials = model.spec.tokenizer.special_tokens;
    return Object.keys(specials).some(function (k) { return specials[k] === id; });
  }

  /* The text of one message from the ids written after its role token. */
  function messageText(model, ids) {
    var cut = ids.length;
    for (var k = 0; k < ids.length; k++) {
      if (isSpecial(model, ids[k])) { cut = k; break; }
    }
    var text = model.decode(ids.slice(0, cut));
    return text[0] === " " ? text.slice(1) : text;
  }

  /* The assistant's next message, greedy (generation.chat.reply). */
  function reply(model, messages, options) {
    var o = options || {};
    var maxNew = o.maxNewTokens === undefined ? 64 : o.maxNewTokens;
    var prompt = chatPrompt(model, messages);
    var context = model.config.block_size;
    if (prompt.length >= context) {
      throw new Error("the conversation is " + prompt.length + " tokens, and the model reads " +
        "at most " + context + ": shorten it, so that the answer fits in the context too");
    }
    maxNew = Math.min(maxNew, context - prompt.length);
    var out = model.generate(prompt, maxNew, { greedy: true, stopToken: special(model, END) });
    return messageText(model, out.slice(prompt.length));
  }

  /* The assistant's message after a conversation of any length, greedy: at every step the
   * model reads the last block_size tokens (the answer of evaluation.memory.recall). */
  function windowedReply(model, messages, maxNewTokens) {
    var prompt = chatPrompt(model, messages);
    var n = maxNewTokens === undefined ? 16 : maxNewTokens;
    var out = model.generate(prompt, n, { greedy: true, stopToken: special(model, END) });
    return messageText(model, out.slice(prompt.length));
  }

  /* The assistant's turn with each tool call run (generation.chat.assistant_turn). */
  function assistantTurn(model, messages, toolbox, options) {
    var o = options || {};
    var maxCalls = o.maxCalls === undefined ? 3 : o.maxCalls;
    var chat = checkConversation(messages).slice();
    var added = [];
    for (var calls = 0; calls <= maxCalls; calls++) {
      var text = reply(model, chat.concat(added), { maxNewTokens: o.maxNewTokens });
      added.push(["assistant", text]);
      if (!hasCall(text) || calls === maxCalls) break;
      added.push(["tool", toolbox.run(text)]);
    }
    return added;
  }

  /* ------------------------------------------------------------------------- the agent */

  var THOUGHT = "Thought:";

  function splitThought(text) {
    text = pyStrip(text);
    if (text.indexOf(THOUGHT) !== 0) return [null, text];
    var body = text.slice(THOUGHT.length);
    var cut = body.indexOf(CALL_OPEN);
    if (cut < 0) cut = body.indexOf(".") + 1 || body.length;
    return [pyStrip(body.slice(0, cut)), pyStrip(body.slice(cut))];
  }

  function step(text, thought, call, observation, status) {
    return { text: text, thought: thought, call: call, observation: observation, status: status };
  }

  /* Parse one assistant message and run its call if allowed (generation.agent.act). */
  function act(text, toolbox) {
    var parts = splitThought(text);
    var thought = parts[0];
    var rest = parts[1];
    if (!hasCall(rest)) return step(text, thought, null, null, "answer");
    var call;
    try {
      call = parseCall(rest);
    } catch (err) {
      if (err.name === "ToolError") return step(text, thought, null, null, "malformed");
      throw err;
    }
    if (TOOLS.indexOf(call.name) < 0) return step(text, thought, call, null, "refused");
    try {
      return step(text, thought, call, toolbox.call(call), "ran");
    } catch (err) {
      if (err.name === "ToolError") return step(text, thought, call, "error: " + err.message, "invalid");
      throw err;
    }
  }

  /* An agent's episode with the program's guardrails (generation.agent.run_episode). */
  function runEpisode(model, messages, toolbox, options) {
    var o = options || {};
    var maxSteps = o.maxSteps === undefined ? 4 : o.maxSteps;
    var maxNew = o.maxNewTokens === undefined ? 40 : o.maxNewTokens;
    var chat = checkConversation(messages).slice();
    var context = model.config.block_size;
    var steps = [];
    var stop = "step_limit";
    for (var n = 0; n <= maxSteps; n++) {
      if (chatPrompt(model, chat).length >= context - 2) { stop = "context_full"; break; }
      var text = reply(model, chat, { maxNewTokens: maxNew });
      var rest = splitThought(text)[1];
      var s = n === maxSteps && hasCall(rest)
        ? step(text, splitThought(text)[0], null, null, "unrun")
        : act(text, toolbox);
      steps.push(s);
      if (s.status === "answer") {
        stop = "answered";
      } else if (s.status === "refused") {
        stop = "refused_tool";
      } else if (s.status === "malformed") {
        stop = "malformed_call";
      } else if (s.status === "ran" || s.status === "invalid") {
        chat.push(["assistant", text], ["tool", s.observation]);
        continue;
      }
      break;
    }
    if (steps.length && stop !== "context_full") {
      chat.push(["assistant", pyStrip(steps[steps.length - 1].text) || "..."]);
    }
    var answer = stop === "answered" ? splitThought(steps[steps.length - 1].text)[1] : null;
    return { messages: chat, steps: steps, answer: answer, stop: stop };
  }

  /* ------------------------------------------------------------------------ confidence */

  /* The greedy answer after promptIds and the probability the model gave to each token of it
   * (evaluation.confidence.answers_with_confidence, one prompt). */
  function answerWithConfidence(model, promptIds, stopIds, maxNewTokens) {
    var budget = Math.min(maxNewTokens === undefined ? 24 : maxNewTokens,
      model.config.block_size - promptIds.length);
    var ids = [];
    var probs = [];
    var logp = 0;
    var cache = model.newCache();
    var logits = null;
    for (var k = 0; k < budget; k++) {
      logits = k === 0 ? model.prefill(promptIds, cache) : model.decodeStep(ids[ids.length - 1], cache);
      var max = -Infinity;
      var best = 0;
      for (var i = 0; i < logits.length; i++) if (logits[i] > max) { max = logits[i]; best = i; }
      var total = 0;
      for (i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
      var p = 1 / total; // the softmax of the argmax, in float64
      logp += Math.log(p);
      if (stopIds.indexOf(best) >= 0) break;
      ids.push(best);
      probs.push(p);
    }
    return { ids: ids, probs: probs, confidence: Math.exp(logp) };
  }

  /* The probability of the answer word(s) of an answer (evaluation.confidence.word_confidence).
   * patterns: the answer sentences' regular expressions (JavaScript syntax, a group "o" for
   * the answer), the question's relation first. */
  function wordConfidence(model, answer, patterns) {
    var text = model.decode(answer.ids);
    var span = null;
    for (var k = 0; k < patterns.length && span === null; k++) {
      var match = new RegExp("^(?:" + patterns[k] + ")$", "id").exec(text);
      if (match) span = match.indices.groups.o;
    }
    var product = 1;
    if (span === null) {
      answer.probs.forEach(function (p) { product *= p; });
      return product;
    }
    var start = 0;
    for (var i = 0; i < answer.ids.length; i++) {
      var end = model.decode(answer.ids.slice(0, i + 1)).length;
      if (start < span[1] && end > span[0]) product *= answer.probs[i];
      start = end;
    }
    return product;
  }

  var api = {
    pyStrip: pyStrip,
    pyRepr: pyRepr,
    calculate: calculate,
    formatCall: formatCall,
    hasCall: hasCall,
    parseCall: parseCall,
    Toolbox: Toolbox,
    checkConversation: checkConversation,
    chatPrompt: chatPrompt,
    messageText: messageText,
    reply: reply,
    windowedReply: windowedReply,
    assistantTurn: assistantTurn,
    splitThought: splitThought,
    act: act,
    runEpisode: runEpisode,
    answerWithConfidence: answerWithConfidence,
    wordConfidence: wordConfidence,
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.sbtChat = api;
})();
