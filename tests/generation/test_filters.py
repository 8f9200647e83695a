"""Tests for stepbytoken.generation.filters: temperature, top-k, top-p and the distribution."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stepbytoken.generation import (
    apply_temperature,
    next_token_distribution,
    sample_next,
    top_k_filter,
    top_p_filter,
)


def brute_force_nucleus(probs: list[float], p: float) -> int:
    """Size of the smallest subset of tokens whose probabilities sum to >= p (by enumeration)."""
    n = len(probs)
    for size in range(1, n + 1):
        if any(
            sum(probs[i] for i in c) >= p
            for c in itertools.combinations(range(n), size)
        ):
            return size
    return n


logit_rows = st.lists(
    st.floats(min_value=-8, max_value=8, allow_nan=False, width=32),
    min_size=1,
    max_size=8,
)
tied_logit_rows = st.lists(st.integers(-2, 2).map(float), min_size=1, max_size=12)


# ----------------------------------------------------------------------------------------------
# Temperature


def test_temperature_divides_logits():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    torch.testing.assert_close(apply_temperature(logits, 0.5), logits * 2)
    torch.testing.assert_close(apply_temperature(logits, 4), logits / 4)


@pytest.mark.parametrize("temperature", [0, 0.0, -1.0])
def test_temperature_zero_or_negative_points_to_greedy(temperature):
    with pytest.raises(
        ValueError, match="temperature must be > 0.*use greedy decoding"
    ):
        apply_temperature(torch.zeros(3), temperature)


@pytest.mark.parametrize(
    "temperature, error",
    [
        (math.nan, ValueError),
        (math.inf, ValueError),
        (True, TypeError),
        ("1", TypeError),
    ],
)
def test_temperature_bad_values(temperature, error):
    with pytest.raises(error, match="temperature"):
        next_token_distribution(torch.zeros(3), temperature=temperature)


def test_lower_temperature_sharpens_and_tends_to_greedy():
    logits = torch.tensor([1.0, 2.5, 2.0, -1.0])
    top = [
        float(next_token_distribution(logits, temperature=t)[1])
        for t in (5, 1, 0.3, 0.05)
    ]
    assert top == sorted(top) and top[0] < 0.4
    assert top[-1] > 0.999
    # Far below any sensible temperature: still a valid one-hot, no overflow to NaN.
    tiny = next_token_distribution(logits, temperature=1e-30)
    torch.testing.assert_close(tiny, F.one_hot(torch.tensor(1), 4).float())
    high = next_token_distribution(logits, temperature=1e6)
    torch.testing.assert_close(high, torch.full((4,), 0.25), atol=1e-5, rtol=0)


@settings(max_examples=60, deadline=None)
@given(logit_rows, st.integers(0, 1000))
def test_low_temperature_sampling_equals_greedy(row, seed):
    logits = torch.tensor(row)
    ordered = sorted(row, reverse=True)
    assume(len(row) == 1 or ordered[0] - ordered[1] > 0.05)
    drawn = sample_next(logits, temperature=1e-4, seed=seed)
    assert int(drawn) == int(sample_next(logits, greedy=True)) == row.index(ordered[0])


# ----------------------------------------------------------------------------------------------
# Top-k


@settings(max_examples=80, deadline=None)
@given(tied_logit_rows, st.integers(1, 14))
def test_top_k_keeps_exactly_k_with_ties_to_the_lower_id(row, k):
    filtered = top_k_filter(torch.tensor(row), k)
    kept = {i for i, v in enumerate(filtered.tolist()) if v != -math.inf}
    # Reference: order by (highest logit, lowest id) and take the first k.
    expected = set(sorted(range(len(row)), key=lambda i: (-row[i], i))[:k])
    assert kept == expected
    assert len(kept) == min(k, len(row))
    assert all(filtered[i] == row[i] for i in kept)  # survivors are untouched


def test_top_k_rows_are_independent_and_k_above_vocab_keeps_all():
    logits = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
    batched = top_k_filter(logits, 2)
    for b in range(4):
        assert torch.equal(batched[b], top_k_filter(logits[b], 2))
    assert torch.equal(top_k_filter(logits, 6), logits)
    assert torch.equal(top_k_filter(logits, 100), logits)


@pytest.mark.parametrize(
    "k, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError)]
)
def test_top_k_bad_k(k, error):
    with pytest.raises(error, match="top_k"):
        top_k_filter(torch.zeros(5), k)


# ----------------------------------------------------------------------------------------------
# Top-p


@settings(max_examples=100, deadline=None)
@given(logit_rows, st.floats(min_value=0.01, max_value=1.0))
def test_top_p_keeps_the_smallest_nucleus(row, p):
    logits = torch.tensor(row)
    probs = torch.softmax(logits.double(), dim=-1).tolist()
    ordered = sorted(probs, reverse=True)
    # Stay away from prefixes whose mass is within rounding of p, where "smallest" is a coin toss.
    assume(all(abs(sum(ordered[: n + 1]) - p) > 1e-9 for n in range(len(ordered))))
    filtered = top_p_filter(logits, p)
    kept = [i for i, v in enumerate(filtered.tolist()) if v != -math.inf]
    assert len(kept) == brute_force_nucleus(probs, p)
    assert sum(probs[i] for i in kept) >= p - 1e-12
    # It is made of the most likely tokens.
    removed = set(range(len(row))) - set(kept)
    assert all(probs[i] >= probs[j] for i in kept for j in removed)


def test_top_p_always_keeps_the_top_token_and_one_keeps_all():
    logits = torch.tensor([0.1, 3.0, 0.2])
    filtered = top_p_filter(logits, 1e-6)
    assert torch.equal(filtered.isfinite(), torch.tensor([False, True, False]))
    assert torch.equal(top_p_filter(logits, 1.0), logits)


def test_top_p_ties_go_to_the_lower_id():
    # Four equally likely tokens: half the mass is reached with two, the first two ids.
    filtered = top_p_filter(torch.zeros(4), 0.5)
    assert filtered.isfinite().tolist() == [True, True, False, False]


@pytest.mark.parametrize(
    "p, error", [(0.0, ValueError), (1.5, ValueError), ("0.5", TypeError)]
)
def test_top_p_bad_p(p, error):
    with pytest.raises(error, match="top_p"):
        top_p_filter(torch.zeros(5), p)


# ----------------------------------------------------------------------------------------------
# The distribution and the draw


def test_next_token_distribution_defaults_to_softmax_and_applies_filters_in_order():
    logits = torch.randn(3, 9, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(
        next_token_distribution(logits), torch.softmax(logits, -1)
    )
    probs = next_token_distribution(logits, temperature=0.7, top_k=5, top_p=0.8)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3))
    expected = torch.softmax(top_p_filter(top_k_filter(logits / 0.7, 5), 0.8), dim=-1)
    torch.testing.assert_close(probs, expected)


@pytest.mark.parametrize(
    "logits", [torch.tensor([-math.inf, -math.inf]), torch.tensor([0.0, math.inf])]
)
def test_next_token_distribution_needs_a_finite_maximum(logits):
    with pytest.raises(ValueError, match="finite"):
        next_token_distribution(logits)


def test_nan_logits_and_bad_types_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        sample_next(torch.tensor([0.0, math.nan]), seed=0)
    with pytest.raises(TypeError, match="logits must be a torch.Tensor"):
        next_token_distribution([0.0, 1.0])
    with pytest.raises(ValueError, match="last dimension"):
        next_token_distribution(torch.tensor(1.0))
