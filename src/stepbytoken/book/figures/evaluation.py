"""Chapter 16's figures: a leaderboard with intervals, pass@k curves, contamination, Elo.

Each function draws from plain numbers (scores, intervals, curves), such as those the
chapter computes from :func:`~stepbytoken.recipes.evaluation.load_evaluation`.

Introduced in chapter 16.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_floats, check_int, check_mapping, check_str
from stepbytoken.evaluation.pass_at_k import PassCurve

__all__ = [
    "leaderboard_figure",
    "leaderboard_title",
    "pass_at_k_figure",
    "pass_at_k_title",
    "plot_accuracy_bars",
    "plot_elo_orders",
]


def _check_row(board: str, row: object) -> tuple[str, float, float, float]:
    if not isinstance(row, (tuple, list)) or len(row) != 4:
        raise TypeError(
            f"boards[{board!r}] rows must be (name, score, low, high), got {row!r}"
        )
    name = check_str(f"a name in boards[{board!r}]", row[0], allow_empty=False)
    score, low, high = check_floats(f"boards[{board!r}][{name!r}]", row[1:])
    if not low <= score <= high:
        raise ValueError(
            f"boards[{board!r}][{name!r}] needs low <= score <= high, got {row[1:]!r}"
        )
    return name, score, low, high


def _check_rows(board: str, rows: object) -> list[tuple[str, float, float, float]]:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise TypeError(f"boards[{board!r}] must be a non-empty sequence of rows")
    return [_check_row(board, r) for r in rows]


def _check_curves(curves: object) -> tuple[int, ...]:
    """The common ``k`` of valid curves, else raise."""
    check_mapping("curves", curves, allow_empty=False)
    assert isinstance(curves, Mapping)
    lengths = set()
    for name, c in curves.items():
        if not isinstance(c, PassCurve):
            raise TypeError(f"curves[{name!r}] must be a PassCurve, got {c!r}")
        lengths.add(len(c.k))
    if len(lengths) != 1:
        raise ValueError("curves must all run over the same k")
    return next(iter(curves.values())).k


def leaderboard_title(
    board: str, rows: Sequence[tuple[str, float, float, float]]
) -> str:
    """The leaderboard's title for one board: who leads, and whether the lead is clear.

    The lead is clear when the leader's interval does not overlap the runner-up's; equal
    top scores are a tie.

    Examples
    --------
    >>> leaderboard_title("letter", [("a", 0.5, 0.4, 0.6), ("b", 0.2, 0.1, 0.3)])
    'letter: a leads, clear of b'
    >>> leaderboard_title("text", [("a", 0.5, 0.4, 0.6), ("b", 0.45, 0.35, 0.55)])
    'text: a leads, within the interval of b'
    >>> leaderboard_title("generated", [("a", 0.0, 0.0, 0.0), ("b", 0.0, 0.0, 0.0)])
    'generated: 2 models tie for first'

    Introduced in chapter 16.
    """
    board = check_str("board", board)
    ranked = sorted(_check_rows(board, rows), key=lambda r: -r[1])
    if len(ranked) == 1:
        return f"{board}: {ranked[0][0]} alone"
    first, second = ranked[0], ranked[1]
    if first[1] == second[1]:
        tied = sum(r[1] == first[1] for r in ranked)
        return f"{board}: {tied} models tie for first"
    clear = first[2] > second[3]
    relation = "clear of" if clear else "within the interval of"
    return f"{board}: {first[0]} leads, {relation} {second[0]}"


def leaderboard_figure(
    boards: Mapping[str, Sequence[tuple[str, float, float, float]]],
    *,
    axis_titles: Mapping[str, str] | None = None,
) -> Any:
    """A leaderboard with intervals, one board per scoring method, chosen from a menu.

    Each board is a horizontal bar chart, best at the top, with an error bar from each
    row's ``low`` to ``high``; the title names the leader and whether its interval clears
    the runner-up's (:func:`leaderboard_title`).

    Parameters
    ----------
    boards : mapping
        Per board (menu entry), the rows ``(name, score, low, high)``: each model's
        score and interval.
    axis_titles : mapping of str to str, optional
        The x-axis title per board (``"score"`` by default).

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    TypeError, ValueError
        For an empty mapping, a malformed row, or a score outside its interval.

    Examples
    --------
    >>> fig = leaderboard_figure({"letter": [("a", 0.3, 0.2, 0.4), ("b", 0.6, 0.45, 0.7)]})
    >>> fig.layout.title.text, list(fig.data[0].y)
    ('letter: b leads, clear of a', ['a', 'b'])

    Introduced in chapter 16.
    """
    import plotly.graph_objects as go

    check_mapping("boards", boards, allow_empty=False)
    titles = dict(axis_titles or {})
    fig = go.Figure()
    checked = {}
    for i, (board, rows) in enumerate(boards.items()):
        rows = sorted(_check_rows(board, rows), key=lambda r: r[1])
        checked[board] = rows
        fig.add_trace(
            go.Bar(
                x=[r[1] for r in rows],
                y=[r[0] for r in rows],
                orientation="h",
                marker_color=PALETTE[i % len(PALETTE)],
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [r[3] - r[1] for r in rows],
                    "arrayminus": [r[1] - r[2] for r in rows],
                    "color": "#222222",
                },
                customdata=[[r[2], r[3]] for r in rows],
                hovertemplate="%{y}: %{x:.3g} (interval %{customdata[0]:.3g} to "
                "%{customdata[1]:.3g})<extra></extra>",
                name=board,
                visible=i == 0,
            )
        )
    names = list(checked)
    buttons = [
        {
            "label": board,
            "method": "update",
            "args": [
                {"visible": [b == board for b in names]},
                {
                    "title.text": leaderboard_title(board, rows),
                    "xaxis.title.text": titles.get(board, "score"),
                    "yaxis.categoryarray": [r[0] for r in rows],
                },
            ],
        }
        for board, rows in checked.items()
    ]
    first = names[0]
    fig.update_layout(
        **plotly_layout(
            title={"text": leaderboard_title(first, checked[first])},
            height=380,
            showlegend=False,
            margin={"l": 110, "r": 20, "t": 60, "b": 50},
            xaxis={"title": {"text": titles.get(first, "score")}},
            yaxis={
                "categoryorder": "array",
                "categoryarray": [r[0] for r in checked[first]],
            },
            updatemenus=[
                {"name": "scoring", "buttons": buttons, "active": 0, "x": 1, "y": 1.15}
            ],
        )
    )
    return fig


def pass_at_k_title(curves: Mapping[str, PassCurve], k: int) -> str:
    """The pass@k figure's title at one ``k``: each model's two estimates.

    Examples
    --------
    >>> curve = PassCurve((1, 2), (0.25, 0.5), (0.25, 0.4375))
    >>> pass_at_k_title({"sft": curve}, 2)
    'k = 2: sft 0.50 (naive 0.44)'

    Introduced in chapter 16.
    """
    ks = _check_curves(curves)
    k = check_int("k", k, minimum=1, maximum=len(ks))
    parts = [
        f"{name} {c.unbiased[k - 1]:.2f} (naive {c.naive[k - 1]:.2f})"
        for name, c in curves.items()
    ]
    return f"k = {k}: " + ", ".join(parts)


def pass_at_k_figure(curves: Mapping[str, PassCurve], *, k: int = 1) -> Any:
    """pass@k against k per model, unbiased (solid) and naive (dashed), with a k slider.

    The slider moves a vertical line and writes both estimates of every model at that
    ``k`` in the title (:func:`pass_at_k_title`); hovering shows them too.

    Parameters
    ----------
    curves : mapping of str to PassCurve
        Per model, the curves of :func:`~stepbytoken.evaluation.pass_at_k.pass_at_k_curve`
        (all over the same ``k``).
    k : int, default 1
        Where the slider starts.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    TypeError, ValueError
        For an empty mapping, curves of different lengths, or ``k`` out of range.

    Examples
    --------
    >>> curve = PassCurve((1, 2), (0.25, 0.5), (0.25, 0.4375))
    >>> fig = pass_at_k_figure({"sft": curve})
    >>> len(fig.data), fig.layout.title.text
    (2, 'k = 1: sft 0.25 (naive 0.25)')

    Introduced in chapter 16.
    """
    import plotly.graph_objects as go

    ks = _check_curves(curves)
    k = check_int("k", k, minimum=1, maximum=len(ks))
    fig = go.Figure()
    for i, (name, c) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        for estimate, dash in (("unbiased", "solid"), ("naive", "dash")):
            fig.add_trace(
                go.Scatter(
                    x=list(c.k),
                    y=list(getattr(c, estimate)),
                    mode="lines+markers",
                    name=f"{name}, {estimate}",
                    line={"color": colour, "dash": dash},
                    marker={"size": 4},
                    hovertemplate=f"{name}, {estimate}: pass@%{{x}} = %{{y:.3f}}"
                    "<extra></extra>",
                )
            )

    def line(at: int) -> dict[str, Any]:
        return {
            "type": "line",
            "x0": at,
            "x1": at,
            "y0": 0,
            "y1": 1,
            "yref": "paper",
            "line": {"color": "#888888", "dash": "dot"},
        }

    steps = [
        {
            "label": str(at),
            "method": "relayout",
            "args": [{"title.text": pass_at_k_title(curves, at), "shapes": [line(at)]}],
        }
        for at in ks
    ]
    fig.update_layout(
        **plotly_layout(
            title={"text": pass_at_k_title(curves, k)},
            height=440,
            shapes=[line(k)],
            xaxis={"title": {"text": "k (tries allowed per question)"}},
            yaxis={"title": {"text": "pass@k (share of questions)"}, "range": [0, 1]},
            sliders=[
                {
                    "name": "tries k",
                    "active": k - 1,
                    "steps": steps,
                    "currentvalue": {"prefix": "k: "},
                }
            ],
            legend={"orientation": "h", "y": -0.25},
            margin={"l": 60, "r": 20, "t": 60, "b": 110},
        )
    )
    return fig


def plot_accuracy_bars(
    results: Mapping[str, Mapping[str, float]],
    *,
    ylabel: str = "accuracy (%)",
    chance: float | None = None,
) -> Figure:
    """Grouped bars: each model's accuracy on each set of questions (or by each method).

    Parameters
    ----------
    results : mapping of str to mapping of str to float
        Per model (a group), the accuracy in ``[0, 1]`` of each bar (in order; every
        model has the same bars).
    ylabel : str, default "accuracy (%)"
        The y-axis label.
    chance : float, optional
        An accuracy in ``[0, 1]`` to mark with a dotted line (e.g. 0.25, guessing among
        four options).

    Examples
    --------
    >>> fig = plot_accuracy_bars({"clean": {"test": 0.3, "other": 0.4}})
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [30, 40]

    Introduced in chapter 16.
    """
    check_mapping("results", results, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
    sets = list(next(iter(results.values())))
    width = 0.8 / max(len(sets), 1)
    for j, set_name in enumerate(sets):
        values = []
        for model, accuracies in results.items():
            check_mapping(f"results[{model!r}]", accuracies, allow_empty=False)
            values.append(100 * check_floats(model, [accuracies[set_name]])[0])
        xs = [i + (j - (len(sets) - 1) / 2) * width for i in range(len(results))]
        bars = ax.bar(xs, values, width=width, color=PALETTE[j], label=set_name)
        ax.bar_label(bars, fmt="%.0f", fontsize=9)
    ax.set_xticks(range(len(results)), list(results))
    ax.set_ylabel(check_str("ylabel", ylabel))
    ax.set_ylim(0, 105)
    if chance is not None:
        chance = check_floats("chance", [chance])[0]
        ax.axhline(100 * chance, color="#888888", linestyle=":", linewidth=1)
    ax.legend(loc="upper left", ncols=len(sets))
    return fig


def plot_elo_orders(
    bradley_terry: Mapping[str, float],
    elo_range: Mapping[str, tuple[float, float]],
    intervals: Mapping[str, tuple[float, float]],
) -> Figure:
    """Per model: its Bradley-Terry rating and interval, and the range of online Elo.

    Parameters
    ----------
    bradley_terry : mapping of str to float
        One rating per model (a dot).
    elo_range : mapping of str to (float, float)
        The lowest and highest final Elo over orders of the same battles (a thick bar).
    intervals : mapping of str to (float, float)
        The bootstrap interval of the Bradley-Terry rating (a thin line).

    Examples
    --------
    >>> fig = plot_elo_orders({"a": 1010.0}, {"a": (990.0, 1030.0)}, {"a": (1000.0, 1020.0)})
    >>> fig.axes[0].get_yticklabels()[0].get_text()
    'a'

    Introduced in chapter 16.
    """
    check_mapping("bradley_terry", bradley_terry, allow_empty=False)
    check_mapping("elo_range", elo_range, allow_empty=False)
    check_mapping("intervals", intervals, allow_empty=False)
    names = sorted(bradley_terry, key=lambda n: bradley_terry[n])
    fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(names) + 1.4), layout="constrained")
    for y, name in enumerate(names):
        low, high = check_floats(f"elo_range[{name!r}]", elo_range[name])
        ax.plot(
            [low, high],
            [y + 0.15] * 2,
            color=PALETTE[1],
            linewidth=6,
            solid_capstyle="butt",
            label="online Elo, over orders" if y == 0 else None,
        )
        lo, hi = check_floats(f"intervals[{name!r}]", intervals[name])
        ax.plot(
            [lo, hi],
            [y - 0.15] * 2,
            color=PALETTE[0],
            linewidth=1.5,
            label="Bradley-Terry, bootstrap interval" if y == 0 else None,
        )
        ax.plot(
            [bradley_terry[name]],
            [y - 0.15],
            "o",
            color=PALETTE[0],
            label="Bradley-Terry" if y == 0 else None,
        )
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_xlabel("rating (points; 400 = odds of 10 to 1)")
    ax.legend(loc="lower right", fontsize=8)
    return fig
