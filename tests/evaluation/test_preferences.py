"""Tests for preference pairs: ranked by the judge, differing in exactly the flawed rule."""

from __future__ import annotations

from collections import Counter

import pytest

from stepbytoken.evaluation.preferences import preference_pairs
from stepbytoken.world import make_world
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.flaws import FLAWS

FLAWED_RULE = {
    "wrong": "correct",
    "ignores_instruction": "follows_instruction",
    "rude": "polite",
    "rambling": "concise",
}


@pytest.fixture(scope="module")
def world():
    return make_world(0)


@pytest.mark.parametrize(
    ("split", "templates"), [("train", "train"), ("unseen", "heldout")]
)
def test_pairs_differ_in_exactly_the_flawed_rule(world, split, templates):
    pairs = preference_pairs(world, 300, split=split, templates=templates, seed=1)
    assert len(pairs) == 300 and set(Counter(p.flaw for p in pairs)) == set(FLAWS)
    for p in pairs:
        assert p.chosen == p.example.final and p.chosen != p.rejected
        assert p.chosen_verdict.score == 1.0 > p.rejected_verdict.score
        differ = [
            r
            for r, ok in p.chosen_verdict.rules.items()
            if ok != p.rejected_verdict.rules[r]
        ]
        assert differ == [FLAWED_RULE[p.flaw]]


def test_training_pairs_never_mention_held_out_names(world):
    forbidden = split_entities(world).never_in_training()
    for p in preference_pairs(world, 300, seed=2):
        text = " ".join(m.content for m in p.example.prompt) + p.chosen + p.rejected
        assert not {w.strip(".,?") for w in text.split()} & forbidden


def test_deterministic_and_checked(world):
    assert preference_pairs(world, 20, seed=3) == preference_pairs(world, 20, seed=3)
    assert preference_pairs(world, 20, seed=3) != preference_pairs(world, 20, seed=4)
    assert {p.example.kind for p in preference_pairs(world, 10, kinds=("tool",))} == {
        "tool"
    }
    with pytest.raises(TypeError, match="World"):
        preference_pairs("world", 10)
    with pytest.raises(ValueError, match="kind"):
        preference_pairs(world, 10, kinds=("poem",))
    with pytest.raises(ValueError, match="at least one kind"):
        preference_pairs(world, 10, kinds=())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"templates": "a\ud800b"}, ValueError, "templates must be one of"),
        ({"templates": None}, TypeError, "templates must be one of"),
        ({"kinds": 3}, TypeError, "kinds must be a list of str"),
        ({"kinds": "tool"}, TypeError, "kinds must be a list of str"),
        ({"kinds": ("tool", None)}, TypeError, r"kinds\[1\] must be a str"),
    ],
)
def test_bad_templates_and_kinds_are_refused_by_name(world, kwargs, error, match):
    with pytest.raises(error, match=match):
        preference_pairs(world, 4, **kwargs)
