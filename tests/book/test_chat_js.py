"""chat.js (Part III's assistants in the browser) must do what the package does.

Under Node, without a site: every function of ``static/chat.js`` is called on the same input as
its Python twin and must return the same thing, error messages included (a refused tool call's
message goes back to the model, so it must be the same text). The calculator and the tools are
compared on generated input with hypothesis; the chat format, replies, tool-using turns, agent
episodes and confidences on the shipped models.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stepbytoken
from stepbytoken.book.figures.calibration import js_answer_patterns
from stepbytoken.book.live import LIVE_MODELS, live_model_files, live_model_spec
from stepbytoken.evaluation.confidence import (
    answers_with_confidence,
    stop_ids,
    word_confidence,
)
from stepbytoken.evaluation.memory import recall
from stepbytoken.generation.agent import act, run_episode, split_thought
from stepbytoken.generation.chat import assistant_turn, reply
from stepbytoken.recipes.agent import eval_tasks
from stepbytoken.recipes.calibration import question_sets
from stepbytoken.recipes.memory import eval_conversations
from stepbytoken.recipes.sft import eval_examples, eval_toolbox
from stepbytoken.tokenizers import chat_prompt
from stepbytoken.world.agent_tasks import react_example
from stepbytoken.world.calculator import CalculatorError, calculate
from stepbytoken.world.conversation import Message, check_conversation
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.tools import Toolbox

NODE = shutil.which("node")
STATIC = Path(stepbytoken.__file__).parent / "book" / "static"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Runs a list of calls [name, args] and answers each with {"ok": value} or {"error": message}.
# A model argument is the name of a live model; "toolbox" is the toolbox of the request.
DRIVER = """
const fs = require("fs");
const gpt = require(process.argv[1] + "/gpt.js");
const chat = require(process.argv[1] + "/chat.js");
const req = JSON.parse(fs.readFileSync(0, "utf8"));
const models = {};
function model(name) {
  if (!models[name]) {
    const m = req.models[name];
    const file = fs.readFileSync(m.weights);
    models[name] = gpt.fromBuffer(m.spec, file.buffer.slice(file.byteOffset,
      file.byteOffset + file.byteLength));
  }
  return models[name];
}
const toolbox = new chat.Toolbox(req.facts || [], req.relations);
const MODEL_FIRST = ["chatPrompt", "reply", "windowedReply", "assistantTurn", "runEpisode",
  "answerWithConfidence", "wordConfidence"];
