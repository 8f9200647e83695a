"""Chapter 17's figures: accuracy against thinking budget, against compute, votes, explorer.

The charts take plain numbers (accuracies as shares from 0 to 1), as the recipe
:mod:`~stepbytoken.recipes.thinking` stores them in ``results.json``;
:func:`live_thinking_widget` runs the small thinker in the reader's browser.

Introduced in chapter 17.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import plotly.graph_objects as go
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec
from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_floats, check_int, check_ints, check_mapping
from stepbytoken.generation.thinking import think
from stepbytoken.nn.interface import LanguageModel
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "budget_explorer",
    "live_thinking_widget",
    "plot_budget_curves",
    "plot_compute",
    "plot_votes",
]


def _curves(name: str, curves: object, n: int) -> Mapping[str, list[float]]:
    check_mapping(name, curves, allow_empty=False)
    out = {}
    for label, values in curves.items():  # type: ignore[union-attr]
        values = check_floats(f"{name}[{label!r}]", values)
        if len(values) != n:
            raise ValueError(
                f"{name}[{label!r}] must have one value per budget ({n}), got {len(values)}"
            )
        out[label] = values
    return out


def plot_budget_curves(
    budgets: Sequence[int],
    curves: Mapping[str, Sequence[float]],
    baselines: Mapping[str, float] | None = None,
) -> Figure:
    """Accuracy against the thinking budget, one line per model, baselines dashed.

    Parameters
    ----------
    budgets : sequence of int
        The budgets, in tokens of thought.
    curves : mapping of str to sequence of float
        Each model's accuracy at each budget (shares, 0 to 1).
    baselines : mapping of str to float, optional
        Accuracies drawn as dashed horizontal lines (e.g. a direct answerer).

    Examples
    --------
    >>> fig = plot_budget_curves([0, 8], {"thinker": [0.1, 0.9]}, {"direct": 0.3})
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [10.0, 90.0]

    Introduced in chapter 17.
    """
    budgets = check_ints("budgets", budgets, minimum=0)
    curves = _curves("curves", curves, len(budgets))
    fig, ax = plt.subplots(figsize=(6.6, 3.4), layout="constrained")
    for i, (label, values) in enumerate(curves.items()):
        ax.plot(
            budgets,
            [100 * v for v in values],
            marker="o",
            markersize=4,
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    for j, (label, value) in enumerate((baselines or {}).items()):
        ax.axhline(
            100 * value,
            linestyle="--",
            color=PALETTE[(len(curves) + j) % len(PALETTE)],
            label=label,
        )
    ax.set_ylim(-2, 102)
    ax.set_xlabel("thinking budget (tokens of thought before the answer)")
    ax.set_ylabel("held-out problems right (%)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def plot_compute(
    points: Mapping[str, tuple[Sequence[float], Sequence[float]]],
) -> Figure:
    """Accuracy against compute per problem (FLOPs, log scale), one line or dot per model.

    Parameters
    ----------
    points : mapping of str to (flops, accuracies)
        For each model, the compute per problem and the accuracy of each of its settings
        (budgets or numbers of votes); one setting draws a dot.

    Examples
    --------
    >>> fig = plot_compute({"small": ([1e6, 4e6], [0.2, 0.8]), "direct": ([3e6], [0.3])})
    >>> [len(line.get_xdata()) for line in fig.axes[0].lines]
    [2, 1]

    Introduced in chapter 17.
    """
    check_mapping("points", points, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.6, 3.6), layout="constrained")
    markers = "osD^v"
    for i, (label, pair) in enumerate(points.items()):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"points[{label!r}] must be a pair (flops, accuracies)")
        flops = check_floats(f"points[{label!r}][0]", pair[0], min_size=1)
        accuracy = check_floats(f"points[{label!r}][1]", pair[1], min_size=1)
        if len(flops) != len(accuracy) or min(flops) <= 0:
            raise ValueError(
                f"points[{label!r}] needs positive flops, one per accuracy"
            )
        ax.plot(
            flops,
            [100 * a for a in accuracy],
            marker=markers[i % len(markers)],
            markersize=5 if len(flops) > 1 else 9,
            linestyle="-" if len(flops) > 1 else "none",
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.set_xscale("log")
    ax.set_ylim(-2, 102)
    ax.set_xlabel("compute per problem (FLOPs, 2 × parameters × tokens)")
    ax.set_ylabel("held-out problems right (%)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def plot_votes(ks: Sequence[int], accuracy: Sequence[float], greedy: float) -> Figure:
    """Accuracy of a majority vote over ``k`` sampled thoughts, the greedy thought dashed.

    Examples
    --------
    >>> fig = plot_votes([1, 3], [0.5, 0.7], 0.8)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [50.0, 70.0]

    Introduced in chapter 17.
    """
    ks = check_ints("ks", ks, minimum=1)
    accuracy = check_floats("accuracy", accuracy)
    if len(ks) != len(accuracy) or not ks:
        raise ValueError("ks and accuracy must have the same, non-zero length")
    greedy = check_floats("greedy", [greedy])[0]
    fig, ax = plt.subplots(figsize=(6.0, 3.2), layout="constrained")
    ax.plot(ks, [100 * a for a in accuracy], marker="o", color=PALETTE[0], label="vote")
    ax.axhline(
        100 * greedy, linestyle="--", color=PALETTE[1], label="one greedy thought"
    )
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_ylim(-2, 102)
    ax.set_xlabel("sampled thoughts voted over (k)")
    ax.set_ylabel("held-out problems right (%)")
    ax.legend(loc="lower right")
    return fig


def _note(budget: int, examples: Sequence[Mapping[str, Any]], k: int) -> list[dict]:
    """The note under the chart: each example's thought cut at ``budget``."""
    parts = [f"<b>budget {budget} tokens</b>"]
    for ex in examples:
        thought = ex["thoughts"][k] or "(no thought)"
        lines = textwrap.wrap(f"Q: {ex['question']}", 40)
        lines += textwrap.wrap(f"thinks: {thought}", 40)
        right = ex["answers"][k].strip() == ex["gold"]
        mark = "right" if right else f"wrong, the answer is {ex['gold']}"
        lines += textwrap.wrap(f"answers: {ex['answers'][k]} ({mark})", 40)
        parts.append("<br>".join(html.escape(line, quote=False) for line in lines))
    return [
        dict(
            text="<br><br>".join(parts),
            xref="paper",
            yref="paper",
            x=0.0,
            y=-0.2,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font=dict(family="ui-monospace, monospace", size=11),
        )
    ]


