"""Chapter 19's figures: the sweep against compute, IsoFLOP profiles, a compute explorer.

The charts take the points as :func:`~stepbytoken.recipes.scaling.load_scaling` returns them
(dicts with ``size``, ``budget``, ``non_embedding``, ``tokens`` and ``val_loss``) and fits
from :mod:`~stepbytoken.evaluation.scaling_laws`.

Introduced in chapter 19.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
from matplotlib.figure import Figure

from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_float, check_floats, check_int, check_mapping
from stepbytoken.evaluation.scaling_laws import IsoFLOPMinimum, PowerLaw

__all__ = [
    "compute_explorer",
    "log_budgets",
    "plot_isoflops",
    "plot_loss_against_compute",
]

_KEYS = ("size", "budget", "non_embedding", "tokens", "val_loss")


def _points(points: object) -> list[Mapping[str, Any]]:
    if not isinstance(points, Sequence) or isinstance(points, str) or not points:
        raise TypeError("points must be a non-empty list of dicts")
    for i, point in enumerate(points):
        check_mapping(f"points[{i}]", point, allow_empty=False)
        missing = [k for k in _KEYS if k not in point]
        if missing:
            raise ValueError(f"points[{i}] lacks {missing}")
    return list(points)


def _short(x: float) -> str:
    """``12,768`` -> ``'12.8k'``, ``3.2e10`` -> ``'32B'``."""
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= size:
            return f"{x / size:.3g}{unit}"
    return f"{x:.3g}"


def plot_loss_against_compute(
    points: Sequence[Mapping[str, Any]], envelope: PowerLaw | None = None
) -> Figure:
    """Held-out loss against compute, one line per model size, the best per budget ringed.

    Parameters
    ----------
    points : list of dict
        The sweep's points.
    envelope : PowerLaw, optional
        A fit of the best loss against compute, drawn dashed.

    Examples
    --------
    >>> pts = [dict(size="a", budget=b, non_embedding=10, tokens=b / 60, val_loss=l)
    ...        for b, l in ((1e3, 4.0), (1e4, 3.0))]
    >>> len(plot_loss_against_compute(pts).axes[0].lines)
    2

    Introduced in chapter 19.
    """
    points = _points(points)
    if envelope is not None and not isinstance(envelope, PowerLaw):
        raise TypeError(f"envelope must be a PowerLaw, got {type(envelope).__name__}")
    sizes = sorted({p["size"] for p in points}, key=lambda s: _size_of(points, s))
    fig, ax = plt.subplots(figsize=(6.6, 3.8), layout="constrained")
    cmap = plt.get_cmap("viridis")
    for i, size in enumerate(sizes):
        rows = sorted(
            (p for p in points if p["size"] == size), key=lambda p: p["budget"]
        )
        ax.plot(
            [p["budget"] for p in rows],
            [p["val_loss"] for p in rows],
            marker="o",
            markersize=4,
            color=cmap(i / max(1, len(sizes) - 1) * 0.9),
            label=f"N = {_short(_size_of(points, size))}",
        )
    best = _best_per_budget(points)
    ax.plot(
        [p["budget"] for p in best],
        [p["val_loss"] for p in best],
        linestyle="none",
        marker="o",
        markersize=11,
        markerfacecolor="none",
        markeredgecolor=PALETTE[3],
        markeredgewidth=1.6,
        label="best at each budget",
    )
    if envelope is not None:
        xs = np.geomspace(best[0]["budget"], best[-1]["budget"], 50)
        ax.plot(
            xs, [envelope(x) for x in xs], "--", color=PALETTE[3], label="power law"
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training compute C = 6ND (FLOPs)")
    ax.set_ylabel("held-out loss (nats/token)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9)
    return fig


def _size_of(points: Sequence[Mapping[str, Any]], size: str) -> float:
    return next(p["non_embedding"] for p in points if p["size"] == size)


def _best_per_budget(points: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    budgets = sorted({p["budget"] for p in points})
    return [
        min((p for p in points if p["budget"] == b), key=lambda p: p["val_loss"])
        for b in budgets
    ]


def plot_isoflops(
    points: Sequence[Mapping[str, Any]], minima: Sequence[IsoFLOPMinimum] = ()
) -> Figure:
    """IsoFLOP profiles: loss against model size at each budget, with each parabola's minimum.

    Parameters
    ----------
    points : list of dict
        The sweep's points.
    minima : list of IsoFLOPMinimum, optional
        The parabolas' minima (:func:`~stepbytoken.evaluation.scaling_laws.isoflop_minima`);
        each budget with one gets its parabola drawn and its minimum starred.

    Examples
    --------
    >>> pts = [dict(size=str(n), budget=6e6, non_embedding=n, tokens=1e6 / n, val_loss=l)
    ...        for n, l in ((10, 3.0), (100, 2.5), (1000, 2.9))]
    >>> len(plot_isoflops(pts).axes[0].lines)
    1

    Introduced in chapter 19.
    """
    points = _points(points)
    if not all(isinstance(m, IsoFLOPMinimum) for m in minima):
        raise TypeError("minima must be IsoFLOPMinimum values")
    fig, ax = plt.subplots(figsize=(6.6, 3.8), layout="constrained")
    budgets = sorted({p["budget"] for p in points})
    by_budget = {m.compute: m for m in minima}
    for i, budget in enumerate(budgets):
        rows = sorted(
            (p for p in points if p["budget"] == budget),
            key=lambda p: p["non_embedding"],
        )
        n = np.array([p["non_embedding"] for p in rows], dtype=float)
        loss = np.array([p["val_loss"] for p in rows])
        color = PALETTE[i % len(PALETTE)]
        ax.plot(n, loss, "o", color=color, label=f"C = {budget:.0e}")
        if budget in by_budget and len(rows) >= 3:
            coeffs = np.polyfit(np.log(n), loss, 2)
            xs = np.geomspace(n.min(), n.max(), 60)
            ax.plot(xs, np.polyval(coeffs, np.log(xs)), "-", color=color, alpha=0.7)
            best = by_budget[budget]
            ax.plot(best.params, best.loss, "*", color=color, markersize=13, mec="k")
    ax.set_xscale("log")
    ax.set_xlabel("non-embedding parameters N")
    ax.set_ylabel("held-out loss (nats/token)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9)
    return fig


def _ratio(r: float) -> str:
    return f"{r:,.0f}" if r >= 10 else f"{r:.2g}"


def _note(budget: float, optima: Mapping[str, Sequence[float]], k: int) -> list[dict]:
    lines = [f"<b>C = {budget:.1e} FLOPs</b>"]
    for label, rows in optima.items():
        n, d = rows[k]
        lines.append(f"{label}:")
        lines.append(
            f"  N = {_short(n)}, D = {_short(d)}, {_ratio(d / n)} tokens/param"
        )
    return [
        dict(
            text="<br>".join(lines),
            xref="paper",
            yref="paper",
            x=0.0,
            y=-0.32,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font=dict(size=12),
        )
    ]


def compute_explorer(
    budgets: Sequence[float],
    optima: Mapping[str, Sequence[tuple[float, float]]],
    *,
    active: int | None = None,
) -> go.Figure:
    """Compute-optimal size against budget for several fits, with a budget slider.

    The chart draws each fit's optimal ``N`` (solid) and ``D`` (dotted) against the budget;
    the slider moves a marker along them and rewrites the note below with the numbers.

    Parameters
    ----------
    budgets : sequence of float
        The slider's budgets in FLOPs (> 0, increasing).
    optima : mapping of str to sequence of (N, D)
        For each fit, the optimal parameters and tokens at each budget.
    active : int, optional
        Index of the budget shown first; the middle one by default.

    Examples
    --------
    >>> fig = compute_explorer([1e18, 1e20], {"ours": [(1e7, 2e10), (1e8, 2e11)]})
    >>> [s.label for s in fig.layout.sliders[0].steps]
    ['1e+18', '1e+20']
    >>> "2,000 tokens/param" in fig.layout.annotations[0].text
    True

    Introduced in chapter 19.
    """
    budgets = check_floats("budgets", budgets, min_size=1)
    if min(budgets) <= 0 or any(
        b >= c for b, c in zip(budgets, budgets[1:], strict=False)
    ):
        raise ValueError("budgets must be positive and increasing")
    check_mapping("optima", optima, allow_empty=False)
    clean: dict[str, list[tuple[float, float]]] = {}
    for label, rows in optima.items():
        if not isinstance(rows, Sequence) or len(rows) != len(budgets):
            raise ValueError(f"optima[{label!r}] needs one (N, D) per budget")
        pairs = [tuple(check_floats(f"optima[{label!r}]", r, min_size=2)) for r in rows]
        if any(len(p) != 2 or min(p) <= 0 for p in pairs):
            raise ValueError(f"optima[{label!r}] must hold positive (N, D) pairs")
        clean[label] = pairs  # type: ignore[assignment]
    active = len(budgets) // 2 if active is None else active
    check_int("active", active, minimum=0, maximum=len(budgets) - 1)
    fig = go.Figure()
    for i, (label, rows) in enumerate(clean.items()):
        color = PALETTE[i % len(PALETTE)]
        for j, (what, dash) in enumerate((("N", "solid"), ("D", "dot"))):
            fig.add_scatter(
                x=budgets,
                y=[r[j] for r in rows],
                name=f"{label}: {what}",
                mode="lines",
                line=dict(color=color, dash=dash),
            )
    marker_x, marker_y = _markers(budgets, clean, active)
    fig.add_scatter(
        x=marker_x,
        y=marker_y,
        name="chosen budget",
        mode="markers",
        marker=dict(size=11, color=PALETTE[3], symbol="diamond"),
    )
    marker = 2 * len(clean)
    steps = []
    for k, budget in enumerate(budgets):
        xs, ys = _markers(budgets, clean, k)
        steps.append(
            dict(
                method="update",
                label=f"{budget:.0e}",
                args=[
                    {"x": [xs], "y": [ys]},
                    {"annotations": _note(budget, clean, k)},
                    [marker],
                ],
            )
        )
    fig.update_layout(
        **plotly_layout(
            height=560,
            margin=dict(l=60, r=20, t=30, b=190),
            xaxis=dict(title="compute budget C (FLOPs)", type="log"),
            yaxis=dict(title="optimal N or D", type="log", exponentformat="power"),
            annotations=_note(budgets[active], clean, active),
            legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
            sliders=[
                dict(
                    active=active,
                    steps=steps,
                    pad=dict(t=60),
                    currentvalue=dict(prefix="compute budget "),
                )
            ],
        )
    )
    return fig


def _markers(
    budgets: Sequence[float],
    optima: Mapping[str, Sequence[tuple[float, float]]],
    k: int,
) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for rows in optima.values():
        xs += [budgets[k], budgets[k]]
        ys += [rows[k][0], rows[k][1]]
    return xs, ys


def log_budgets(low: float, high: float, per_decade: int = 1) -> list[float]:
    """Budgets from ``low`` to ``high`` FLOPs, ``per_decade`` to each factor of ten.

    Introduced in chapter 19.

    Examples
    --------
    >>> log_budgets(1e9, 1e11)
    [1000000000.0, 10000000000.0, 100000000000.0]
    """
    per_decade = check_int("per_decade", per_decade, minimum=1)
    low = check_float("low", low, minimum=0, open_minimum=True)
    high = check_float("high", high, minimum=0, open_minimum=True)
    if not 0 < low <= high:
        raise ValueError(f"need 0 < low <= high, got {low} and {high}")
    a, b = math.log10(low), math.log10(high)
    steps = round((b - a) * per_decade)
    return [float(f"{10 ** (a + i / per_decade):.6g}") for i in range(steps + 1)]
