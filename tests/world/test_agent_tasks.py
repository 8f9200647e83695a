"""Tests of the agent's tasks (stepbytoken.world.agent_tasks)."""

from __future__ import annotations

import pytest

from stepbytoken.world import split_entities
from stepbytoken.world.agent_tasks import (
    AGENT_KINDS,
    THOUGHT,
    agent_tasks,
    react_example,
)
from stepbytoken.world.conversation import check_conversation
from stepbytoken.world.tool_tasks import heldout_problem
from stepbytoken.world.tools import Toolbox


@pytest.fixture(scope="module")
def toolbox(world):
    return Toolbox([*world.facts, *world.heldout_facts])


@pytest.mark.parametrize("kind", AGENT_KINDS)
def test_gold_calls_lead_to_the_gold_answer(world, toolbox, kind):
    for task in agent_tasks(world, kind, 30, split="heldout"):
        results = [toolbox.run(str(call)) for call in task.calls]
        assert not any(r.startswith("error") for r in results)
        assert results[-1] == task.answer
        assert task.answer in task.final
        assert len(task.calls) == {"arithmetic": 1, "lookup": 1, "ages": 3}.get(kind, 2)


@pytest.mark.parametrize("kind", AGENT_KINDS)
def test_held_out_tasks_share_no_entity_problem_or_wording_with_training(world, kind):
    train = agent_tasks(world, kind, 300)
    held = agent_tasks(world, kind, 100, split="heldout")
    subjects = split_entities(world).subjects
    assert {e for t in held for e in t.entities[:1]} <= set(subjects["heldout"])
    assert not {e for t in train for e in t.entities} & {
        e for t in held for e in t.entities
    }
    assert not {t.question for t in train} & {t.question for t in held}
    if kind == "arithmetic":
        for task in held:
            a, op, b = task.calls[0].arguments.split()
            assert heldout_problem(int(a), op, int(b))


@pytest.mark.parametrize("kind", ["lookup", "ages", "two_hop"])
def test_unseen_tasks_ask_about_entities_the_corpus_never_mentions(
    world, toolbox, kind
):
    unseen = set(split_entities(world).subjects["unseen"])
    for task in agent_tasks(world, kind, 20, split="unseen"):
        assert task.entities[0] in unseen
        assert toolbox.run(str(task.calls[-1])) == task.answer


def test_tasks_are_seeded(world):
    assert agent_tasks(world, "two_hop", 5, seed=3) == agent_tasks(
        world, "two_hop", 5, seed=3
    )
    assert agent_tasks(world, "two_hop", 5, seed=3) != agent_tasks(
        world, "two_hop", 5, seed=4
    )


@pytest.mark.parametrize("thoughts", [True, False])
def test_react_examples_are_well_formed_conversations(world, toolbox, thoughts):
    for kind in AGENT_KINDS:
        task = agent_tasks(world, kind, 1, seed=2)[0]
        example = react_example(task, toolbox, thoughts=thoughts)
        check_conversation(example.messages, complete=True)
        calls = [m for m in example.reply if m.role == "assistant"][:-1]
        assert len(calls) == len(task.calls)
        assert all(m.content.startswith(THOUGHT) == thoughts for m in calls)
        assert example.reply[-1].content == task.final


def test_bad_arguments_are_refused(world):
    with pytest.raises(ValueError, match="kind"):
        agent_tasks(world, "poem", 1)
    with pytest.raises(ValueError, match="split"):
        agent_tasks(world, "lookup", 1, split="phantom")
    with pytest.raises(TypeError, match="task"):
        react_example("task", Toolbox([]))
