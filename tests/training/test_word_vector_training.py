"""Tests of word-vector training (stepbytoken.training.word2vec): determinism, errors, quality."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.evaluation import answer_analogies, evaluate_analogies
from stepbytoken.training import train_word_vectors
from stepbytoken.world import make_world, words


@pytest.fixture(scope="module")
def world():
    return make_world(seed=0)


@pytest.fixture(scope="module")
def trained(world):
    """Quick vectors on a small corpus (about 100k words): a few seconds on one core."""
    text = world.corpus(n_stories=1500, seed=0)
    return train_word_vectors(words(text), dim=32, epochs=3, lr=0.5, seed=0)


TINY = ("the king rode a horse . the queen rode a horse . the man walked . the woman walked . "
        "the boy ran . the girl ran .").split() * 30  # fmt: skip


def test_training_is_deterministic():
    a = train_word_vectors(TINY, dim=8, epochs=2, min_count=1, seed=3)
    b = train_word_vectors(TINY, dim=8, epochs=2, min_count=1, seed=3)
    c = train_word_vectors(TINY, dim=8, epochs=2, min_count=1, seed=4)
    assert torch.equal(a.weight, b.weight) and a.losses == b.losses
    assert not torch.equal(a.weight, c.weight)
    assert torch.get_num_threads() >= 1  # restored after training


def test_training_lowers_the_loss():
    wv = train_word_vectors(
        TINY, dim=8, epochs=6, lr=0.5, min_count=1, subsample=0, batch_size=16, seed=0
    )
    assert len(wv.losses) == 6
    assert wv.losses[-1] < wv.losses[0]
    assert wv.losses[0] < 5 * 0.6932 * 1.05  # starts near (1 + K) log 2 per pair


def test_training_argument_errors():
    with pytest.raises(ValueError, match="dim must be an int >= 1"):
        train_word_vectors(TINY, dim=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_word_vectors(TINY, lr=-1.0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_word_vectors(TINY, lr=float("nan"))
    with pytest.raises(ValueError, match="subsample must be a finite number >= 0"):
        train_word_vectors(TINY, subsample=-0.1)
    with pytest.raises(TypeError, match="not a str"):
        train_word_vectors("the king rode a horse")
    with pytest.raises(ValueError, match="no word occurs"):
        train_word_vectors(["a", "b"], min_count=5)
    with pytest.raises(FloatingPointError, match="training diverged"):
        train_word_vectors(TINY, dim=8, min_count=1, lr=1e6, epochs=2, batch_size=16)


def test_analogies_well_above_chance(world, trained):
    result = evaluate_analogies(trained, world.analogies_by_relation())
    assert result["skipped"] == 0
    assert result["accuracy"] > 50 * result["chance"]
    assert result["accuracy"] > 0.2
    assert result["by_relation"]["capital"]["accuracy"] > 0.5


def test_nearest_neighbours_of_a_name_are_names(world, trained):
    names = {p.name.lower() for p in world.people}
    for person in world.people[:: max(1, len(world.people) // 10)]:
        neighbours = [w for w, _ in trained.nearest(person.name.lower(), k=5)]
        assert sum(w in names for w in neighbours) >= 3, (person.name, neighbours)
    colours = [w for w, _ in trained.nearest("red", k=5)]
    assert sum(w in {"blue", "green", "yellow", "white", "black", "brown", "grey", "orange",
                     "purple", "pink", "silver"} for w in colours) >= 4  # fmt: skip


def test_answer_analogies_agree_with_evaluate(world, trained):
    items = world.analogies("plural")
    answers = answer_analogies(trained, items)
    correct = sum(
        answer == d for answer, (_, _, _, d) in zip(answers, items, strict=True)
    )
    assert correct == evaluate_analogies(trained, items)["correct"]
