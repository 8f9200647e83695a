"""Optimisation you can see: a loss surface of two parameters, and backpropagation by hand.

A real model has millions of parameters, and its loss is a surface in as many dimensions; no
one can draw that. Two parameters can be drawn, and near a minimum every smooth loss looks
like a bowl (its second-order Taylor expansion), so this module offers:

1. :class:`Valley`, a tilted, elongated bowl of two parameters: steep across, shallow along.
   Its curvatures say exactly which learning rates converge (``lr < 2 / steep``).
2. :func:`gradient_descent`, plain gradient descent on any loss of a tensor, with the
   gradient from PyTorch's autograd, recording the path it takes.
3. :func:`loss_grid`, a loss evaluated on a grid of points, for contour plots.
4. :func:`mlp_loss` and :func:`mlp_gradients_by_hand`: a two-layer network with a softmax
   and cross-entropy, and its gradients derived with the chain rule and written out by
   hand, to be checked against autograd.

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
import torch.nn.functional as F

__all__ = [
    "Valley",
    "DescentPath",
    "gradient_descent",
    "loss_grid",
    "mlp_loss",
    "mlp_gradients_by_hand",
]


def _check_positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number > 0, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return float(value)


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
        object.__setattr__(self, "steep", _check_positive("steep", self.steep))
        object.__setattr__(self, "shallow", _check_positive("shallow", self.shallow))
        if isinstance(self.angle, bool) or not isinstance(self.angle, numbers.Real):
            raise TypeError(f"angle must be a number of degrees, got {self.angle!r}")
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
            raise ValueError(f"w must be a tensor of shape (..., 2), got {getattr(w, 'shape', w)}")
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
    lr = _check_positive("lr", lr)
    max_loss = _check_positive("max_loss", max_loss)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
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
        raise ValueError(f"loss_fn returned shape {tuple(z.shape)}, expected {(len(y), len(x))}")
    return z.numpy()


# ---------------------------------------------------------------------------------------------
# Backpropagation by hand
# ---------------------------------------------------------------------------------------------


def _check_mlp(x, targets, w1, b1, w2, b2) -> None:
    tensors = {"x": x, "targets": targets, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    for name, t in tensors.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dim() != 2 or targets.dim() != 1 or len(targets) != len(x):
        raise ValueError(
            f"x must have shape (N, d_in) and targets shape (N,), got {tuple(x.shape)} "
            f"and {tuple(targets.shape)}"
        )
    if targets.is_floating_point():
        raise TypeError("targets must be integer class ids")
    d_in, d_hidden, n_out = x.shape[1], w1.shape[-1], w2.shape[-1]
    expected = {"w1": (d_in, d_hidden), "b1": (d_hidden,), "w2": (d_hidden, n_out), "b2": (n_out,)}
    for name, shape in expected.items():
        if tuple(tensors[name].shape) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(tensors[name].shape)}")
    if len(targets) and (targets.min() < 0 or targets.max() >= n_out):
        raise ValueError(f"targets must be class ids in [0, {n_out - 1}]")


def mlp_loss(
    x: torch.Tensor,
    targets: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> torch.Tensor:
    """Mean cross-entropy of a two-layer network: ``softmax(tanh(x w1 + b1) w2 + b2)``.

    Introduced in chapter 6.

    Parameters
    ----------
    x
        Inputs, shape ``(N, d_in)``.
    targets
        The right class of each input, integer ids of shape ``(N,)`` in ``[0, n_out)``.
    w1, b1
        First layer, shapes ``(d_in, d_hidden)`` and ``(d_hidden,)``.
    w2, b2
        Second layer, shapes ``(d_hidden, n_out)`` and ``(n_out,)``.

    Returns
    -------
    torch.Tensor
        The scalar loss, in nats (differentiable with autograd).

    Raises
    ------
    TypeError, ValueError
        If an argument is not a tensor or the shapes do not fit together.

    Examples
    --------
    With every weight at zero the network gives each of the 4 classes probability 1/4:

    >>> z = torch.zeros
    >>> loss = mlp_loss(torch.ones(2, 3), torch.tensor([0, 3]), z(3, 5), z(5), z(5, 4), z(4))
    >>> round(loss.item(), 4), round(math.log(4), 4)
    (1.3863, 1.3863)
    """
    _check_mlp(x, targets, w1, b1, w2, b2)
    h = torch.tanh(x @ w1 + b1)  # (N, d_in) -> (N, d_hidden)
    logits = h @ w2 + b2  # (N, d_hidden) -> (N, n_out)
    return F.cross_entropy(logits, targets)


def mlp_gradients_by_hand(
    x: torch.Tensor,
    targets: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The gradients of :func:`mlp_loss`, worked out with the chain rule, without autograd.

    A forward pass keeps what the backward pass needs (``h`` and ``probs``); the backward
    pass then goes through the layers in reverse, turning the gradient with respect to each
    layer's output into gradients for its weights and for its input:

    * softmax with cross-entropy: ``dlogits = (probs - one_hot(targets)) / N``;
    * a linear layer ``out = h w2 + b2``: ``dw2 = h.T dlogits``, ``db2`` = column sums of
      ``dlogits``, and ``dh = dlogits w2.T``;
    * ``tanh``: its derivative is ``1 - tanh**2``, so ``dpre = dh * (1 - h**2)``;
    * the first layer like the second: ``dw1 = x.T dpre``, ``db1`` = column sums of ``dpre``.

    Introduced in chapter 6.

    Parameters
    ----------
    x, targets, w1, b1, w2, b2
        As in :func:`mlp_loss`.

    Returns
    -------
    dict[str, torch.Tensor]
        ``{"w1": ..., "b1": ..., "w2": ..., "b2": ...}``, each of its parameter's shape.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a tensor or the shapes do not fit together.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> x, t = torch.randn(4, 3, generator=g), torch.tensor([0, 1, 1, 0])
    >>> grads = mlp_gradients_by_hand(x, t, torch.randn(3, 5, generator=g), torch.zeros(5),
    ...                               torch.randn(5, 2, generator=g), torch.zeros(2))
    >>> {name: tuple(grad.shape) for name, grad in grads.items()}
    {'w1': (3, 5), 'b1': (5,), 'w2': (5, 2), 'b2': (2,)}
    """
    _check_mlp(x, targets, w1, b1, w2, b2)
    with torch.no_grad():
        # forward, keeping the intermediate values
        h = torch.tanh(x @ w1 + b1)  # (N, d_hidden)
        probs = torch.softmax(h @ w2 + b2, dim=-1)  # (N, n_out)
        # backward, from the loss to the inputs of each layer
        dlogits = (probs - F.one_hot(targets, probs.shape[-1]).to(probs.dtype)) / len(x)
        dw2 = h.T @ dlogits  # (d_hidden, N) @ (N, n_out)
        db2 = dlogits.sum(dim=0)
        dh = dlogits @ w2.T  # (N, n_out) @ (n_out, d_hidden)
        dpre = dh * (1 - h**2)  # through tanh
        dw1 = x.T @ dpre  # (d_in, N) @ (N, d_hidden)
        db1 = dpre.sum(dim=0)
    return {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
