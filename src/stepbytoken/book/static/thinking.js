/*
 * thinking.js: chapter 17's thinking budget in the reader's browser.
 *
 * A port of stepbytoken.generation.thinking.think on top of gpt.js (the model) and chat.js
 * (the chat format): the question in the chat format, then <|think|>; the model writes its
 * thought greedily until it closes it with <|/think|> (or writes any other special token), or
 * until the budget of tokens is spent; the thought, cut there, is closed with <|/think|>, and
 * the model answers greedily, in at most 8 tokens, up to <|end|>.
 *
 *   sbtThinking.think(model, question, budget)
 *       -> {thought, thoughtIds, answer, thoughtTokens}
 *          thought and answer are stripped as Python's str.strip does; thoughtIds are the ids
 *          of the thought the answer was read after (thoughtTokens of them).
 *
 * tests/book/test_thinking_js.py runs it under Node on the shipped small thinker and compares
 * every field with the Python function's.
 */
(function () {
  "use strict";

  var THINK = "<|think|>";
  var THINK_END = "<|/think|>";
  var END = "<|end|>";
  var MAX_ANSWER_TOKENS = 8; // generation.thinking.MAX_ANSWER_TOKENS

  function chat() {
    if (typeof window !== "undefined" && window.sbtChat) return window.sbtChat;
    if (typeof require === "function") return require("./chat.js");
    throw new Error("thinking.js needs chat.js (window.sbtChat); load chat.js first");
  }

  function specialId(model, token) {
    var id = model.spec.tokenizer.special_tokens[token];
    if (id === undefined) {
      throw new Error(
        "the model's tokenizer lacks the special token " + token +
          "; it must be a thinking tokenizer"
      );
    }
    return id;
  }

  /* The ids a model writes after `prompt`, greedy, at most n, up to (without) `stop`. */
  function continuation(model, prompt, n, stop) {
    var room = Math.min(n, model.config.block_size - prompt.length);
    if (room <= 0) return [];
    var ids = model.generate(prompt, room, { greedy: true, stopToken: stop });
    var out = ids.slice(prompt.length);
    var at = out.indexOf(stop);
    return at >= 0 ? out.slice(0, at) : out;
  }

  /* The ids before the first special token. */
  function beforeSpecial(model, ids) {
    var specials = model.spec.tokenizer.special_tokens;
    var special = {};
    Object.keys(specials).forEach(function (k) { special[specials[k]] = true; });
    for (var k = 0; k < ids.length; k++) if (special[ids[k]]) return ids.slice(0, k);
    return ids;
  }

  function text(model, ids) {
    return chat().pyStrip(ids.length ? model.decode(ids) : "");
  }

  function think(model, question, budget) {
    if (typeof question !== "string" || !question) {
      throw new TypeError("question must be a non-empty string");
    }
    if (!Number.isInteger(budget) || budget < 0) {
      throw new RangeError("budget must be an int >= 0 (tokens of thought), got " + budget);
    }
    var c = chat();
    var open = specialId(model, THINK);
    var close = specialId(model, THINK_END);
    var end = specialId(model, END);
    var prompt = c.chatPrompt(model, [["user", question]]).concat([open]);
    var thought = budget === 0 ? [] : beforeSpecial(model, continuation(model, prompt, budget, close));
    var reply = continuation(model, prompt.concat(thought, [close]), MAX_ANSWER_TOKENS, end);
    return {
      thought: text(model, thought),
      thoughtIds: thought,
      answer: text(model, beforeSpecial(model, reply)),
      thoughtTokens: thought.length,
    };
  }

  var api = { think: think, MAX_ANSWER_TOKENS: MAX_ANSWER_TOKENS };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.sbtThinking = api;
})();
