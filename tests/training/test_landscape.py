"""Tests of stepbytoken.training.landscape: the valley, gradient descent, the grid, backprop by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.training import (
    Valley,
    gradient_descent,
    loss_grid,
    mlp_gradients_by_hand,
    mlp_loss,
)

# ---------------------------------------------------------------------------------------------
# Valley


def test_valley_minimum_is_zero_at_the_centre_and_positive_elsewhere():
    valley = Valley(steep=7.0, shallow=0.5, angle=20.0, centre=(0.3, -1.2))
    assert valley(torch.tensor([0.3, -1.2])).item() == pytest.approx(0.0, abs=1e-12)
    w = torch.randn(50, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert (valley(w) > 0).all()


@settings(max_examples=60, deadline=None)
@given(
    steep=st.floats(0.1, 50),
    shallow=st.floats(0.1, 50),
    angle=st.floats(-180, 180),
    x=st.floats(-5, 5),
    y=st.floats(-5, 5),
)
def test_valley_matches_its_hessian(steep, shallow, angle, x, y):
    """The loss is 1/2 d^T H d with H = R diag(shallow, steep) R^T (along, then across)."""
    valley = Valley(steep=steep, shallow=shallow, angle=angle, centre=(0.5, -0.5))
    theta = math.radians(angle)
    along = np.array([math.cos(theta), math.sin(theta)])
    across = np.array([-math.sin(theta), math.cos(theta)])
    hessian = shallow * np.outer(along, along) + steep * np.outer(across, across)
    d = np.array([x - 0.5, y + 0.5])
    expected = 0.5 * d @ hessian @ d
    got = valley(torch.tensor([x, y], dtype=torch.float64)).item()
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_valley_validates_its_arguments():
    with pytest.raises(ValueError, match="steep must be a finite number > 0"):
        Valley(steep=0.0)
    with pytest.raises(TypeError, match="shallow must be a number > 0"):
        Valley(shallow="1")
    with pytest.raises(ValueError, match="centre must be two finite numbers"):
        Valley(centre=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="shape"):
        Valley()(torch.zeros(3))


# ---------------------------------------------------------------------------------------------
# gradient_descent


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.19])
def test_gradient_descent_matches_the_closed_form_on_the_valley(lr):
    """Along each axis of the bowl the error is multiplied by (1 - lr * curvature) per step."""
    valley = Valley(steep=10.0, shallow=1.0, angle=30.0, centre=(1.0, 0.5))
    start, steps = np.array([-1.5, 2.0]), 25
    path = gradient_descent(valley, start.tolist(), lr=lr, steps=steps)
    theta = math.radians(30.0)
    along = np.array([math.cos(theta), math.sin(theta)])
    across = np.array([-math.sin(theta), math.cos(theta)])
    d0 = start - np.array(valley.centre)
    k = np.arange(steps + 1)[:, None]
    d = (d0 @ along) * (1 - lr * 1.0) ** k * along + (d0 @ across) * (1 - lr * 10.0) ** k * across
    np.testing.assert_allclose(path.points, d + np.array(valley.centre), atol=1e-10)
    assert path.losses.shape == (steps + 1,) and not path.diverged


def test_gradient_descent_diverges_above_the_stable_rate_and_converges_below():
    valley = Valley()
    below = gradient_descent(valley, [-1.5, 2.0], lr=0.95 * valley.max_stable_lr, steps=400)
    above = gradient_descent(valley, [-1.5, 2.0], lr=1.05 * valley.max_stable_lr, steps=400)
    assert not below.diverged and below.losses[-1] < 1e-6
    assert above.diverged and above.losses[-1] > 1e6
    assert len(above.losses) < 401  # stopped early


def test_gradient_descent_with_zero_steps_returns_the_start():
    path = gradient_descent(Valley(), [0.0, 0.0], lr=0.1, steps=0)
    assert path.points.tolist() == [[0.0, 0.0]] and len(path.losses) == 1


def test_gradient_descent_validates_its_arguments():
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        gradient_descent(3, [0.0], lr=0.1, steps=1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        gradient_descent(Valley(), [0.0, 0.0], lr=-0.1, steps=1)
    with pytest.raises(ValueError, match="steps must be an int >= 0"):
        gradient_descent(Valley(), [0.0, 0.0], lr=0.1, steps=-1)
    with pytest.raises(ValueError, match="finite"):
        gradient_descent(Valley(), [float("nan"), 0.0], lr=0.1, steps=1)
    with pytest.raises(TypeError, match="start must be a sequence of numbers"):
        gradient_descent(Valley(), ["a", 0.0], lr=0.1, steps=1)


# ---------------------------------------------------------------------------------------------
# loss_grid


def test_loss_grid_matches_pointwise_evaluation():
    valley = Valley()
    xs, ys = np.linspace(-2, 3, 7), np.linspace(-1, 2, 5)
    grid = loss_grid(valley, xs, ys)
    assert grid.shape == (5, 7)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            point = torch.tensor([x, y], dtype=torch.float64)
            assert grid[i, j] == pytest.approx(valley(point).item())


def test_loss_grid_validates_its_arguments():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        loss_grid(Valley(), [], [0.0])
    with pytest.raises(ValueError, match="returned shape"):
        loss_grid(lambda w: w.sum(), [0.0, 1.0], [0.0])


# ---------------------------------------------------------------------------------------------
# Backpropagation by hand


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
            numeric = (mlp_loss(x, targets, **up) - mlp_loss(x, targets, **down)).item() / (2 * eps)
            assert by_hand[name].reshape(-1)[i].item() == pytest.approx(numeric, abs=1e-7)


def test_mlp_functions_validate_shapes():
    x, targets, w = _random_mlp(0, 4, 3, 5, 2)
    with pytest.raises(ValueError, match="w2 must have shape"):
        mlp_loss(x, targets, w["w1"], w["b1"], w["w2"].T, w["b2"])
    with pytest.raises(ValueError, match="targets shape"):
        mlp_gradients_by_hand(x, targets[:2], **w)
    with pytest.raises(ValueError, match="class ids in"):
        mlp_loss(x, torch.tensor([0, 1, 2, 0]), **w)
    with pytest.raises(TypeError, match="integer class ids"):
        mlp_loss(x, targets.double(), **w)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        mlp_loss(x.numpy(), targets, **w)
