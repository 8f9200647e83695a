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
    assert np.allclose(
        model.next_token_probs([3, 3]), unigram.next_token_probs([]), atol=1e-6
    )


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
        (
            {"order": 2, "vocab_size": 3, "smoothing": "kneser"},
            "smoothing must be one of",
        ),
        ({"order": 2, "vocab_size": 3, "k": 0}, "k must be a finite number > 0"),
        ({"order": 2, "vocab_size": 3, "lambdas": [1.0]}, "lambdas must be 2"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NGramModel(**kwargs)


def test_out_of_range_ids_are_refused():
    with pytest.raises(ValueError, match=r"ids must hold token ids in \[0, 3\)"):
        NGramModel(2, 3).fit([0, 3])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.fit([0, 1.5]), TypeError, r"ids\[1\] must be an int"),
        (lambda m: m.fit("012"), TypeError, "ids must be a sequence of int"),
        (lambda m: m.prob([0], 99), ValueError, r"token must be an int in \[0, 2\]"),
        (lambda m: m.prob([0], 1.0), TypeError, "token must be an int"),
        (lambda m: m.next_token_probs([7]), ValueError, "context must hold token ids"),
        (lambda m: m.token_probs([0, -1]), ValueError, "ids must hold token ids"),
        (lambda m: m(torch.tensor([[0, 5]])), ValueError, "idx must hold token ids"),
        (
            lambda m: m(torch.tensor([[0]]), torch.tensor([[3]])),
            ValueError,
            "targets must hold",
        ),
        (
            lambda m: m(torch.tensor([[0]]), torch.tensor([[-1]])),
            ValueError,
            "other than -1",
        ),
    ],
)
def test_bad_ids_are_refused_everywhere(call, error, message):
    with pytest.raises(error, match=message):
        call(NGramModel(2, 3).fit([0, 1, 2, 0]))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"k": float("inf")}, ValueError, "k must be a finite number > 0"),
        (
            {"lambdas": [float("nan"), 1.0]},
            ValueError,
            r"lambdas\[0\] must be a finite",
        ),
        (
            {"lambdas": [float("inf"), 1.0]},
            ValueError,
            r"lambdas\[0\] must be a finite",
        ),
        ({"lambdas": [1e308, 1e308]}, ValueError, "lambdas must have a finite sum"),
        ({"lambdas": "ab"}, TypeError, "lambdas must be a sequence"),
        ({"lambdas": [1, "a"]}, TypeError, r"lambdas\[1\] must be a finite number"),
    ],
)
def test_bad_smoothing_settings_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        NGramModel(2, 3, **kwargs)


def test_targets_of_minus_one_are_left_out_of_the_loss():
    model = NGramModel(2, 3).fit([0, 1, 2, 0])
    idx = torch.tensor([[0, 1]])
    _, full = model(idx, torch.tensor([[1, 0]]))
    _, part = model(idx, torch.tensor([[1, -1]]))
    logits, _ = model(idx)
    assert torch.isclose(part, -logits[0, 0, 1])
    assert not torch.isclose(part, full)


def test_loss_is_the_cross_entropy_of_the_log_probs():
    model = NGramModel(3, 4).fit([0, 1, 2, 3, 0, 2, 1, 3])
    idx, targets = (
        torch.tensor([[0, 1, 2], [3, 0, 2]]),
        torch.tensor([[1, 2, 3], [0, 2, 1]]),
    )
    logits, loss = model(idx, targets)
    rows = zip(idx.tolist(), targets.tolist(), strict=True)
    expected = -np.mean(
        [np.log(model.prob(x[: t + 1], y)) for x, ys in rows for t, y in enumerate(ys)]
    )
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_unigram_reads_one_token_of_context():
    # a block_size of 0 would mean "crop to nothing"
    assert NGramModel(1, 4).block_size == 1


@settings(max_examples=50, deadline=None)
@given(st.lists(ids_strategy, min_size=1, max_size=3), st.integers(1, 4))
def test_fit_counts_every_ngram_as_a_plain_loop_does(texts, order):
    # The reference: one count per position and order, in the order the text is read
    # (fit counts each order's n-grams at once); fitting several texts adds their counts.
    expected = [{} for _ in range(order)]
    for ids in texts:
        for t, token in enumerate(ids):
            for m in range(min(order, t + 1)):
                counter = expected[m].setdefault(tuple(ids[t - m : t]), {})
                counter[token] = counter.get(token, 0) + 1
    model = NGramModel(order, 6)
    for ids in texts:
        model.fit(ids)
    got = [{ctx: dict(c) for ctx, c in counts.items()} for counts in model.counts]
    assert got == expected
    # contexts in first-seen order
    assert [list(c) for c in got] == [list(c) for c in expected]
    unigram = model.k + np.bincount([i for ids in texts for i in ids], minlength=6)
    # counts + k, as next_token_probs reads
    assert np.array_equal(model._unigram, unigram)