def budget_explorer(
    budgets: Sequence[int],
    curves: Mapping[str, Sequence[float]],
    examples: Sequence[Mapping[str, Any]],
    *,
    active: int | None = None,
) -> go.Figure:
    """Accuracy against budget with a slider that cuts example thoughts at the chosen budget.

    Parameters
    ----------
    budgets : sequence of int
        The budgets, in tokens.
    curves : mapping of str to sequence of float
        Each model's accuracy at each budget.
    examples : sequence of mapping
        Problems to show: ``question``, ``gold``, and one entry per budget in ``thoughts``
        (the thought cut at that budget) and ``answers`` (what the model then answered).
    active : int, optional
        Index of the budget shown first; the last by default.

    Examples
    --------
    >>> ex = {"question": "1 + 1?", "gold": "2", "thoughts": ["", "1 + 1 = 2"],
    ...       "answers": ["3", "2"]}
    >>> fig = budget_explorer([0, 4], {"thinker": [0.0, 1.0]}, [ex])
    >>> [s.label for s in fig.layout.sliders[0].steps], "(right)" in fig.layout.annotations[0].text
    (['0', '4'], True)

    Introduced in chapter 17.
    """
    budgets = check_ints("budgets", budgets, minimum=0)
    curves = _curves("curves", curves, len(budgets))
    if not examples:
        raise ValueError("examples must hold at least one problem")
    for i, ex in enumerate(examples):
        check_mapping(f"examples[{i}]", ex, allow_empty=False)
        for key in ("thoughts", "answers"):
            if len(ex[key]) != len(budgets):
                raise ValueError(f"examples[{i}][{key!r}] needs one entry per budget")
    active = len(budgets) - 1 if active is None else active
    if not 0 <= active < len(budgets):
        raise ValueError(f"active must index budgets (0 to {len(budgets) - 1})")
    fig = go.Figure()
    for i, (label, values) in enumerate(curves.items()):
        fig.add_scatter(
            x=budgets,
            y=[100 * v for v in values],
            name=label,
            mode="lines+markers",
            line=dict(color=PALETTE[i % len(PALETTE)]),
        )
    first = next(iter(curves.values()))
    fig.add_scatter(
        x=[budgets[active]],
        y=[100 * first[active]],
        name="chosen budget",
        mode="markers",
        marker=dict(size=14, color=PALETTE[3], symbol="diamond"),
    )
    marker = len(curves)
    steps = [
        dict(
            method="update",
            label=str(b),
            args=[
                {"x": [[b]], "y": [[100 * first[k]]]},
                {"annotations": _note(b, examples, k)},
                [marker],
            ],
        )
        for k, b in enumerate(budgets)
    ]
    fig.update_layout(
        **plotly_layout(
            height=820,
            margin=dict(l=60, r=20, t=30, b=420),
            xaxis_title="thinking budget (tokens)",
            yaxis=dict(title="held-out problems right (%)", range=[-2, 102]),
            annotations=_note(budgets[active], examples, active),
            legend=dict(x=0.98, y=0.02, xanchor="right", yanchor="bottom"),
            sliders=[
                dict(
                    active=active,
                    steps=steps,
                    pad=dict(t=45),
                    currentvalue=dict(prefix="thinking budget "),
                )
            ],
        )
    )
    return fig


