"""Tests of stepbytoken.evaluation.attention_cost: arithmetic, measured memory and growth rates."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import (
    AttentionCost,
    attention_cost,
    growth_exponent,
    peak_bytes,
    score_matrix_bytes,
)


def test_score_matrix_bytes_is_one_number_per_pair_and_head():
    assert score_matrix_bytes(10) == 400
    assert score_matrix_bytes(10, n_head=3, batch_size=2, itemsize=2) == 2 * 3 * 100 * 2
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        score_matrix_bytes(0)
    with pytest.raises(TypeError, match="n_head must be an int"):
        score_matrix_bytes(4, n_head=1.5)


def test_peak_bytes_sees_what_is_held_at_once_and_not_what_was_freed():
    n = 1 << 16  # 256 KiB of float32

    def one_after_another():
        for _ in range(3):
            torch.ones(n)  # freed before the next one is made

    def all_at_once():
        return [torch.ones(n) for _ in range(3)]

    assert peak_bytes(one_after_another) == 4 * n
    assert peak_bytes(all_at_once) == 3 * 4 * n
    with pytest.raises(TypeError, match="fn must be callable"):
        peak_bytes(3)


def test_explicit_attention_holds_the_score_matrix_and_its_memory_grows_as_t_squared():
    cost = attention_cost([32, 64, 128], n_head=2, d_head=8, repeats=1)
    assert isinstance(cost, AttentionCost)
    assert cost.lengths == (32, 64, 128)
    assert cost.score_bytes == tuple(2 * T * T * 4 for T in (32, 64, 128))
    for method in ("explicit", "fused"):
        assert len(cost.seconds[method]) == 3 and min(cost.seconds[method]) > 0
    explicit = cost.peak_bytes["explicit"]
    assert all(p >= s for p, s in zip(explicit, cost.score_bytes, strict=True))
    assert growth_exponent(cost.lengths, explicit) == pytest.approx(2.0, abs=0.2)


def test_attention_cost_checks_its_arguments():
    with pytest.raises(ValueError, match="lengths must be a non-empty sequence"):
        attention_cost([], n_head=1, d_head=4)
    with pytest.raises(
        ValueError, match=r"lengths\[\d\] must be an int in \[1, 32768\]"
    ):
        attention_cost([8, 0], n_head=1, d_head=4)
    with pytest.raises(ValueError, match="repeats must be an int >= 1"):
        attention_cost([8], n_head=1, d_head=4, repeats=0)


@settings(max_examples=40, deadline=None)
@given(st.floats(-1.0, 3.0), st.floats(0.01, 100.0), st.integers(2, 6))
def test_growth_exponent_recovers_the_power_of_a_power_law(power, factor, n):
    lengths = [2.0**i for i in range(n)]
    values = [factor * t**power for t in lengths]
    assert growth_exponent(lengths, values) == pytest.approx(power, abs=1e-9)


def test_growth_exponent_checks_its_arguments():
    with pytest.raises(ValueError, match="same length, at least 2"):
        growth_exponent([1, 2], [1])
    with pytest.raises(ValueError, match="positive"):
        growth_exponent([1, 2], [1, 0])
    with pytest.raises(ValueError, match="two different"):
        growth_exponent([2, 2], [1, 3])
