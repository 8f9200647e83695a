"""Optimisation you can see: gradient descent on a loss surface of two parameters.

A real model's loss lives in millions of dimensions; two can be drawn, and near a minimum every
smooth loss looks like a bowl. :class:`Valley` is such a bowl, steep across and shallow along,
whose curvatures say which learning rates converge; :func:`gradient_descent` records the path
of plain gradient descent on any loss, and :func:`loss_grid` evaluates a loss for a contour
plot.

Introduced in chapter 6.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from stepbytoken.checks import check_float, check_int

__all__ = ["Valley", "DescentPath", "gradient_descent", "loss_grid"]


# ---------------------------------------------------------------------------------------------
# A surface you can see
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Valley:
    """A loss of two parameters shaped like a tilted, elongated bowl.

    ``loss(w) = steep / 2 * u**2 + shallow / 2 * v**2``, where ``(u, v)`` are the coordinates
    of ``w - centre`` along axes turned by ``angle`` degrees: ``u`` across the valley, ``v``
    along its floor. The minimum, 0, is at ``centre``. Gradient descent with learning rate
    ``lr`` multiplies the ``u`` part of the error by ``1 - lr * steep`` at each step and the
    ``v`` part by ``1 - lr * shallow``, so it converges exactly when ``lr < 2 / steep``
    (:attr:`max_stable_lr`).

    Introduced in chapter 6.

    Parameters
    ----------
    steep, shallow
        Curvatures across and along the valley (> 0); their ratio is how elongated it is.
    angle
        Direction of the valley floor, in degrees from the first axis.
    centre
        Where the minimum is.

    Raises
    ------
    TypeError, ValueError
        If a curvature is not a finite number > 0, or ``centre`` is not two finite numbers.

    Examples
    --------
    >>> valley = Valley(steep=10.0, shallow=1.0, angle=0.0, centre=(0.0, 0.0))
    >>> valley(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))  # along the floor, across
    tensor([0.0000, 0.5000, 5.0000])
    >>> valley.max_stable_lr
    0.2
    """

    steep: float = 10.0
    shallow: float = 1.0
    angle: float = 30.0
    centre: tuple[float, float] = (1.0, 0.5)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "steep",
            check_float("steep", self.steep, minimum=0, open_minimum=True),
        )
        object.__setattr__(
            self,
            "shallow",
            check_float("shallow", self.shallow, minimum=0, open_minimum=True),
        )
        if isinstance(self.angle, bool) or not isinstance(self.angle, numbers.Real):
            raise TypeError(f"angle must be a number of degrees, got {self.angle!r}")
        if not math.isfinite(self.angle):
            raise ValueError(
                f"angle must be a finite number of degrees, got {self.angle!r}"
            )
        centre = tuple(self.centre) if isinstance(self.centre, Sequence) else ()
        if len(centre) != 2 or not all(
            isinstance(c, numbers.Real) and not isinstance(c, bool) and math.isfinite(c)
            for c in centre
        ):
            raise ValueError(f"centre must be two finite numbers, got {self.centre!r}")
        object.__setattr__(self, "angle", float(self.angle))
        object.__setattr__(self, "centre", (float(centre[0]), float(centre[1])))

    @property
    def max_stable_lr(self) -> float:
        """The largest learning rate for which gradient descent still converges: ``2 / steep``.

        At exactly this rate the error across the valley flips sign without shrinking.
        """
        return 2.0 / self.steep

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        """The loss at ``w``, a tensor of shape ``(..., 2)``; returns shape ``(...)``."""
        if not isinstance(w, torch.Tensor) or w.shape[-1:] != (2,):
            raise ValueError(
                f"w must be a tensor of shape (..., 2), got {getattr(w, 'shape', w)}"
            )
        if not w.is_floating_point():
            # integer coordinates would make the centre an integer too: a wrong loss, silently
            raise TypeError(f"w must be a floating-point tensor, got dtype {w.dtype}")
        theta = math.radians(self.angle)
        d = w - torch.tensor(self.centre, dtype=w.dtype)  # (..., 2)
        along = d[..., 0] * math.cos(theta) + d[..., 1] * math.sin(theta)  # (...)
        across = -d[..., 0] * math.sin(theta) + d[..., 1] * math.cos(theta)  # (...)
        return 0.5 * self.steep * across**2 + 0.5 * self.shallow * along**2


# ---------------------------------------------------------------------------------------------
# Gradient descent, recorded
# ---------------------------------------------------------------------------------------------


class DescentPath(NamedTuple):
    """Where gradient descent went: its points, their losses, and whether it blew up.

    ``points`` has shape ``(n, dim)`` and ``losses`` shape ``(n,)``, starting with the start
    point; ``diverged`` is True if the run stopped early because the loss passed ``max_loss``
    (the last point is then the first one beyond it).

    Introduced in chapter 6.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged: bool


