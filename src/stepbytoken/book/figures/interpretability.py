"""Chapter 20's figures: induction scores, the phase change, head ablations, a feature browser.

The matplotlib figures draw from plain numbers (the scores of
:mod:`~stepbytoken.evaluation.induction`, the recipe's ``scores.json``);
:func:`plot_feature_browser` builds the Plotly feature browser from the top contexts shipped by
:mod:`~stepbytoken.recipes.sae` and the steering effects measured on the page.

Introduced in chapter 20.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import plotly.graph_objects as go
from matplotlib.figure import Figure
from plotly.subplots import make_subplots

from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_floats, check_mapping, check_str

__all__ = [
    "context_label",
    "plot_ablation",
    "plot_feature_browser",
    "plot_phase_change",
    "plot_prefix_matching",
]


def plot_prefix_matching(scores: Mapping[str, float], chance: float) -> Figure:
    """Bar chart of each model's best prefix-matching score, with the chance level.

    Introduced in chapter 20.

    Parameters
    ----------
    scores : mapping of str to float
        Model name -> its highest prefix-matching score over heads (0 to 1).
    chance : float
        The score of a head that spreads its attention evenly.

    Examples
    --------
    >>> fig = plot_prefix_matching({"xs": 0.02, "trained to copy": 0.6}, 0.02)
    >>> len(fig.axes[0].patches)
    2
    """
    check_mapping("scores", scores)
    values = check_floats("scores", list(scores.values()), min_size=1)
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    colours = [PALETTE[0]] * (len(values) - 1) + [PALETTE[3]]
    ax.bar(list(scores), values, color=colours)
    ax.axhline(chance, color="#555555", linestyle="--", linewidth=1)
    ax.annotate("even attention", (len(values) - 0.5, chance), va="bottom", ha="right",
                fontsize=9, color="#555555")  # fmt: skip
    ax.set_ylabel("best prefix-matching score")
    ax.set_ylim(0, 1)
    fig.tight_layout()
    return fig


def plot_phase_change(scores: Mapping[str, Any]) -> Figure:
    """Two panels over training steps: the heads' scores and the in-context gain.

    The top panel shows the best previous-token score of layer 0 and the best
    prefix-matching score of the last layer; the bottom panel the loss on the first half
    of the repeated test sequences minus the loss on the second half (nats).

    Introduced in chapter 20.

    Parameters
    ----------
    scores : mapping
        ``scores.json`` of :func:`~stepbytoken.recipes.induction.load_induction`.

    Examples
    --------
    >>> s = {"steps": [0, 10], "previous_token": [[[0.1]], [[0.5]]],
    ...      "prefix_matching": [[[0.0]], [[0.4]]], "loss_first": [7.0, 6.0],
    ...      "loss_second": [7.0, 2.0]}
    >>> len(plot_phase_change(s).axes)
    2
    """
    check_mapping("scores", scores)
    steps = scores["steps"]
    previous = [max(run[0]) for run in scores["previous_token"]]
    prefix = [max(run[-1]) for run in scores["prefix_matching"]]
    gain = [
        a - b for a, b in zip(scores["loss_first"], scores["loss_second"], strict=True)
    ]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 4.6), sharex=True)
    top.plot(steps, previous, color=PALETTE[1], label="previous-token (layer 0)")
    top.plot(steps, prefix, color=PALETTE[0], label="prefix matching (layer 1)")
    top.set_ylabel("attention score")
    top.set_ylim(0, 1)
    top.legend(loc="upper left")
    bottom.plot(steps, gain, color=PALETTE[3])
    bottom.axhline(0, color="#555555", linewidth=0.8)
    bottom.set_ylabel("loss 1st − 2nd half\n(nats)")
    bottom.set_xlabel("training step")
    fig.tight_layout()
    return fig


def plot_ablation(losses: Mapping[str, float], clean: float) -> Figure:
    """Horizontal bars: the loss on the repeated halves with one head ablated at a time.

    Introduced in chapter 20.

    Parameters
    ----------
    losses : mapping of str to float
        Head label (``"layer 0, head 1"``) -> loss (nats) with that head ablated.
    clean : float
        The loss with no head ablated.

    Examples
    --------
    >>> fig = plot_ablation({"layer 0, head 0": 1.0, "layer 1, head 0": 4.0}, 0.9)
    >>> len(fig.axes[0].patches)
    2
    """
    check_mapping("losses", losses)
    values = check_floats("losses", list(losses.values()), min_size=1)
    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(values) + 1.2))
    ax.barh(list(losses), values, color=PALETTE[0])
    ax.axvline(clean, color=PALETTE[3], linestyle="--", linewidth=1.2)
    ax.annotate("no ablation", (clean, len(values) - 0.5), ha="left", va="bottom",
                fontsize=9, color=PALETTE[3])  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("loss on the repeated half (nats)")
    fig.tight_layout()
    return fig


def context_label(context: Mapping[str, Any], width: int = 34) -> str:
    """One top-activating context as Plotly text: the last ``width`` characters before the
    token, the token in bold brackets, and what follows (line breaks shown as ``⏎``).

    Introduced in chapter 20.

    Examples
    --------
    >>> context_label({"before": "She went to the", "token": " market", "after": "."})
    'She went to the<b>[ market]</b>.'
    """
    check_mapping("context", context)

    def clean(text: str) -> str:
        return html.escape(check_str("context text", text).replace("\n", "⏎"))

    before = context["before"][-width:]
    return f"{clean(before)}<b>[{clean(context['token'])}]</b>{clean(context['after'])}"


def plot_feature_browser(
    features: Mapping[str, Mapping[str, Any]],
    scales: Sequence[float],
) -> go.Figure:
    """The feature browser: pick a feature, see its top contexts and its steering effect.

    Introduced in chapter 20.

    Parameters
    ----------
    features : mapping
        Menu label -> ``{"contexts": [...], "label": str, "steering": [...]}``: the top
        contexts (dicts with ``before``, ``token``, ``after``, ``value``), the label the
        feature matches, and the probability of that label's words after the prompts at
        each of ``scales``.
    scales : sequence of float
        The steering scales.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> ctx = [{"before": "a", "token": " red", "after": ".", "value": 3.0}]
    >>> fig = plot_feature_browser(
    ...     {"feature 7": {"contexts": ctx, "label": "colour", "steering": [0.1, 0.5]}},
    ...     [0, 10])
    >>> len(fig.data), fig.layout.updatemenus[0].buttons[0].label
    (2, 'feature 7')
    """
    check_mapping("features", features)
    scales = check_floats("scales", list(scales), min_size=1)
    if not features:
        raise ValueError("features must hold at least one feature")
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.62, 0.38],
        vertical_spacing=0.2,
    )
    names = list(features)
    texts = []
    for n, name in enumerate(names):
        item = features[name]
        contexts = item["contexts"]
        labels = [context_label(c) for c in contexts]
        texts.append(labels)
        fig.add_bar(
            x=[c["value"] for c in contexts],
            y=list(range(len(contexts))),
            orientation="h",
            marker_color=PALETTE[0],
            visible=n == 0,
            name=name,
            customdata=labels,
            hovertemplate="%{customdata}<br>activation %{x:.2f}<extra></extra>",
            row=1,
            col=1,
        )
        steering = check_floats("steering", list(item["steering"]), min_size=1)
        fig.add_scatter(
            x=scales,
            y=[100 * p for p in steering],
            mode="lines+markers",
            line={"color": PALETTE[3]},
            visible=n == 0,
            name=f"{name}: {item['label']} words",
            hovertemplate="scale %{x}: %{y:.1f}%<extra></extra>",
            row=2,
            col=1,
        )

    def axis_text(n: int) -> dict[str, Any]:
        item = features[names[n]]
        return {
            "yaxis.ticktext": texts[n],
            "yaxis.tickvals": list(range(len(texts[n]))),
            "yaxis2.title.text": f"P({item['label']} word) %",
        }

    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [
                {"visible": [k // 2 == n for k in range(2 * len(names))]},
                axis_text(n),
            ],
        }
        for n, name in enumerate(names)
    ]
    fig.update_layout(
        **plotly_layout(
            height=620,
            showlegend=False,
            margin={"l": 250, "r": 20, "t": 70, "b": 50},
            updatemenus=[
                {
                    "name": "feature",
                    "direction": "down",
                    "x": 0.0,
                    "y": 1.12,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "buttons": buttons,
                }
            ],
        )
    )
    fig.update_yaxes(
        autorange="reversed", tickfont={"size": 10}, row=1, col=1,
        ticktext=texts[0], tickvals=list(range(len(texts[0]))),
    )  # fmt: skip
    fig.update_xaxes(title_text="activation in its top contexts", row=1, col=1)
    fig.update_xaxes(title_text="steering scale (feature added)", row=2, col=1)
    fig.update_yaxes(title_text=axis_text(0)["yaxis2.title.text"], row=2, col=1)
    return fig
