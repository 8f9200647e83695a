"""Scaling laws: power laws, IsoFLOP minima and the parametric fit L(N, D).

Three ways of reading a sweep of models trained at many sizes ``N`` (parameters) on many
amounts of data ``D`` (tokens), with compute counted as ``C = 6 N D``:

- :func:`fit_power_law`: a straight line in log-log space, ``y = k x^p``, the form of Kaplan
  et al. (2020, arXiv:2001.08361, §1.2), e.g. the loss against ``N`` or the loss-minimising
  ``N`` against ``C``;
- :func:`isoflop_minima`: Hoffmann et al.'s approach 2 (2022, arXiv:2203.15556, §3.2): at
  each compute budget, a parabola in ``log N`` through the losses, and its minimum;
- :func:`fit_parametric`: their approach 3 (§3.3): ``L(N, D) = E + A / N^alpha + B / D^beta``
  fitted by minimising a Huber loss (``delta = 1e-3``) between the predicted and the observed
  log-loss with L-BFGS, from a grid of starting points;

and :func:`compute_optimal`, the ``N`` and ``D`` that minimise a parametric fit's loss at a
given compute (their eq. 4).

Introduced in chapter 19.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from stepbytoken.checks import check_bool, check_float, check_floats, check_int

__all__ = [
    "POLISHED",
    "START_GRID",
    "IsoFLOPMinimum",
    "ParametricFit",
    "PowerLaw",
    "compute_optimal",
    "fit_parametric",
    "fit_power_law",
    "isoflop_minima",
]


class PowerLaw(NamedTuple):
    """A power law ``y = coefficient * x ** exponent``.

    Introduced in chapter 19.

    Fields:
        coefficient (float): ``y`` at ``x = 1``.
        exponent (float): the slope in log-log space (negative for a falling loss).
    """

    coefficient: float
    exponent: float

    def __call__(self, x: float) -> float:
        """The law's value at ``x`` (> 0)."""
        return self.coefficient * check_float("x", x, minimum=0, open_minimum=True) ** (
            self.exponent
        )


class IsoFLOPMinimum(NamedTuple):
    """The bottom of one IsoFLOP profile (Hoffmann et al.'s approach 2).

    Introduced in chapter 19.

    Fields:
        compute (float): the budget C in FLOPs.
        params (float): the loss-minimising N from the parabola in log N.
        tokens (float): the matching D = C / (6 N).
        loss (float): the parabola's value at its minimum.
        points (int): how many runs the parabola went through.
    """

    compute: float
    params: float
    tokens: float
    loss: float
    points: int


