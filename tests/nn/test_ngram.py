"""Tests of the count-based n-gram models (stepbytoken.nn.ngram)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.generation import generate
from stepbytoken.nn import LanguageModel, NGramModel

ids_strategy = st.lists(st.integers(0, 5), min_size=3, max_size=60)


@settings(max_examples=50, deadline=None)
@given(ids_strategy, st.integers(1, 4), st.sampled_from(["add-k", "interpolated"]))
def test_distributions_sum_to_one_and_agree_with_prob(ids, order, smoothing):
    model = NGramModel(order, 6, smoothing=smoothing).fit(ids)
    for context in ([], ids[:1], ids[:3], [5, 5, 5]):
        probs = model.next_token_probs(context)
        assert probs.min() > 0
        assert math.isclose(probs.sum(), 1.0, rel_tol=1e-9)
        for token in range(6):
            assert math.isclose(model.prob(context, token), probs[token], rel_tol=1e-9)


def test_maximum_likelihood_counts_by_hand():
    # "a b a c": after "a" come "b" once and "c" once.
    model = NGramModel(2, 3, smoothing="add-k", k=1e-12).fit([0, 1, 0, 2])
    assert np.allclose(model.next_token_probs([0]), [0, 0.5, 0.5], atol=1e-9)


def test_interpolation_falls_back_to_unigram_for_unseen_context():
    model = NGramModel(3, 4, smoothing="interpolated", k=1e-9).fit([0, 1, 0, 1, 2])
    unigram = NGramModel(1, 4, smoothing="add-k", k=1e-9).fit([0, 1, 0, 1, 2])
    assert np.allclose(model.next_token_probs([3, 3]), unigram.next_token_probs([]), atol=1e-6)


def test_call_gives_log_probs_for_generation():
    model = NGramModel(2, 3, smoothing="add-k", k=1e-9).fit([0, 1, 2, 0, 1, 2, 0])
    assert isinstance(model, LanguageModel) and model.block_size == 1
    logp, loss = model(torch.tensor([[0, 1]]))
    assert logp.shape == (1, 2, 3) and loss is None
    assert torch.allclose(logp.exp().sum(-1), torch.ones(1, 2), atol=1e-6)
    torch.testing.assert_close(
        logp[0, 1].double(),
        torch.from_numpy(model.next_token_probs([0, 1])).log(),
        rtol=1e-6,
        atol=1e-6,
    )
    # A deterministic cycle is reproduced by sampling.
    out = generate(model, [0], max_new_tokens=5, seed=0)
    assert out.tolist() == [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": 0, "vocab_size": 3}, "order must be an int >= 1"),
        ({"order": 2, "vocab_size": 0}, "vocab_size must be an int >= 1"),
        ({"order": 2, "vocab_size": 3, "smoothing": "kneser"}, "smoothing must be one of"),
        ({"order": 2, "vocab_size": 3, "k": 0}, "k must be a finite number > 0"),
        ({"order": 2, "vocab_size": 3, "lambdas": [1.0]}, "lambdas must be 2"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NGramModel(**kwargs)


def test_out_of_range_ids_are_refused():
    with pytest.raises(ValueError, match="token ids must be in 0..2"):
        NGramModel(2, 3).fit([0, 3])


def test_loss_is_the_cross_entropy_of_the_log_probs():
    model = NGramModel(3, 4).fit([0, 1, 2, 3, 0, 2, 1, 3])
    idx, targets = torch.tensor([[0, 1, 2], [3, 0, 2]]), torch.tensor([[1, 2, 3], [0, 2, 1]])
    logits, loss = model(idx, targets)
    rows = zip(idx.tolist(), targets.tolist(), strict=True)
    expected = -np.mean(
        [np.log(model.prob(x[: t + 1], y)) for x, ys in rows for t, y in enumerate(ys)]
    )
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_unigram_reads_one_token_of_context():
    assert NGramModel(1, 4).block_size == 1  # a block_size of 0 would mean "crop to nothing"
