"""Tests for the memory conversations: the fact comes first, is asked last, and nowhere else."""

from __future__ import annotations

import pytest

from stepbytoken.world import make_world
from stepbytoken.world.conversation import check_conversation
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.memory_tasks import (
    ACKNOWLEDGE,
    needle_examples,
    recall_examples,
)


@pytest.mark.parametrize("n_filler", [0, 1, 5])
def test_structure_and_the_answer_only_at_the_start(world, n_filler):
    for ex in recall_examples(world, 20, n_filler, seed=1):
        check_conversation(ex.messages, complete=True)
        assert (
            len(ex.prompt) == 2 * n_filler + 3 and ex.prompt[1].content == ACKNOWLEDGE
        )
        subject = ex.entities[0]
        assert ex.answer in ex.prompt[0].content and subject in ex.prompt[0].content
        assert subject in ex.prompt[-1].content and ex.answer in ex.final
        for m in ex.prompt[1:]:
            assert subject not in m.content or m is ex.prompt[-1]


def test_splits_use_separate_people_and_entities(world):
    split = split_entities(world)
    train = recall_examples(world, 30, 2, seed=2)
    held = recall_examples(world, 30, 2, split="heldout", seed=2)
    assert {ex.entities[0] for ex in train} <= set(split.phantom_people["passage"])
    assert {ex.entities[0] for ex in held} <= set(split.phantom_people["heldout"])
    forbidden = split.never_in_training()
    for ex in train:
        text = " ".join(m.content for m in ex.messages)
        assert not {w.strip(".,?:") for w in text.split()} & forbidden


def test_deterministic_and_checked(world):
    assert recall_examples(world, 5, 2, seed=3) == recall_examples(
        make_world(0), 5, 2, seed=3
    )
    assert recall_examples(world, 5, 2, seed=3) != recall_examples(world, 5, 2, seed=4)
    with pytest.raises(ValueError, match="split"):
        recall_examples(world, 1, 1, split="unseen")
    with pytest.raises(ValueError, match="n_filler"):
        recall_examples(world, 1, -1)
    with pytest.raises(TypeError, match="World"):
        recall_examples(None, 1, 1)


def test_questions_before_the_fact_leave_the_rest_unchanged(world):
    plain = recall_examples(world, 4, 2, seed=5)
    assert recall_examples(world, 4, 2, seed=5, n_before=0) == plain
    for ex in recall_examples(world, 4, 2, seed=5, n_before=3):
        check_conversation(ex.messages, complete=True)
        told = [i for i, m in enumerate(ex.prompt) if m.content.startswith("Remember")]
        assert told == [6] and len(ex.prompt) == 2 * (3 + 2) + 3
        assert ex.answer in ex.prompt[6].content
    with pytest.raises(ValueError, match="n_before"):
        recall_examples(world, 1, 1, n_before=-1)


@pytest.mark.parametrize("n_distractors", [0, 3, 7])
def test_needle_sits_where_asked_among_other_people(world, n_distractors):
    for position in range(n_distractors + 1):
        for ex in needle_examples(world, 10, n_distractors, position, seed=1):
            check_conversation(ex.messages, complete=True)
            question = ex.prompt[0].content.split("\n")[1]
            sentences = _sentences(ex)
            assert len(sentences) == n_distractors + 1
            assert sentences[position] + "." == ex.final
            subjects = [s.split()[0] for s in sentences]
            assert len(set(subjects)) == len(subjects)  # one sentence per person
            assert ex.entities[0] in question and ex.answer in ex.final


def _sentences(ex):
    text = ex.prompt[0].content.split("\n")[0].removeprefix("Text: ")
    return [s.rstrip(".") for s in text.split(". ")]


def test_needle_positions_share_their_facts(world):
    first = needle_examples(world, 5, 4, 0, seed=2)
    last = needle_examples(world, 5, 4, 4, seed=2)
    for a, b in zip(first, last, strict=True):
        assert a.final == b.final and a.prompt[0].content != b.prompt[0].content
        assert sorted(_sentences(a)) == sorted(_sentences(b))
        assert _sentences(a)[1:] == _sentences(b)[:-1]  # the others keep their order


def test_needle_checks_its_arguments(world):
    split = split_entities(world)
    most = len(split.phantom_people["passage"]) - 1
    assert len(needle_examples(world, 1, most, most)) == 1
    with pytest.raises(ValueError, match="n_distractors"):
        needle_examples(world, 1, most + 1, 0)
    with pytest.raises(ValueError, match="position"):
        needle_examples(world, 1, 2, 3)
    with pytest.raises(ValueError, match="split"):
        needle_examples(world, 1, 2, 0, split="unseen")
    with pytest.raises(TypeError, match="World"):
        needle_examples(None, 1, 2, 0)
