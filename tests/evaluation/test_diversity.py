"""Tests for stepbytoken.evaluation.diversity: distinct-n and repeated n-grams."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import distinct_n, repeated_ngram_fraction

token_lists = st.lists(st.integers(0, 4), min_size=0, max_size=15)


@settings(max_examples=80, deadline=None)
@given(st.lists(token_lists, min_size=1, max_size=5), st.integers(1, 4))
def test_distinct_n_counts_pooled_ngrams(sequences, n):
    grams = [tuple(s[i : i + n]) for s in sequences for i in range(len(s) - n + 1)]
    if not grams:
        with pytest.raises(ValueError, match="no sequence is at least"):
            distinct_n(sequences, n)
        return
    value = distinct_n(sequences, n)
    assert value == len(set(grams)) / len(grams)
    assert 0 < value <= 1


def test_distinct_n_extremes_and_tensor_input():
    assert distinct_n([[1, 2, 3, 4], [5, 6, 7, 8]], 2) == 1.0
    assert distinct_n([[1, 2, 1, 2, 1, 2]], 2) == 2 / 5
    assert distinct_n(torch.tensor([[1, 2, 3], [1, 2, 3]]), 3) == 0.5
    # the same sequences repeated: fewer distinct n-grams per n-gram
    assert distinct_n([[1, 2, 3]] * 4, 2) < distinct_n([[1, 2, 3]], 2)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (([[1, 2]], 0), ValueError),
        (([[1, 2]], 1.5), TypeError),
        (([[1.0, 2.0]], 1), TypeError),
        (("abc", 1), TypeError),
        ((torch.tensor([1, 2, 3]), 1), TypeError),
    ],
)
def test_distinct_n_bad_arguments(args, error):
    with pytest.raises(error):
        distinct_n(*args)


@settings(max_examples=80, deadline=None)
@given(token_lists, st.integers(1, 4))
def test_repeated_ngram_fraction_counts_earlier_occurrences(ids, n):
    if len(ids) < n:
        with pytest.raises(ValueError, match="at least n"):
            repeated_ngram_fraction(ids, n)
        return
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    repeats = sum(g in grams[:i] for i, g in enumerate(grams))
    assert repeated_ngram_fraction(ids, n) == repeats / len(grams)
    assert repeated_ngram_fraction(torch.tensor(ids), n) == repeats / len(grams)


def test_repeated_ngram_fraction_sees_a_loop():
    loop = [7, 8, 9] * 10
    # only the first 3 trigrams are new
    assert repeated_ngram_fraction(loop, 3) == 25 / 28
    assert repeated_ngram_fraction(list(range(30)), 3) == 0.0
    with pytest.raises(TypeError):
        repeated_ngram_fraction([1, True, 2], 1)
