"""thinking.js (chapter 17's budget in the browser) must think as the package does.

Under Node, without a site: the shipped small thinker, read from its half-precision file by
gpt.js, answers held-out problems and a reader's own at several budgets, and every field must
equal what :func:`stepbytoken.generation.thinking.think` gives in Python.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import stepbytoken
from stepbytoken.book.live import LIVE_MODELS, live_model_files, live_model_spec
from stepbytoken.generation.thinking import think
from stepbytoken.recipes.thinking import eval_problems
from stepbytoken.recipes.thinking_small import load_thinking_small

NODE = shutil.which("node")
STATIC = Path(stepbytoken.__file__).parent / "book" / "static"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

DRIVER = """
const fs = require("fs");
const gpt = require(process.argv[1] + "/gpt.js");
const thinking = require(process.argv[1] + "/thinking.js");
const req = JSON.parse(fs.readFileSync(0, "utf8"));
const file = fs.readFileSync(req.weights);
const model = gpt.fromBuffer(req.spec, file.buffer.slice(file.byteOffset,
  file.byteOffset + file.byteLength));
const out = req.calls.map(([question, budget]) => {
  try {
    return {ok: thinking.think(model, question, budget)};
  } catch (e) {
    return {error: e.message};
  }
});
process.stdout.write(JSON.stringify(out));
"""


def node_think(calls: list[tuple[object, object]]) -> list[dict]:
    name = "thinking_small"
    request = {
        "spec": live_model_spec(name),
        "weights": str(live_model_files()[LIVE_MODELS[name].directory.name]),
        "calls": calls,
    }
    done = subprocess.run(
        [NODE, "-e", DRIVER, str(STATIC)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout)


def test_the_browser_thinks_and_answers_as_python_does():
    small = load_thinking_small()
    problems = eval_problems()
    questions = [problems[0].question, problems[1].question, problems[7].question]
    questions.append("What is 405 + 296?")  # a reader's own problem
    budgets = [0, 3, 12, 80]
    calls = [(q, b) for q in questions for b in budgets]
    got = node_think(calls)
    wrote_something = False
    for (question, budget), js in zip(calls, got, strict=True):
        assert "ok" in js, js
        js = js["ok"]
        ((thought, answer),) = think(
            small.model, small.tokenizer, [question], budget=budget
        )
        assert js["thought"] == thought, (question, budget)
        assert js["answer"] == answer.text, (question, budget)
        assert js["thoughtTokens"] == answer.thought_tokens <= budget
        assert small.tokenizer.decode(js["thoughtIds"]).strip() == thought
        wrote_something |= budget > 0 and answer.thought_tokens > 0
    assert wrote_something  # the comparison covered real thoughts, not only empty ones


def test_bad_budgets_and_questions_get_clear_errors():
    got = node_think([("What is 1 + 1?", -1), ("What is 1 + 1?", 2.5), ("", 4)])
    assert "budget must be an int >= 0" in got[0]["error"]
    assert "budget must be an int >= 0" in got[1]["error"]
    assert "question must be a non-empty string" in got[2]["error"]
