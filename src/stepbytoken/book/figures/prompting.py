"""Chapter 12's figures: few-shot curves, order spread, chain of thought, votes, widget data.

Each function draws from the records of :func:`~stepbytoken.recipes.prompting.load_prompting`:
a point is a mapping with ``value``, ``low`` and ``high`` (an accuracy and its 95% Wilson
interval) and, for the interactive figure, an ``example``.

Introduced in chapter 12.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import check_choice, check_mapping

__all__ = [
    "plot_chain_of_thought",
    "plot_few_shot",
    "plot_order_spread",
    "plot_self_consistency",
    "prompting_widget",
    "prompting_widget_data",
]


def _errors(points: Sequence[Mapping[str, Any]]) -> tuple[list[float], np.ndarray]:
    """Percentages and their error-bar lengths below and above."""
    values = [100 * p["value"] for p in points]
    below = [100 * (p["value"] - p["low"]) for p in points]
    above = [100 * (p["high"] - p["value"]) for p in points]
    return values, np.array([below, above])


def _rows(name: str, value: object) -> Mapping[str, Sequence[Mapping[str, Any]]]:
    check_mapping(name, value, allow_empty=False)
    for key, rows in value.items():  # type: ignore[union-attr]
        if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
            raise TypeError(f"{name}[{key!r}] must be a non-empty list of points")
    return value  # type: ignore[return-value]


def plot_few_shot(
    curves: Mapping[str, Sequence[Mapping[str, Any]]], *, method: str = "greedy"
) -> Figure:
    """Accuracy against the number of solved examples in the prompt, one line per wording.

    Parameters
    ----------
    curves : mapping
        For each wording, its points: ``k`` and, under ``method``, ``value``/``low``/``high``
        (wordings without ``method`` are left out).
    method : str
        ``"greedy"`` (the written answer) or ``"choice"`` (the likeliest answer).

    Examples
    --------
    >>> point = {"k": 0, "greedy": {"value": 0.5, "low": 0.4, "high": 0.6}}
    >>> fig = plot_few_shot({"arrow": [point]})
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [50.0]

    Introduced in chapter 12.
    """
    _rows("curves", curves)
    method = check_choice("method", method, ("greedy", "choice"))
    fig, ax = plt.subplots(figsize=(6.6, 3.4), layout="constrained")
    for i, (name, rows) in enumerate(curves.items()):
        if method not in rows[0]:
            continue  # a wording not scored this way
        values, err = _errors([r[method] for r in rows])
        ks = [r["k"] for r in rows]
        ax.errorbar(
            [k + (i - 1.5) * 0.06 for k in ks],  # nudged so the bars do not overlap
            values,
            yerr=err,
            marker="o",
            capsize=3,
            color=PALETTE[i % len(PALETTE)],
            label=name,
        )
    ax.set_xscale("symlog", linthresh=1)
    ticks = sorted({r["k"] for rows in curves.values() for r in rows})
    ax.set_xticks(ticks, [str(k) for k in ticks])
    ax.set_ylim(-2, 102)
    ax.set_xlabel("solved examples in the prompt (k)")
    ax.set_ylabel("questions answered right (%)")
    ax.legend(title="wording", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def plot_order_spread(orders: Mapping[str, Sequence[Mapping[str, Any]]]) -> Figure:
    """For each wording, the accuracy with each order of the same examples: the spread.

    Parameters
    ----------
    orders : mapping
        For each wording, one point per order, the accuracy under ``greedy``.

    Examples
    --------
    >>> rows = [{"greedy": {"value": v, "low": 0, "high": 1}} for v in (0.5, 0.7)]
    >>> fig = plot_order_spread({"bare": rows})
    >>> sorted(fig.axes[0].collections[0].get_offsets()[:, 0].round().tolist())
    [50.0, 70.0]

    Introduced in chapter 12.
    """
    _rows("orders", orders)
    names = list(orders)
    fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.55 * len(names)), layout="constrained")
    for i, name in enumerate(names):
        values = [100 * r["greedy"]["value"] for r in orders[name]]
        ax.scatter(values, [i] * len(values), color=PALETTE[i % len(PALETTE)], zorder=3)
        ax.hlines(i, min(values), max(values), color="#888888", linewidth=3)
        ax.text(
            max(values) + 1.5,
            i,
            f"spread {max(values) - min(values):.0f} points",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(-2, 115)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel("questions answered right (%), one dot per order of the examples")
    return fig


def plot_chain_of_thought(results: Mapping[str, Mapping[str, Any]]) -> Figure:
    """Accuracy answering at once against answering after worked steps, with intervals.

    Parameters
    ----------
    results : mapping
        For each way of asking (``"direct"``, ``"think"``), a point with
        ``value``/``low``/``high``.

    Examples
    --------
    >>> fig = plot_chain_of_thought({"direct": {"value": 0.1, "low": 0.05, "high": 0.2},
    ...                              "think": {"value": 0.3, "low": 0.2, "high": 0.4}})
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [10, 30]

    Introduced in chapter 12.
    """
    check_mapping("results", results, allow_empty=False)
    names = list(results)
    values, err = _errors([results[n] for n in names])
    fig, ax = plt.subplots(figsize=(4.8, 3.2), layout="constrained")
    ax.bar(
        range(len(names)),
        values,
        yerr=err,
        capsize=4,
        color=[PALETTE[i % len(PALETTE)] for i in range(len(names))],
    )
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(0, 100)
    ax.set_ylabel("problems answered right (%)")
    return fig


def plot_self_consistency(results: Mapping[str, Mapping[str, Any]]) -> Figure:
    """Accuracy of the majority vote against the number of sampled answers, per wording.

    The greedy answer's accuracy is a dashed line of the same colour.

    Parameters
    ----------
    results : mapping
        For each wording, ``greedy`` (a point) and ``votes`` (points with ``m``).

    Examples
    --------
    >>> votes = [{"m": 1, "value": 0.2, "low": 0.1, "high": 0.3},
    ...          {"m": 3, "value": 0.3, "low": 0.2, "high": 0.4}]
    >>> fig = plot_self_consistency({"think": {"greedy": {"value": 0.25}, "votes": votes}})
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [20.0, 30.0]

    Introduced in chapter 12.
    """
    check_mapping("results", results, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
    for i, (name, r) in enumerate(results.items()):
        colour = PALETTE[i % len(PALETTE)]
        values, err = _errors(r["votes"])
        ms = [v["m"] for v in r["votes"]]
        container = ax.errorbar(
            ms, values, yerr=err, marker="o", capsize=3, color=colour, label=name
        )
        container.lines[0].set_zorder(3)
        ax.axhline(
            100 * r["greedy"]["value"], color=colour, linestyle="--", linewidth=1
        )
    ax.set_ylim(0, 100)
    ax.set_xlabel("sampled answers that vote (m)")
    ax.set_ylabel("problems answered right (%)")
    ax.legend(title="dashed: greedy", loc="upper left")
    return fig


def _point(x: float, acc: Mapping[str, Any], example: Mapping[str, Any]) -> dict:
    return {
        "x": x,
        "value": acc["value"],
        "low": acc["low"],
        "high": acc["high"],
        "prompt": example["prompt"],
        "answer": example.get("answer", " | ".join(example.get("answers", []))),
        "gold": example["gold"],
    }


def prompting_widget_data(results: Mapping[str, Any]) -> dict[str, Any]:
    """The interactive figure's data: each curve's points with the prompt behind each one.

    Parameters
    ----------
    results : mapping
        The shipped measurements (:func:`~stepbytoken.recipes.prompting.load_prompting`).

    Returns
    -------
    dict
        ``{"panels": [...]}``: per panel a ``title``, ``xlabel`` and ``series`` of
        ``{"name", "points"}``, each point ``x``, ``value``, ``low``, ``high``,
        ``prompt``, ``answer``, ``gold``. JSON-able.

    Examples
    --------
    >>> from stepbytoken.recipes.prompting import load_prompting
    >>> data = prompting_widget_data(load_prompting()[0])
    >>> [p["title"] for p in data["panels"]]
    ['Few-shot', 'Order of the examples', 'Self-consistency']

    Introduced in chapter 12.
    """
    check_mapping("results", results, allow_empty=False)
    for key in ("few_shot", "orders", "chain_of_thought"):
        if key not in results:
            raise ValueError(f"results must hold {key!r} (load_prompting's record)")
    few = [
        {
            "name": name,
            "points": [_point(r["k"], r["greedy"], r["example"]) for r in rows],
        }
        for name, rows in results["few_shot"].items()
    ]
    order = [
        {
            "name": name,
            "points": [
                _point(i + 1, r["greedy"], r["example"]) for i, r in enumerate(rows)
            ],
        }
        for name, rows in results["orders"]["wordings"].items()
    ]
    votes = [
        {
            "name": name,
            "points": [_point(v["m"], v, v["example"]) for v in r["votes"]],
        }
        for name, r in results["chain_of_thought"].items()
    ]
    return {
        "panels": [
            {"title": "Few-shot", "xlabel": "solved examples (k)", "series": few},
            {
                "title": "Order of the examples",
                "xlabel": f"order (k = {results['orders']['k']})",
                "series": order,
            },
            {"title": "Self-consistency", "xlabel": "votes (m)", "series": votes},
        ]
    }


def prompting_widget(data: Mapping[str, Any], *, title: str = "") -> InteractiveFigure:
    """The interactive figure: pick a measurement, a curve and a point; see its prompt.

    Parameters
    ----------
    data
        :func:`prompting_widget_data`'s result.
    title
        A line shown above the controls.

    Examples
    --------
    >>> point = {"x": 0, "value": 0.5, "low": 0.4, "high": 0.6, "prompt": "Q: ?\\nA:",
    ...          "answer": "x", "gold": "x"}
    >>> panel = {"title": "Few-shot", "xlabel": "k", "series": [{"name": "a",
    ...          "points": [point]}]}
    >>> 'data-sbt-widget="prompting"' in prompting_widget({"panels": [panel]}).html
    True

    Introduced in chapter 12.
    """
    check_mapping("data", data, allow_empty=False)
    panels = data.get("panels")
    if not isinstance(panels, list) or not panels:
        raise ValueError("data must be prompting_widget_data's result (with panels)")
    for panel in panels:
        if not isinstance(panel, Mapping) or not panel.get("series"):
            raise ValueError("every panel must hold a title, an xlabel and series")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    return widget(
        "prompting",
        {"title": title, **data},
        label="accuracy curves with the prompt behind each point",
    )
