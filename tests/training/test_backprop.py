"""Tests of stepbytoken.training.backprop: gradients by hand against autograd."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.training import mlp_gradients_by_hand, mlp_loss


def _random_mlp(seed, n, d_in, d_hidden, n_out):
    g = torch.Generator().manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    x = randn(n, d_in)
    targets = torch.randint(0, n_out, (n,), generator=g)
    weights = {
        "w1": randn(d_in, d_hidden),
        "b1": randn(d_hidden),
        "w2": randn(d_hidden, n_out),
        "b2": randn(n_out),
    }
    return x, targets, weights


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 9),
    d_in=st.integers(1, 6),
    d_hidden=st.integers(1, 8),
    n_out=st.integers(2, 5),
)
def test_gradients_by_hand_match_autograd(seed, n, d_in, d_hidden, n_out):
    x, targets, weights = _random_mlp(seed, n, d_in, d_hidden, n_out)
    leaves = {name: w.clone().requires_grad_(True) for name, w in weights.items()}
    mlp_loss(x, targets, **leaves).backward()
    by_hand = mlp_gradients_by_hand(x, targets, **weights)
    assert set(by_hand) == set(leaves)
    for name, w in leaves.items():
        torch.testing.assert_close(by_hand[name], w.grad, rtol=1e-9, atol=1e-12)


def test_loss_matches_a_direct_computation():
    x, targets, w = _random_mlp(1, 6, 4, 5, 3)
    logits = torch.tanh(x @ w["w1"] + w["b1"]) @ w["w2"] + w["b2"]
    probs = torch.softmax(logits, dim=-1)
    expected = -torch.log(probs[torch.arange(6), targets]).mean()
    assert mlp_loss(x, targets, **w).item() == pytest.approx(expected.item(), rel=1e-12)


def test_gradients_by_hand_match_finite_differences():
    x, targets, weights = _random_mlp(2, 5, 3, 4, 3)
    by_hand = mlp_gradients_by_hand(x, targets, **weights)
    eps = 1e-6
    for name in weights:
        flat = weights[name].reshape(-1)
        for i in range(0, flat.numel(), 3):
            up = {k: v.clone() for k, v in weights.items()}
            down = {k: v.clone() for k, v in weights.items()}
            up[name].view(-1)[i] += eps
            down[name].view(-1)[i] -= eps
            numeric = (
                mlp_loss(x, targets, **up) - mlp_loss(x, targets, **down)
            ).item() / (2 * eps)
            assert by_hand[name].reshape(-1)[i].item() == pytest.approx(
                numeric, abs=1e-7
            )


def test_mlp_functions_validate_shapes():
    x, targets, w = _random_mlp(0, 4, 3, 5, 2)
    with pytest.raises(ValueError, match="w2 must have shape"):
        mlp_loss(x, targets, w["w1"], w["b1"], w["w2"].T, w["b2"])
    with pytest.raises(ValueError, match="targets shape"):
        mlp_gradients_by_hand(x, targets[:2], **w)
    with pytest.raises(ValueError, match="class ids in"):
        mlp_loss(x, torch.tensor([0, 1, 2, 0]), **w)
    with pytest.raises(ValueError, match="targets must be a tensor of integer dtype"):
        mlp_loss(x, targets.double(), **w)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        mlp_loss(x.numpy(), targets, **w)