def live_thinking_widget(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    question: str,
    budgets: Sequence[int],
    *,
    start: int | None = None,
    name: str = "thinking_small",
) -> InteractiveFigure:
    """A budget slider and the reader's own problem, thought about in the browser.

    The page shows what :func:`~stepbytoken.generation.thinking.think` gives for
    ``question`` at each budget, computed here; once the reader asks, ``thinking.js`` runs the
    shipped weights ``name`` on the reader's problem at the slider's budget.

    Parameters
    ----------
    model : LanguageModel
        The thinker whose weights the page loads (checked against them).
    tokenizer : BPETokenizer
        Its thinking tokenizer.
    question : str
        The problem shown at first.
    budgets : sequence of int
        The slider's budgets, in tokens.
    start : int, optional
        Index of the budget shown first; the last by default.
    name : str, default "thinking_small"
        The shipped weights (:data:`~stepbytoken.book.live.LIVE_MODELS`).

    Returns
    -------
    InteractiveFigure
        A ``live-thinking`` widget.

    Examples
    --------
    >>> from stepbytoken.recipes.thinking_small import load_thinking_small
    >>> small = load_thinking_small()
    >>> fig = live_thinking_widget(small.model, small.tokenizer, "What is 12 + 34?", [0, 8])
    >>> 'data-sbt-widget="live-thinking"' in fig.html
    True

    Introduced in chapter 17.
    """
    budgets = check_ints("budgets", budgets, minimum=0)
    if not budgets:
        raise ValueError("budgets must hold at least one budget")
    start = len(budgets) - 1 if start is None else start
    check_int("start", start, minimum=0, maximum=len(budgets) - 1)
    spec = shipped_spec(model, tokenizer, name=name)
    book = []
    for b in budgets:
        ((thought, answer),) = think(model, tokenizer, [question], budget=b)
        book.append(
            {
                "thought": thought,
                "answer": answer.text,
                "thoughtTokens": answer.thought_tokens,
            }
        )
    data = {
        "title": "A thinking budget, on a problem of your own",
        "question": question,
        "budgets": budgets,
        "start": start,
        "spec": spec,
        "book": book,
    }
    return widget(
        "live-thinking", data, label="The small thinker, live in your browser"
    )