const out = req.calls.map(([name, args]) => {
  try {
    args = args.map((a) => (a === "toolbox" ? toolbox : a));
    if (MODEL_FIRST.includes(name)) args[0] = model(args[0]);
    let value;
    if (name === "toolbox.run") value = toolbox.run(args[0]);
    else value = chat[name](...args);
    return {ok: typeof value === "bigint" ? value.toString() : value};
  } catch (e) {
    return {error: e.message};
  }
});
process.stdout.write(JSON.stringify(out));
"""


def node(
    calls: list[tuple[str, list[Any]]], models: tuple[str, ...] = (), facts=None
) -> list[dict[str, Any]]:
    files = live_model_files()
    request = {
        "calls": calls,
        "relations": list(RELATIONS),
        "facts": facts or [],
        "models": {
            name: {
                "spec": live_model_spec(name),
                "weights": str(files[LIVE_MODELS[name].directory.name]),
            }
            for name in models
        },
    }
    result = subprocess.run(
        [NODE, "-e", DRIVER, str(STATIC)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@functools.cache
def toolbox_facts() -> list[list[str]]:
    return [list(f) for f in eval_toolbox().facts()]


def python_calculate(text: str) -> dict[str, Any]:
    try:
        return {"ok": str(calculate(text))}
    except CalculatorError as err:
        return {"error": str(err)}


# -- the calculator ----------------------------------------------------------------------------

EDGE_EXPRESSIONS = [
    "17*23",
    "(5 - 8) * 2",
    "84 / 4",
    "7/2",
    "-7 / 2",
    "-8/4",
    "1/0",
    "0/0",
    "2 ** 3",
    "9 // 2",
    "()",
    "( )",
    "(())",
    "2(3)",
    "(1)(2)",
    "1()",
    "1(*2)",
    "-1(2)",
    "1 2",
    "01",
    "00",
    "000 + 1",
    "007",
    "0",
    "1 +",
    "+",
    "",
    "   ",
    "\t",
    "1e3",
    "1.5",
    "x",
    "1_000",
    "1234567890",
    "999999999 * 999999999",
    "999999999*999999",
    "--3",
    "+-+1",
    "1--1",
    "((((1))))",
    "(1",
    "1)",
    "1 * * 2",
    "*1",
    "(*1)",
    "1 / / 2",
    "3 - - - 3",
    "1+" * 33,
    "1" * 65,
    "é",
    "🐉",
    "'",
    "\\",
    "\u00a0",
    "\u00a01\u00a0",
    "\u2028",
    "1 + (2 * 3) - 4 / 2",
]
CALC_CHARS = st.sampled_from(list("0123456789+-*/() ") + ["00", "12", "(", ")"])
ODD_CHARS = st.sampled_from(
    ["x", "é", "\t", "'", '"', "\\", "\u00a0", "🐉", "\n", "\x85"]
)
EXPRESSIONS = st.lists(
    st.one_of(CALC_CHARS, CALC_CHARS, CALC_CHARS, CALC_CHARS, ODD_CHARS),
    max_size=40,
).map("".join)


def test_the_calculator_gives_python_results_and_errors_on_edge_cases():
    out = node([("calculate", [e]) for e in EDGE_EXPRESSIONS])
    for expression, js in zip(EDGE_EXPRESSIONS, out, strict=True):
        assert js == python_calculate(expression), expression


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EXPRESSIONS, min_size=40, max_size=40))
def test_the_calculator_agrees_with_python_on_generated_expressions(expressions):
    out = node([("calculate", [e]) for e in expressions])
    for expression, js in zip(expressions, out, strict=True):
        assert js == python_calculate(expression), expression


@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="ascii", exclude_categories=())
            | st.sampled_from(["é", "🐉", "\u00a0", "\u2028", "\x85", "\ufeff", "ß"]),
            max_size=12,
        ),
        min_size=30,
        max_size=30,
    )
)
@settings(max_examples=10, deadline=None)
def test_python_repr_is_ported(texts):
    out = node([("pyRepr", [t]) for t in texts])
    assert [o["ok"] for o in out] == [repr(t) for t in texts]


# -- the tools ---------------------------------------------------------------------------------

NAMES = st.sampled_from(
    ["calc", "lookup", "shell", "café", "Calc", "_x", "1x", "", " calc"]
)
ARGUMENTS = st.one_of(
    EXPRESSIONS,
    st.builds(
        lambda s, r: f"{s}, {r}",
        st.sampled_from(["Mira", "Gorrund", "mira", "Zzq", "Bo b", "", "Élodie"]),
        st.sampled_from(["age", "capital", "pet", "colour", "height", "", "age, pet"]),
    ),
)
CALL_TEXTS = st.one_of(
    st.builds(lambda n, a: f"[{n}: {a}]", NAMES, ARGUMENTS),
    st.builds(lambda n, a: f"Thought: why. [{n}:{a}] more", NAMES, ARGUMENTS),
    st.builds(lambda a: f"Thought: {a}. {a}", ARGUMENTS),
    st.sampled_from(
        ["No call.", "[oops]", "[a: b", "x] [calc: 1+1]", "[calc: 1+1][calc: 2]"]
    ),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CALL_TEXTS, min_size=40, max_size=40))
def test_tools_run_calls_as_python_does(texts):
    facts = [["Mira", "age", "34"], *toolbox_facts()]
    box = Toolbox([Fact(*f) for f in facts])
    calls = [("toolbox.run", [t]) for t in texts]
    calls += [("act", [t, "toolbox"]) for t in texts]
    calls += [("splitThought", [t]) for t in texts]
    out = node(calls, facts=facts)
    n = len(texts)
    for text, js in zip(texts, out[:n], strict=True):
        assert js == {"ok": box.run(text)}, text
    for text, js in zip(texts, out[n : 2 * n], strict=True):
        step = act(text, box)
        call = None if step.call is None else dict(step.call._asdict())
        expected = {**step._asdict(), "call": call}
        assert js == {"ok": expected}, text
    for text, js in zip(texts, out[2 * n :], strict=True):
        assert js == {"ok": list(split_thought(text))}, text


# -- the chat format and the models ------------------------------------------------------------


def as_pairs(messages) -> list[list[str]]:
    return [[m.role, m.content] for m in messages]


def test_chat_prompts_and_bad_conversations_as_python():
    examples = eval_examples(2)
    tokenizer = LIVE_MODELS["sft"].load().tokenizer
    bad = [
        [["assistant", "Hi."]],
        [["user", "Hi <|end|> there"]],
        [["user", ""]],
        [["user", "A"], ["tool", "B"]],
        [["user", "A"], ["assistant", "[calc: 1]"], ["user", "B"]],
        [["bot", "x"]],
        [["system", "a"], ["system", "b"]],
    ]
    calls = [("chatPrompt", ["sft", as_pairs(e.prompt)]) for e in examples]
    calls += [("chatPrompt", ["sft", b]) for b in bad]
    out = node(calls, models=("sft",))
    for e, js in zip(examples, out[: len(examples)], strict=True):
        assert js == {"ok": chat_prompt(tokenizer, e.prompt)}
    for b, js in zip(bad, out[len(examples) :], strict=True):
        with pytest.raises(ValueError) as err:
            check_conversation([Message(*m) for m in b])
        assert js == {"error": str(err.value)}


@pytest.mark.parametrize("name", ["base", "sft", "dpo"])
def test_chapter_8_turns_match_python(name):
    """The three models of chapter 8 answer held-out prompts, running tool calls."""
    examples = eval_examples(1)
    loaded = LIVE_MODELS[name].load()
    box = eval_toolbox()
    calls = [
        ("assistantTurn", [name, as_pairs(e.prompt), "toolbox", {"maxCalls": 3}])
        for e in examples
    ]
    calls.append(("reply", [name, [["user", "Who is the king of Gorrund?"]]]))
    out = node(calls, models=(name,), facts=toolbox_facts())
    for e, js in zip(examples, out[:-1], strict=True):
        turn = assistant_turn(loaded.model, loaded.tokenizer, e.prompt, box)
        assert js == {"ok": as_pairs(turn)}, e.prompt
    question = [Message("user", "Who is the king of Gorrund?")]
    assert out[-1] == {"ok": reply(loaded.model, loaded.tokenizer, question)}


def test_chapter_11_episodes_match_python():
    agent = LIVE_MODELS["agent"].load()
    box = eval_toolbox()
    tasks = eval_tasks(2)
    prompts = [react_example(t, box).prompt for t in tasks]
    calls = [
        ("runEpisode", ["agent", as_pairs(p), "toolbox", {"maxSteps": 4}])
        for p in prompts
    ]
    out = node(calls, models=("agent",), facts=toolbox_facts())
    for prompt, js in zip(prompts, out, strict=True):
        episode = run_episode(agent.model, agent.tokenizer, prompt, box, max_steps=4)
        steps = [
            {**s._asdict(), "call": None if s.call is None else dict(s.call._asdict())}
            for s in episode.steps
        ]
        assert js["ok"]["steps"] == steps
        assert js["ok"]["messages"] == as_pairs(episode.messages)
        assert js["ok"]["answer"] == episode.answer
        assert js["ok"]["stop"] == episode.stop


def test_chapter_13_confidences_match_python():
    guess = LIVE_MODELS["sft_guess"].load()
    tok = guess.tokenizer
    sets = question_sets(4, 4)
    examples = sets["known"] + sets["unknown"]
    stops = stop_ids(tok)
    prompts = [chat_prompt(tok, e.prompt) for e in examples]
    patterns = js_answer_patterns()
    calls = [("answerWithConfidence", ["sft_guess", p, stops, 24]) for p in prompts]
    out = node(calls, models=("sft_guess",))
    answers = answers_with_confidence(guess.model, prompts, stops, max_new_tokens=24)
    word_calls = []
    for e, js, py in zip(examples, out, answers, strict=True):
        assert js["ok"]["ids"] == list(py.ids), e.prompt
        assert js["ok"]["probs"] == pytest.approx(list(py.probs), rel=1e-4)
        assert js["ok"]["confidence"] == pytest.approx(py.confidence, rel=1e-4)
        order = [patterns[e.relation]] + list(patterns.values())
        word_calls.append(("wordConfidence", ["sft_guess", js["ok"], order]))
    words = node(word_calls, models=("sft_guess",))
    for e, js, py in zip(examples, words, answers, strict=True):
        assert js["ok"] == pytest.approx(word_confidence(tok, py, e.relation), rel=1e-4)


def test_chapter_9_windowed_replies_match_recall():
    """Conversations longer than the context: the model reads its last block_size tokens."""
    memory = LIVE_MODELS["memory"].load()
    examples = eval_conversations(8, 2)[:3]
    lengths = [len(chat_prompt(memory.tokenizer, e.prompt)) for e in examples]
    assert max(lengths) > memory.model.config.block_size  # some prompts overflow
    calls = [("windowedReply", ["memory", as_pairs(e.prompt), 16]) for e in examples]
    out = node(calls, models=("memory",))
    rows = recall(memory.model, memory.tokenizer, examples, method="generate")
    assert [o["ok"] for o in out] == [r.answer for r in rows]
