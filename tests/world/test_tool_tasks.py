"""Tests for the multi-step tasks: held-out problems by hash, tool and scratchpad replies."""

from __future__ import annotations

import re

import pytest

from stepbytoken.world.calculator import calculate
from stepbytoken.world.instructions import make_examples
from stepbytoken.world.tool_tasks import heldout_problem, scratchpad_task, tool_task


def test_about_a_quarter_of_problems_are_held_out():
    share = (
        sum(heldout_problem(a, "+", b) for a in range(100) for b in range(100)) / 10_000
    )
    assert 0.22 < share < 0.28


def _problems(examples):
    """The arithmetic problems asked (look-up tasks and their age sums are not problems)."""
    found = set()
    for ex in examples:
        if not ex.template.startswith(("calc", "arith")):
            continue
        found |= set(re.findall(r"(\d+) ([-+*]) (\d+)", ex.prompt[-1].content))
    return {(int(a), op, int(b)) for a, op, b in found}


def test_training_problems_and_held_out_problems_never_meet(world):
    for kind in ("tool", "scratchpad"):
        train = make_examples(world, kind, 300, seed=0)
        held = make_examples(world, kind, 300, split="heldout", seed=0)
        train_problems, held_problems = _problems(train), _problems(held)
        assert train_problems and held_problems
        assert not any(heldout_problem(*p) for p in train_problems)
        assert all(heldout_problem(*p) for p in held_problems)


def test_calc_answers_are_beyond_the_corpus_and_right(world):
    examples = [
        ex
        for ex in make_examples(world, "tool", 200, seed=1)
        if ex.template.startswith("calc")
    ]
    assert examples
    for ex in examples:
        expression = ex.reply[0].content.removeprefix("[calc: ").removesuffix("]")
        assert str(calculate(expression)) == ex.answer == ex.reply[1].content
        a, op, b = re.fullmatch(r"(\d+) ([-+*]) (\d+)", expression).groups()
        assert op == "*" or min(int(a), int(b)) >= 1000  # the corpus stops below 1000


def test_two_lookups_then_a_computation(world):
    examples = make_examples(world, "tool", 300, templates="all", seed=2)
    ages = [ex for ex in examples if ex.template.startswith("ages")]
    assert {ex.template for ex in ages} == {"ages/0", "ages/1"}
    for ex in ages:
        assert len(ex.reply) == 7  # (call, result) x 3, then the answer
        x, y = int(ex.reply[1].content), int(ex.reply[3].content)
        assert int(ex.answer) == (x - y if ex.template == "ages/0" else x + y)


def test_two_step_questions_name_the_link(world):
    hops = [
        ex
        for ex in make_examples(world, "scratchpad", 200, templates="all", seed=3)
        if ex.template.startswith("hop")
    ]
    assert hops
    for ex in hops:
        first, middle = ex.entities
        think = ex.final.split("\n")[0]
        assert first in ex.prompt[0].content and middle in think
        assert middle not in ex.prompt[0].content


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((None, "+", 1), TypeError, "a must be an int"),
        ((1.5, "+", 1), TypeError, "a must be an int"),
        ((True, "+", 1), TypeError, "a must be an int"),
        ((1, "+", "3"), TypeError, "b must be an int"),
        ((1, None, 1), TypeError, "op must be one of"),
        ((1, "/", 1), ValueError, "op must be one of '\\+', '-', '\\*', got '/'"),
        ((1, "a\ud800b", 1), ValueError, "op must be one of"),
    ],
)
def test_heldout_problem_refuses_what_is_not_a_problem(args, error, match):
    with pytest.raises(error, match=match):
        heldout_problem(*args)


@pytest.mark.parametrize("task", [tool_task, scratchpad_task])
@pytest.mark.parametrize("ctx", [None, "train", 3])
def test_tasks_refuse_what_is_not_a_task_context(task, ctx):
    with pytest.raises(TypeError, match="ctx must be a TaskContext"):
        task(ctx)
