"""Tests for the instruction data: determinism, well-formed conversations, right answers,
and the held-out split (no held-out entity or wording ever appears in training data)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from stepbytoken.world import instruction_templates as T
from stepbytoken.world import make_world
from stepbytoken.world.conversation import check_conversation
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.instruction_templates import IDK
from stepbytoken.world.instructions import (
    KINDS,
    make_examples,
    training_examples,
)
from stepbytoken.world.tools import Toolbox

SPLITS = ("train", "heldout", "unseen")
VALID = [(k, s) for k in KINDS for s in SPLITS if (k, s) != ("fact", "unseen")]


@pytest.fixture(scope="module")
def training(world):
    return training_examples(world, 3000, seed=0)


def test_same_seed_same_examples(world):
    assert training_examples(world, 50, seed=4) == training_examples(
        make_world(0), 50, seed=4
    )
    assert training_examples(world, 50, seed=4) != training_examples(world, 50, seed=5)


def test_mixture_has_every_kind_in_its_share(training):
    counts = Counter(ex.kind for ex in training)
    assert set(counts) == set(KINDS) and sum(counts.values()) == 3000
    assert counts["fact"] == 750 and counts["unknown"] == 450


@pytest.mark.parametrize(("kind", "split"), VALID)
def test_every_example_is_a_complete_conversation_with_its_answer(world, kind, split):
    for ex in make_examples(world, kind, 60, split=split, templates="all", seed=1):
        check_conversation(ex.messages, complete=True)
        assert ex.kind == kind and ex.prompt[-1].role == "user"
        assert ex.reply[-1].role == "assistant"
        if ex.answer == IDK.rstrip("."):
            assert ex.final == IDK
        else:
            for item in ex.answer.split(", "):
                assert item.lower() in ex.final.lower(), (item, ex.final)


def test_training_data_never_mentions_held_out_names(world, training):
    split = split_entities(world)
    forbidden = split.never_in_training()
    held_towns = {f.subject for f in split.facts["heldout"] if f.relation == "kingdom"}
    for ex in training + training_examples(world, 500, unknown="guess", seed=1):
        words = set(re.findall(r"[A-Za-z]+", " ".join(m.content for m in ex.messages)))
        assert not words & forbidden, (words & forbidden, ex)
        assert not set(ex.entities) & (held_towns | forbidden)


def test_training_data_uses_training_wordings_only(training):
    groups = [T.ASK, T.LIST_TOWNS, T.PASSAGE, T.TOOL_ARITHMETIC, T.TOOL_TWO_AGES]
    groups += [T.SCRATCH_RELATIONS, *T.CONSTRAINTS.values()]
    heldout_ids = {t.id for group in groups for t in group if t.split == "heldout"}
    train_ids = {t.id for group in groups for t in group if t.split == "train"}
    used = set()
    for ex in training:
        parts = set(ex.template.split("+")) - {"arith"}
        assert parts <= train_ids and not parts & heldout_ids, ex.template
        assert ex.constraint != "lowercase"
        used |= parts
    assert used == train_ids  # every training wording is used


def test_held_out_wordings_and_entities_are_used_when_asked(world):
    held = make_examples(
        world, "format", 200, split="heldout", templates="heldout", seed=0
    )
    assert "lowercase" in {ex.constraint for ex in held}
    subjects = set(split_entities(world).subjects["heldout"])
    assert all(set(ex.entities) <= subjects for ex in held)
    unseen = make_examples(world, "unknown", 50, split="unseen", seed=0)
    assert all(
        ex.truth is not None and set(ex.entities) <= set(world.heldout) for ex in unseen
    )


def test_unknown_variants(world):
    idk = make_examples(world, "unknown", 30, seed=2)
    guess = make_examples(world, "unknown", 30, unknown="guess", seed=2)
    assert {ex.final for ex in idk} == {IDK}
    assert IDK not in {ex.final for ex in guess}
    assert [ex.prompt for ex in idk] == [ex.prompt for ex in guess]
    kinds = {ex.kind for ex in training_examples(world, 200, unknown="none")}
    assert kinds == set(KINDS) - {"unknown"}
    with pytest.raises(ValueError, match="unknown='none'"):
        make_examples(world, "unknown", 1, unknown="none")


def test_tool_replies_are_what_the_toolbox_returns(world):
    box = Toolbox(world.facts + world.heldout_facts)
    for ex in make_examples(world, "tool", 80, split="unseen", templates="all", seed=3):
        assert ex.prompt[0].role == "system"
        for call, result in zip(ex.reply[:-1:2], ex.reply[1:-1:2], strict=True):
            assert call.role == "assistant" and result.role == "tool"
            assert box.run(call.content) == result.content
            assert not result.content.startswith("error")


def test_scratchpad_think_and_direct(world):
    think = make_examples(world, "scratchpad", 40, seed=5)
    direct = make_examples(world, "scratchpad", 40, think=False, seed=5)
    for a, b in zip(think, direct, strict=True):
        assert a.prompt == b.prompt and a.answer == b.answer
        assert a.final.startswith("Think: ") and a.final.endswith(
            f"\nAnswer: {a.answer}"
        )
        assert b.final == f"Answer: {a.answer}"


def test_passages_hold_the_answer_and_phantoms_only_in_training(world):
    split = split_entities(world)
    for s in ("train", "unseen"):
        examples = make_examples(world, "passage", 100, split=s, seed=6)
        for ex in examples:
            passage = ex.prompt[0].content.split("\n")[0]
            assert re.search(rf"\b{re.escape(ex.answer)}\b", passage), ex
        phantoms = {ex.entities[0] for ex in examples} & set(
            split.phantom_people["passage"]
        )
        assert bool(phantoms) == (s == "train")


def test_argument_checks(world):
    with pytest.raises(ValueError, match="kind"):
        make_examples(world, "poem", 1)
    with pytest.raises(ValueError, match="split"):
        make_examples(world, "fact", 1, split="test")
    with pytest.raises(ValueError, match="use kind 'unknown'"):
        make_examples(world, "fact", 1, split="unseen")
    with pytest.raises(TypeError, match="think"):
        make_examples(world, "scratchpad", 1, think=1)
    with pytest.raises(TypeError, match="EntitySplit"):
        make_examples(world, "fact", 1, entities={})
    with pytest.raises(ValueError, match="positive weight"):
        training_examples(world, 10, shares={"fact": 0})
    assert make_examples(world, "fact", 0) == []
    bare = make_world(0, n_heldout_kingdoms=0, n_heldout_families=0)
    with pytest.raises(ValueError, match="'unseen' split of this world has no facts"):
        make_examples(bare, "passage", 1, split="unseen")


@pytest.mark.parametrize(
    ("shares", "error", "match"),
    [
        ("a", TypeError, "shares must be a dict of kind -> weight, got str"),
        ([1], TypeError, "shares must be a dict of kind -> weight, got list"),
        (0.5, TypeError, "shares must be a dict"),
        (
            {"fact": float("nan")},
            ValueError,
            r"shares\['fact'\] must be a finite number >= 0",
        ),
        ({"fact": -1.0, "tool": 2.0}, ValueError, r"shares\['fact'\] must be"),
        ({"fact": "1"}, TypeError, r"shares\['fact'\] must be a finite number"),
        ({"fact": 1e308, "tool": 1e308}, ValueError, "with a finite sum"),
    ],
)
def test_bad_shares_are_refused_by_name(world, shares, error, match):
    with pytest.raises(error, match=match):
        training_examples(world, 10, shares=shares)


def test_shares_pick_the_kinds(world):
    kinds = {
        ex.kind for ex in training_examples(world, 12, shares={"fact": 1, "tool": 0})
    }
    assert kinds == {"fact"}