class ParametricFit(NamedTuple):
    """``L(N, D) = E + A / N**alpha + B / D**beta`` (Hoffmann et al. 2022, eq. 2).

    Introduced in chapter 19.

    Fields:
        E (float): the loss no model or data size removes.
        A, alpha (float): the term that more parameters shrink.
        B, beta (float): the term that more tokens shrink.
        objective (float): the Huber loss at the fit (None for published constants).
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float | None = None

    def loss(self, params: float, tokens: float) -> float:
        """The predicted loss of ``params`` parameters trained on ``tokens`` tokens."""
        n = check_float("params", params, minimum=0, open_minimum=True)
        d = check_float("tokens", tokens, minimum=0, open_minimum=True)
        return self.E + self.A / n**self.alpha + self.B / d**self.beta


def _positive(name: str, values: object, min_size: int) -> np.ndarray:
    out = np.asarray(check_floats(name, values, min_size=min_size))
    if (out <= 0).any():
        raise ValueError(f"{name} must all be > 0, got {out[out <= 0][0]}")
    return out


def _same_length(**arrays: np.ndarray) -> None:
    sizes = {name: len(a) for name, a in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"the inputs must have the same length, got {sizes}")


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> PowerLaw:
    """Least-squares line through ``(log x, log y)``: the power law ``y = k x^p``.

    Introduced in chapter 19.

    Parameters
    ----------
    x, y : sequence of float
        At least two positive values each, of the same length, not all ``x`` equal.

    Returns
    -------
    PowerLaw

    Raises
    ------
    TypeError, ValueError
        For non-numbers, values <= 0, different lengths or a single distinct ``x``.

    Examples
    --------
    >>> law = fit_power_law([1, 10, 100], [8.0, 4.0, 2.0])  # halves every factor of 10
    >>> round(law.coefficient, 3), round(law.exponent, 4)
    (8.0, -0.301)
    """
    xs, ys = _positive("x", x, 2), _positive("y", y, 2)
    _same_length(x=xs, y=ys)
    if np.ptp(np.log(xs)) == 0:
        raise ValueError("x must hold at least two different values")
    slope, intercept = np.polyfit(np.log(xs), np.log(ys), 1)
    return PowerLaw(float(math.exp(intercept)), float(slope))


def isoflop_minima(
    compute: Sequence[float],
    params: Sequence[float],
    loss: Sequence[float],
    *,
    min_points: int = 3,
    inside: bool = True,
) -> list[IsoFLOPMinimum]:
    """For each compute budget, the loss-minimising size from a parabola in ``log N``.

    Runs are grouped by their ``compute`` value (equal budgets must be equal numbers).
    A budget with fewer than ``min_points`` runs, or whose parabola opens downwards
    (no minimum), is left out; so is one whose minimum lies outside the sizes it
    tried, unless ``inside`` is False (such a minimum is an extrapolation).

    Introduced in chapter 19.

    Parameters
    ----------
    compute, params, loss : sequence of float
        One value per run, all > 0, of the same length.
    min_points : int, default 3
        Fewest runs a budget needs (>= 3).
    inside : bool, default True
        Keep only minima between the smallest and the largest size tried at that budget.

    Returns
    -------
    list of IsoFLOPMinimum
        By increasing budget.

    Examples
    --------
    >>> n = [1e3, 1e4, 1e5]
    >>> loss = [(math.log10(x) - 4) ** 2 + 2.0 for x in n]  # lowest at N = 1e4
    >>> best = isoflop_minima([6e8] * 3, n, loss)[0]
    >>> round(best.params), round(best.tokens), round(best.loss, 3)
    (10000, 10000, 2.0)
    """
    cs = _positive("compute", compute, 1)
    ns = _positive("params", params, 1)
    ls = _positive("loss", loss, 1)
    _same_length(compute=cs, params=ns, loss=ls)
    min_points = check_int("min_points", min_points, minimum=3)
    inside = check_bool("inside", inside)
    minima = []
    for budget in sorted(set(cs.tolist())):
        mask = cs == budget
        logn = np.log(ns[mask])
        if mask.sum() < min_points or len(set(logn.tolist())) < 3:
            continue
        a, b, c = np.polyfit(logn, ls[mask], 2)
        if a <= 0:
            continue
        best = -b / (2 * a)
        if inside and not logn.min() <= best <= logn.max():
            continue
        n_opt = float(math.exp(best))
        minima.append(
            IsoFLOPMinimum(
                budget,
                n_opt,
                budget / (6 * n_opt),
                float(c - b * b / (4 * a)),
                int(mask.sum()),
            )
        )
    return minima


def _huber(residual: torch.Tensor, delta: float) -> torch.Tensor:
    """Huber losses summed over the last axis: squared below ``delta``, linear above."""
    small = residual.abs() <= delta
    return torch.where(
        small, 0.5 * residual**2, delta * (residual.abs() - 0.5 * delta)
    ).sum(-1)


def _predicted_log_loss(theta: torch.Tensor, logn: torch.Tensor, logd: torch.Tensor):
    # theta = (a, b, e, alpha, beta) with A = exp(a), B = exp(b), E = exp(e); the columns
    # broadcast over any number of starting points: (P, 1) against (1, runs)
    a, b, e, alpha, beta = theta.unbind(-1)
    terms = torch.stack(
        [
            a[..., None] - alpha[..., None] * logn,
            b[..., None] - beta[..., None] * logd,
            e[..., None].expand(*e.shape, logn.shape[-1]),
        ]
    )
    return torch.logsumexp(terms, dim=0)


#: The default grid of starting points for (a, b, e, alpha, beta), after Hoffmann et al.'s
#: §D.2 (their grid is finer: this one has 3 * 3 * 3 * 5 * 5 = 675 points).
START_GRID: dict[str, tuple[float, ...]] = {
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
    "e": (-1.0, 0.0, 1.0),
    "a": (0.0, 10.0, 20.0),
    "b": (0.0, 10.0, 20.0),
}


#: How many of the jointly refined starts :func:`fit_parametric` refines again one by one:
#: all of the default 16, since the joint run can leave the best basin to a start that has
#: not converged yet, and which start that is depends on the CPU's rounding.
POLISHED = 16


def fit_parametric(
    params: Sequence[float],
    tokens: Sequence[float],
    loss: Sequence[float],
    *,
    delta: float = 1e-3,
    starts: int = 16,
    max_iter: int = 100,
) -> ParametricFit:
    """Fit ``L(N, D) = E + A / N^alpha + B / D^beta`` as Hoffmann et al. (§3.3) do.

    With ``A = e^a``, ``B = e^b`` and ``E = e^e`` the predicted log-loss is
    ``LSE(a - alpha log N, b - beta log D, e)``; the fit minimises the sum of Huber
    losses (threshold ``delta``) between it and the observed log-loss. The objective
    is evaluated on every point of :data:`START_GRID`; L-BFGS then runs from the
    ``starts`` best of them at once (their objectives are independent, so one
    optimiser can minimise their sum), then once more from each of the
    :data:`POLISHED` best results alone. Hoffmann et al. run it from every grid point.

    Introduced in chapter 19.

    Parameters
    ----------
    params, tokens, loss : sequence of float
        One value per run (at least 5), all > 0, of the same length.
    delta : float, default 1e-3
        The Huber threshold, in nats of log-loss (> 0).
    starts : int, default 16
        Starting points refined by L-BFGS (>= 1).
    max_iter : int, default 100
        L-BFGS iterations in each of the two runs (>= 1).

    Returns
    -------
    ParametricFit

    Examples
    --------
    >>> true = ParametricFit(1.5, 300.0, 900.0, 0.4, 0.3)
    >>> n, d = [1e5, 1e6, 1e7] * 3, [1e8] * 3 + [1e9] * 3 + [1e10] * 3
    >>> loss = [true.loss(x, y) for x, y in zip(n, d)]
    >>> fit = fit_parametric(n, d, loss, max_iter=400)  # exact data: converge fully
    >>> round(fit.E, 2), round(fit.alpha, 2), round(fit.beta, 2)
    (1.5, 0.4, 0.3)
    """
    ns = _positive("params", params, 5)
    ds = _positive("tokens", tokens, 5)
    ls = _positive("loss", loss, 5)
    _same_length(params=ns, tokens=ds, loss=ls)
    delta = check_float("delta", delta, minimum=0, open_minimum=True)
    starts = check_int("starts", starts, minimum=1)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    logn = torch.tensor(np.log(ns), dtype=torch.float64)
    logd = torch.tensor(np.log(ds), dtype=torch.float64)
    target = torch.tensor(np.log(ls), dtype=torch.float64)
    names = ("a", "b", "e", "alpha", "beta")
    grid = torch.tensor(
        list(itertools.product(*(START_GRID[k] for k in names))), dtype=torch.float64
    )

    def objective(theta: torch.Tensor) -> torch.Tensor:  # (starts, 5) -> (starts,)
        residual = _predicted_log_loss(theta, logn, logd) - target
        return _huber(residual, delta)

    with torch.no_grad():
        order = torch.argsort(objective(grid))
    theta = grid[order[:starts]].clone().requires_grad_(True)
    _lbfgs(theta, objective, max_iter)  # every start at once: their sum is separable
    with torch.no_grad():
        values = torch.nan_to_num(objective(theta), nan=math.inf)
    best, value = None, math.inf
    for index in torch.argsort(values)[:POLISHED].tolist():  # then each one alone
        one = theta[index].detach().clone()[None].requires_grad_(True)
        _lbfgs(one, objective, max_iter)
        with torch.no_grad():
            found = float(objective(one)[0])
        if math.isfinite(found) and found < value:
            best, value = one.detach()[0], found
    if best is None:
        raise ValueError("the fit diverged from every starting point")
    a, b, e, alpha, beta = best.tolist()
    return ParametricFit(math.exp(e), math.exp(a), math.exp(b), alpha, beta, value)


def _lbfgs(theta: torch.Tensor, objective, max_iter: int) -> None:
    """Minimise ``objective(theta).sum()`` over ``theta`` in place with L-BFGS."""
    optimizer = torch.optim.LBFGS(
        [theta],
        lr=1.0,
        max_iter=max_iter,
        history_size=10,
        tolerance_grad=1e-9,
        tolerance_change=1e-10,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = objective(theta).sum()
        value.backward()
        return value

    optimizer.step(closure)


def compute_optimal(fit: ParametricFit, compute: float) -> tuple[float, float]:
    """The ``N`` and ``D`` with ``6 N D = compute`` that minimise ``fit``'s loss.

    Setting the derivative of ``E + A / N^alpha + B / D^beta`` along ``D = C / (6 N)``
    to zero gives Hoffmann et al.'s eq. (4): ``N = G (C / 6)^(beta / (alpha + beta))``
    and ``D = (C / 6)^(alpha / (alpha + beta)) / G`` with
    ``G = (alpha A / (beta B))^(1 / (alpha + beta))``.

    Introduced in chapter 19.

    Parameters
    ----------
    fit : ParametricFit
        A fit (or published constants), with ``alpha`` and ``beta`` > 0.
    compute : float
        The budget in FLOPs (> 0).

    Returns
    -------
    (params, tokens) : tuple of float

    Examples
    --------
    >>> fit = ParametricFit(1.0, 100.0, 100.0, 0.5, 0.5)  # symmetric: N = D
    >>> [round(x) for x in compute_optimal(fit, 6e10)]
    [100000, 100000]
    """
    if not isinstance(fit, ParametricFit):
        raise TypeError(f"fit must be a ParametricFit, got {type(fit).__name__}")
    compute = check_float("compute", compute, minimum=0, open_minimum=True)
    if fit.alpha <= 0 or fit.beta <= 0 or fit.A <= 0 or fit.B <= 0:
        raise ValueError(f"fit needs A, B, alpha and beta > 0, got {fit}")
    total = fit.alpha + fit.beta
    g = (fit.alpha * fit.A / (fit.beta * fit.B)) ** (1 / total)
    params = g * (compute / 6) ** (fit.beta / total)
    return params, compute / (6 * params)
