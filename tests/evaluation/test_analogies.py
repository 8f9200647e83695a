"""Tests of analogy answering and scoring (stepbytoken.evaluation.analogies)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import answer_analogies, evaluate_analogies
from stepbytoken.nn import WordVectors
from stepbytoken.tokenizers import WordVocab


@pytest.fixture(scope="module")
def toy() -> WordVectors:
    """king - man + woman = queen in two dimensions; apple points elsewhere."""
    weight = torch.tensor([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0], [0.1, 1.0, 0.0], [0.1, -1.0, 0.0],
                           [0.0, 0.0, 1.0]])  # fmt: skip
    return WordVectors(WordVocab(["king", "queen", "man", "woman", "apple"]), weight)


def random_vectors(vocab_size: int, dim: int, seed: int) -> WordVectors:
    g = torch.Generator().manual_seed(seed)
    vocab = WordVocab([f"w{i}" for i in range(vocab_size)])
    return WordVectors(vocab, torch.randn(vocab_size, dim, generator=g))


def test_evaluate_analogies_counts(toy):
    items = [
        ("king", "queen", "man", "woman"),
        ("man", "woman", "king", "queen"),
        # fmt: skip
        ("queen", "king", "woman", "apple"),
        ("king", "queen", "boy", "girl"),
    ]
    result = evaluate_analogies(toy, items)
    assert (result["correct"], result["n"], result["skipped"]) == (2, 3, 1)
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert result["chance"] == pytest.approx(1 / 2)
    assert "by_relation" not in result
    grouped = evaluate_analogies(toy, {"a": items[:2], "b": items[2:]})
    assert grouped["by_relation"]["a"]["accuracy"] == 1.0
    assert grouped["by_relation"]["b"] == {
        "accuracy": 0.0,
        "n": 1,
        "correct": 0,
        "skipped": 1,
    }
    assert evaluate_analogies(toy, [])["accuracy"] == 0.0
    with pytest.raises(ValueError, match="4 words"):
        evaluate_analogies(toy, [("king", "queen", "man")])


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 12), st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_answer_analogies_match_one_at_a_time(vocab_size, dim, seed):
    wv = random_vectors(vocab_size, dim, seed)
    g = torch.Generator().manual_seed(seed + 1)
    picks = torch.randint(0, vocab_size, (10, 3), generator=g).tolist()
    questions = [
        tuple(wv.vocab.itos[i] for i in row) for row in picks if len(set(row)) == 3
    ]
    assert answer_analogies(wv, questions) == [
        wv.analogy(a, b, c)[0][0] for a, b, c in questions
    ]
    only_c = answer_analogies(wv, questions, method="only-c")
    assert only_c == [wv.nearest(c, k=1, exclude=(a, b))[0][0] for a, b, c in questions]


def test_answer_analogies_errors(toy):
    assert answer_analogies(toy, []) == []
    with pytest.raises(ValueError, match="method must be one of 'offset', 'only-c'"):
        answer_analogies(toy, [("king", "queen", "man")], method="cosmul")
    with pytest.raises(ValueError, match="3 words"):
        answer_analogies(toy, [("king", "queen")])
    with pytest.raises(KeyError, match="not in the vocabulary"):
        answer_analogies(toy, [("king", "queen", "prince")])
    with pytest.raises(ValueError, match="no word left"):
        answer_analogies(
            WordVectors(WordVocab(["a", "b", "c"]), torch.eye(3)), [("a", "b", "c")]
        )
