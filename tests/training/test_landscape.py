"""Tests of stepbytoken.training.landscape: the valley, gradient descent and the grid."""

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
)

# ---------------------------------------------------------------------------------------------
# Valley


def test_valley_minimum_is_zero_at_the_centre_and_positive_elsewhere():
    valley = Valley(steep=7.0, shallow=0.5, angle=20.0, centre=(0.3, -1.2))
    assert valley(torch.tensor([0.3, -1.2])).item() == pytest.approx(0.0, abs=1e-12)
    w = torch.randn(
        50, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
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
    with pytest.raises(TypeError, match="shallow must be a finite number > 0"):
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
    d = (d0 @ along) * (1 - lr * 1.0) ** k * along + (d0 @ across) * (
        1 - lr * 10.0
    ) ** k * across
    np.testing.assert_allclose(path.points, d + np.array(valley.centre), atol=1e-10)
    assert path.losses.shape == (steps + 1,) and not path.diverged


def test_gradient_descent_diverges_above_the_stable_rate_and_converges_below():
    valley = Valley()
    below = gradient_descent(
        valley, [-1.5, 2.0], lr=0.95 * valley.max_stable_lr, steps=400
    )
    above = gradient_descent(
        valley, [-1.5, 2.0], lr=1.05 * valley.max_stable_lr, steps=400
    )
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


@pytest.mark.parametrize("angle", [math.nan, math.inf, -math.inf])
def test_valley_refuses_a_non_finite_angle(angle):
    with pytest.raises(ValueError, match="angle must be a finite number of degrees"):
        Valley(angle=angle)
    with pytest.raises(TypeError, match="angle must be a number of degrees"):
        Valley(angle=None)


def test_valley_refuses_integer_points():
    with pytest.raises(TypeError, match="floating-point"):
        Valley()(torch.tensor([1, 2]))
