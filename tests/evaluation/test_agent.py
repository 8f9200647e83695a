"""Tests of grading an agent (stepbytoken.evaluation.agent)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation.agent import (
    FAILURES,
    AgentGrade,
    failure_counts,
    grade_episode,
    share_interval,
    summarise_grades,
)
from stepbytoken.generation.agent import Episode, act
from stepbytoken.world import make_world
from stepbytoken.world.agent_tasks import agent_tasks, react_example
from stepbytoken.world.conversation import Message
from stepbytoken.world.tools import Toolbox


@pytest.fixture(scope="module")
def toolbox():
    world = make_world(0)
    return Toolbox([*world.facts, *world.heldout_facts])


@pytest.fixture(scope="module")
def task():
    """An ``ages`` task: two look-ups, then a computation."""
    return agent_tasks(make_world(0), "ages", 1, split="heldout")[0]


def episode(task, toolbox, texts, stop="answered"):
    """An episode in which the assistant wrote ``texts``, run through :func:`act`."""
    steps = tuple(act(text, toolbox) for text in texts)
    messages = [*react_example(task, toolbox).prompt]
    for step in steps:
        messages.append(Message("assistant", step.text))
        if step.observation is not None:
            messages.append(Message("tool", step.observation))
    answer = steps[-1].text if stop == "answered" else None
    return Episode(tuple(messages), steps, answer, stop)


def outcome(task, toolbox, texts, stop="answered"):
    return grade_episode(task, episode(task, toolbox, texts, stop), toolbox).outcome


def test_each_failure_mode_is_named(task, toolbox):
    gold = [str(call) for call in task.calls]  # Mira 30, Jorun 11, 30 + 11 = 41
    assert outcome(task, toolbox, [*gold, "Together they are 41."]) == "correct"
    assert outcome(task, toolbox, [*gold, "Together they are 40."]) == "wrong_answer"
    assert outcome(task, toolbox, ["They are 41."]) == "correct"  # a lucky guess
    assert outcome(task, toolbox, ["They are 40."]) == "no_call"
    assert outcome(task, toolbox, [gold[0], "Mira is 30."]) == "too_few_calls"
    wrong = ["[lookup: Mira, age]", "[lookup: Jorun, age]", "[calc: 30 - 11]", "19."]
    assert outcome(task, toolbox, wrong) == "wrong_arguments"
    invalid = ["[lookup: Mira, years]", "They are 40."]
    assert outcome(task, toolbox, invalid) == "invalid_arguments"
    assert outcome(task, toolbox, ["[sh: ls]"], "refused_tool") == "refused_tool"
    assert outcome(task, toolbox, ["[a b]"], "malformed_call") == "malformed_call"
    assert outcome(task, toolbox, gold, "step_limit") == "step_limit"


def test_summaries_count_every_grade(task, toolbox):
    grades = [
        grade_episode(task, episode(task, toolbox, [text]), toolbox)
        for text in ("41.", "40.", "41.", "It is 41.")
    ]
    assert summarise_grades(grades)["ages"]["correct"] == 0.75
    counts = failure_counts(grades)["ages"]
    assert list(counts) == list(FAILURES)
    assert counts["correct"] == 3 and counts["no_call"] == 1
    assert sum(counts.values()) == 4


def test_wilson_interval_matches_the_formula_at_known_points():
    # 8 of 10: 0.4902 to 0.9433 (Wilson 1927; e.g. statsmodels' proportion_confint)
    low, high = share_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(
        0.9433, abs=1e-4
    )
    assert share_interval(0, 5)[0] == 0.0 and share_interval(5, 5)[1] == 1.0


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_share(kn):
    k, n = kn
    low, high = share_interval(k, n)
    assert 0 <= low <= k / n + 1e-12 and k / n - 1e-12 <= high <= 1
    assert high - low <= 2 * 1.96 * math.sqrt(0.25 / n) + 1e-9


def test_bad_arguments_are_refused(task, toolbox):
    with pytest.raises(ValueError, match="k"):
        share_interval(11, 10)
    with pytest.raises(TypeError, match="episode"):
        grade_episode(task, "episode", toolbox)
    with pytest.raises(TypeError, match="grades"):
        summarise_grades([AgentGrade("ages", True, True, "correct", "", None), 3])
