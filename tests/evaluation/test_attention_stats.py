"""Tests of stepbytoken.evaluation.attention_stats against direct computations."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import (
    diagonal_spread,
    effective_keys,
    previous_token_share,
    softmax_jacobian_norm,
)
from stepbytoken.nn import RotaryEmbedding, causal_mask, sinusoidal_positions

scores = st.builds(
    lambda n, t, seed, scale: (
        scale * torch.randn(n, t, generator=torch.Generator().manual_seed(seed))
    ),
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(0, 10_000),
    st.floats(0.0, 30.0),
)


@settings(max_examples=40, deadline=None)
@given(scores)
def test_effective_keys_is_exp_entropy_between_one_and_the_number_of_keys(s):
    entropy = torch.distributions.Categorical(logits=s.double()).entropy()
    assert effective_keys(s) == pytest.approx(
        entropy.exp().mean().item(), rel=1e-4, abs=1e-5
    )
    assert 1 - 1e-4 <= effective_keys(s) <= s.shape[1] + 1e-4


@settings(max_examples=25, deadline=None)
@given(scores)
def test_jacobian_norm_matches_autograd(s):
    norms = [
        torch.autograd.functional.jacobian(
            lambda r: torch.softmax(r, dim=-1), row
        ).norm()
        for row in s.double()
    ]
    assert softmax_jacobian_norm(s) == pytest.approx(
        torch.stack(norms).mean().item(), abs=1e-5
    )


def test_saturated_softmax_uses_one_key_and_passes_back_nothing():
    s = torch.tensor([[50.0, 0.0, 0.0, 0.0]])
    assert effective_keys(s) == pytest.approx(1.0, abs=1e-6)
    assert softmax_jacobian_norm(s) < 1e-12
    uniform = torch.zeros(1, 4)
    assert effective_keys(uniform) == pytest.approx(4.0)
    assert softmax_jacobian_norm(uniform) == pytest.approx(
        math.sqrt(4 * (3 / 16) ** 2 + 12 * (1 / 16) ** 2)
    )


def test_rope_scores_depend_only_on_distance_and_added_sinusoids_do_not():
    T, d = 24, 16
    g = torch.Generator().manual_seed(3)
    q, k = torch.randn(d, generator=g), torch.randn(d, generator=g)
    rope = RotaryEmbedding(d, block_size=T)
    rope_scores = rope(q.expand(T, d)) @ rope(k.expand(T, d)).T
    pe = sinusoidal_positions(T, d)
    assert diagonal_spread(rope_scores) < 1e-4
    assert diagonal_spread((q + pe) @ (k + pe).T) > 0.1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=9))
def test_toeplitz_matrices_have_no_spread(values):
    T = (len(values) + 1) // 2
    t = torch.tensor(values)
    toeplitz = torch.stack(
        [torch.stack([t[(i - j) % len(values)] for j in range(T)]) for i in range(T)]
    )
    assert diagonal_spread(toeplitz) == 0.0


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="square"):
        diagonal_spread(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="scores must have 2 dimensions"):
        effective_keys(torch.zeros(3))
    with pytest.raises(ValueError, match="floating"):
        softmax_jacobian_norm(torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(TypeError, match="scores must be a torch.Tensor"):
        effective_keys([[0.0, 1.0]])


def test_a_pure_previous_token_head_scores_one_and_a_uniform_head_scores_chance():
    T = 6
    previous = torch.eye(T).roll(-1, dims=1).tril()  # row t puts everything on t - 1
    previous[0, 0] = 1.0
    uniform = causal_mask(T).float() / torch.arange(1, T + 1)[:, None]
    weights = torch.stack([previous, uniform])[None]  # (B=1, heads=2, T, T)
    mean_weight, top_share, chance = previous_token_share(weights)
    assert chance == pytest.approx(sum(1 / (t + 1) for t in range(1, T)) / (T - 1))
    assert mean_weight.tolist() == pytest.approx([1.0, chance])
    assert top_share[0].item() == 1.0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 7), st.integers(1, 3))
def test_previous_token_share_matches_a_loop_over_real_queries(seed, T, B):
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(B, 2, T, T, generator=g).masked_fill(
        ~causal_mask(T), float("-inf")
    )
    weights = scores.softmax(dim=-1)
    lengths = torch.randint(1, T + 1, (B,), generator=g)
    lengths[0] = T  # at least one query after the first position
    real = torch.arange(T)[None, :] < lengths[:, None]  # padding at the end
    mean_weight, top_share, chance = previous_token_share(weights, real)
    rows = [(b, t) for b in range(B) for t in range(1, int(lengths[b]))]
    expected_weight = sum(weights[b, :, t, t - 1] for b, t in rows) / len(rows)
    expected_top = sum(
        (weights[b, :, t].argmax(-1) == t - 1).float() for b, t in rows
    ) / len(rows)
    torch.testing.assert_close(mean_weight, expected_weight)
    torch.testing.assert_close(top_share, expected_top)
    assert chance == pytest.approx(sum(1 / (t + 1) for _, t in rows) / len(rows))


def test_previous_token_share_checks_its_arguments():
    with pytest.raises(ValueError, match="T >= 2"):
        previous_token_share(torch.ones(1, 1, 1))
    with pytest.raises(
        ValueError, match=r"real must be a bool tensor of shape \(1, 3\)"
    ):
        previous_token_share(torch.ones(1, 3, 3), torch.ones(1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="at least one query"):
        previous_token_share(torch.ones(1, 3, 3), torch.tensor([[True, False, False]]))