def gradient_descent(
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    start: Sequence[float],
    *,
    lr: float,
    steps: int,
    max_loss: float = 1e6,
) -> DescentPath:
    """Run plain gradient descent, ``w <- w - lr * grad loss(w)``, and record the path.

    The gradient comes from autograd: each step evaluates the loss, calls ``.backward()``,
    and moves against the gradient. Everything runs in float64, so the path is exact enough
    to compare with theory.

    Introduced in chapter 6.

    Parameters
    ----------
    loss_fn
        Maps a parameter tensor of shape ``(dim,)`` to a scalar loss tensor.
    start
        The starting point, ``dim`` finite numbers.
    lr
        Learning rate (> 0).
    steps
        Number of updates (an int >= 0).
    max_loss
        Stop early, and report ``diverged=True``, once the loss exceeds this (or is not
        finite).

    Returns
    -------
    DescentPath
        Up to ``steps + 1`` points and losses.

    Raises
    ------
    TypeError, ValueError
        If ``loss_fn`` is not callable, ``start`` is not finite numbers, ``lr`` or
        ``max_loss`` is not > 0, or ``steps`` is not an int >= 0.

    Examples
    --------
    On ``loss(w) = w**2`` (gradient ``2 w``) each step multiplies ``w`` by ``1 - 2 lr``:

    >>> path = gradient_descent(lambda w: (w**2).sum(), [1.0], lr=0.25, steps=3)
    >>> path.points[:, 0].tolist(), path.diverged
    ([1.0, 0.5, 0.25, 0.125], False)
    >>> gradient_descent(lambda w: (w**2).sum(), [1.0], lr=2.0, steps=50).diverged
    True
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    lr = check_float("lr", lr, minimum=0, open_minimum=True)
    max_loss = check_float("max_loss", max_loss, minimum=0, open_minimum=True)
    check_int("steps", steps, minimum=0)
    try:
        w = torch.tensor([float(s) for s in start], dtype=torch.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"start must be a sequence of numbers, got {start!r}") from err
    if w.numel() == 0 or not torch.isfinite(w).all():
        raise ValueError(f"start must be one or more finite numbers, got {start!r}")

    points, losses, diverged = [], [], False
    for step in range(int(steps) + 1):
        w.requires_grad_(True)
        loss = loss_fn(w)
        points.append(w.detach().clone())
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]) or losses[-1] > max_loss:
            diverged = True
            break
        if step == steps:
            break
        loss.backward()
        with torch.no_grad():
            w = w - lr * w.grad  # the whole algorithm
    return DescentPath(torch.stack(points).numpy(), np.array(losses), diverged)


def loss_grid(
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    xs: Sequence[float] | np.ndarray,
    ys: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Evaluate a two-parameter loss on a grid, for a contour plot.

    Introduced in chapter 6.

    Parameters
    ----------
    loss_fn
        Maps a tensor of shape ``(..., 2)`` to losses of shape ``(...)`` (like :class:`Valley`).
    xs, ys
        Grid coordinates of the first and second parameter (1-D, not empty).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(ys), len(xs))``: row ``i`` holds the losses at ``y = ys[i]``, as
        plotting libraries expect.

    Raises
    ------
    TypeError, ValueError
        If ``loss_fn`` is not callable, a coordinate list is empty or not 1-D, or the loss
        has the wrong shape.

    Examples
    --------
    >>> loss_grid(Valley(angle=0.0, centre=(0.0, 0.0)), [0.0, 1.0], [0.0, 1.0, 2.0])
    array([[ 0. ,  0.5],
           [ 5. ,  5.5],
           [20. , 20.5]])
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    x = torch.as_tensor(np.asarray(xs, dtype=np.float64))
    y = torch.as_tensor(np.asarray(ys, dtype=np.float64))
    if x.dim() != 1 or y.dim() != 1 or len(x) == 0 or len(y) == 0:
        raise ValueError("xs and ys must be non-empty 1-D sequences of numbers")
    gy, gx = torch.meshgrid(y, x, indexing="ij")  # (ny, nx) each
    with torch.no_grad():
        z = loss_fn(torch.stack([gx, gy], dim=-1))  # (ny, nx, 2) -> (ny, nx)
    if tuple(z.shape) != (len(y), len(x)):
        raise ValueError(
            f"loss_fn returned shape {tuple(z.shape)}, expected {(len(y), len(x))}"
        )
    return z.numpy()
