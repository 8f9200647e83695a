"""Tests of the multi-step problems of chapter 17 (stepbytoken.world.thinking_tasks)."""

from __future__ import annotations

import pytest

from stepbytoken.world import make_world
from stepbytoken.world.thinking_tasks import (
    chain_problems,
    heldout_combination,
    sum_problem,
    thinking_problems,
)


@pytest.fixture(scope="module")
def world():
    return make_world(0)


def test_a_chain_names_the_person_in_between_and_ends_at_the_answer(world):
    known = {(f.subject, f.relation): f.object for f in world.facts}
    for p in chain_problems(world)[:50]:
        subject, link, relation = p.combination.split("/")
        middle = known[(subject, link)]
        assert middle in p.thought and known[(middle, relation)] == p.answer
        assert p.thought.endswith(f"{p.answer}.") or p.answer in p.thought.split(".")[1]


def test_sums_are_right_and_worked_from_the_last_digit():
    p = sum_problem(478, 256)
    assert p.answer == "734" and p.thought.startswith("8 + 6 = 14, write 4 carry 1.")
    assert p.thought.endswith("So 734.")


def test_the_splits_never_share_a_combination(world):
    train = thinking_problems(world, 400, split="train", seed=0)
    heldout = thinking_problems(world, 200, split="heldout", seed=1)
    assert not {p.combination for p in train} & {p.combination for p in heldout}
    assert all(heldout_combination(p.combination) for p in heldout)
    assert [p.kind for p in heldout[:4]] == ["chain", "sum", "chain", "sum"]


def test_about_a_quarter_of_the_chains_are_held_out(world):
    chains = chain_problems(world)
    share = sum(heldout_combination(p.combination) for p in chains) / len(chains)
    assert 0.18 < share < 0.32


def test_the_draw_is_seeded(world):
    assert thinking_problems(world, 10, seed=3) == thinking_problems(world, 10, seed=3)
    assert thinking_problems(world, 10, seed=3) != thinking_problems(world, 10, seed=4)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"n": 0}, ValueError), ({"n": 2, "split": "test"}, ValueError)],
)
def test_bad_arguments_are_refused(world, kwargs, error):
    with pytest.raises(error):
        thinking_problems(world, **kwargs)
