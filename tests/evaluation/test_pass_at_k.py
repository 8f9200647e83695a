"""The unbiased pass@k estimator against enumeration and simulation, and the naive one's bias."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation.pass_at_k import (
    mean_pass_at_k,
    naive_pass_at_k,
    pass_at_k,
    pass_at_k_curve,
)


@st.composite
def counts(draw):
    n = draw(st.integers(1, 10))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@given(counts())
def test_equals_the_share_of_k_subsets_holding_a_correct_sample(nck):
    n, c, k = nck
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(samples, k))
    expected = sum(any(s) for s in subsets) / len(subsets)
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


@given(counts())
def test_matches_the_binomial_formula(nck):
    n, c, k = nck
    expected = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_edge_cases():
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 6, 5) == 1.0  # n - c = 4 < k: exact
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert naive_pass_at_k(10, 3, 1) == pytest.approx(0.3)  # k = 1: both are c / n


def test_stable_for_large_n():
    # C(2000, 1000) overflows a float; the product form does not
    value = pass_at_k(2000, 7, 1000)
    assert 0.99 < value < 1.0
    assert value == pytest.approx(1 - math.comb(1993, 1000) / math.comb(2000, 1000))


def test_naive_differs_and_is_lower():
    assert naive_pass_at_k(10, 3, 2) == pytest.approx(0.51)
    assert pass_at_k(10, 3, 2) == pytest.approx(1 - 21 / 45)
    assert naive_pass_at_k(5, 3, 3) < pass_at_k(5, 3, 3) == 1.0


def test_unbiased_in_expectation_naive_is_not():
    # a problem solved with probability p per sample; the true pass@k is 1 - (1 - p)^k
    p, n, k, trials = 0.1, 10, 5, 40_000
    truth = 1 - (1 - p) ** k
    c = np.random.default_rng(0).binomial(n, p, size=trials)
    values, freq = np.unique(c, return_counts=True)
    unbiased = (
        sum(f * pass_at_k(n, int(v), k) for v, f in zip(values, freq, strict=True))
        / trials
    )
    naive = (
        sum(
            f * naive_pass_at_k(n, int(v), k) for v, f in zip(values, freq, strict=True)
        )
        / trials
    )
    # standard error of the unbiased mean is about 0.0015
    assert unbiased == pytest.approx(truth, abs=0.006)
    assert truth - naive > 0.05  # 0.410 true against about 0.33


def test_mean_over_problems():
    assert mean_pass_at_k([0, 5, 10], n=10, k=1) == pytest.approx(0.5)
    assert mean_pass_at_k([2, 2], n=4, k=2) == pytest.approx(pass_at_k(4, 2, 2))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((0, 0, 1), ValueError),
        ((5, 6, 1), ValueError),
        ((5, 2, 6), ValueError),
        ((5, 2, 0), ValueError),
        ((5.0, 2, 1), TypeError),
        ((5, True, 1), TypeError),
    ],
)
def test_bad_counts(args, error):
    with pytest.raises(error):
        pass_at_k(*args)
    with pytest.raises(error):
        naive_pass_at_k(*args)


def test_bad_mean_arguments():
    with pytest.raises(ValueError, match="counts"):
        mean_pass_at_k([], n=5, k=1)
    with pytest.raises(ValueError, match=r"counts\[1\]"):
        mean_pass_at_k([1, 6], n=5, k=1)
    with pytest.raises(TypeError, match="counts"):
        mean_pass_at_k("12", n=5, k=1)


@given(st.lists(st.integers(0, 6), min_size=1, max_size=5))
def test_the_curve_is_both_estimates_at_every_k(counts):
    curve = pass_at_k_curve(counts, n=6)
    assert curve.k == (1, 2, 3, 4, 5, 6)
    for k, unbiased, naive in zip(curve.k, curve.unbiased, curve.naive, strict=True):
        assert unbiased == pytest.approx(mean_pass_at_k(counts, 6, k))
        assert naive <= unbiased + 1e-12  # 1 - (1-p)^k is concave: the naive one is low
    assert curve.unbiased[0] == pytest.approx(curve.naive[0])  # k = 1: both are c / n
    assert list(curve.unbiased) == sorted(curve.unbiased)


def test_the_curve_rejects_bad_counts():
    with pytest.raises(ValueError):
        pass_at_k_curve([], n=3)
    with pytest.raises(ValueError):
        pass_at_k_curve([4], n=3)
