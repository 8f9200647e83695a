"""Tests for the memory conversations: the fact comes first, is asked last, and nowhere else."""

from __future__ import annotations

import pytest

from stepbytoken.world import make_world
from stepbytoken.world.conversation import check_conversation
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.memory_tasks import ACKNOWLEDGE, recall_examples


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
