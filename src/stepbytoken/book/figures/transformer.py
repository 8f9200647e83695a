"""Chapter 5's figures: the GPT explorer and calculator widgets, positions, parameter shares,
and what breaks without residuals or norms.

The widgets get every configuration's parameter breakdown as data, computed once in Python by
:func:`~stepbytoken.nn.parameters.parameter_breakdown`.

Introduced in chapter 5.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import plotly.graph_objects as go
from matplotlib.figure import Figure
from torch import Tensor

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_float, check_int, check_mapping, check_tensor
from stepbytoken.evaluation import DepthProfile
from stepbytoken.nn import GPTConfig, parameter_breakdown
from stepbytoken.training import TrainResult

__all__ = [
    "gpt2_sizes",
    "parameter_calculator",
    "plot_ablation_runs",
    "plot_depth_profiles",
    "plot_parameter_shares",
    "plot_positions",
    "transformer_explorer",
]


def gpt2_sizes() -> dict[str, GPTConfig]:
    """The four sizes of GPT-2, by name (small, medium, large, XL).

    Examples
    --------
    >>> {name: c.n_layer for name, c in gpt2_sizes().items()}
    {'GPT-2 small': 12, 'GPT-2 medium': 24, 'GPT-2 large': 36, 'GPT-2 XL': 48}

    Introduced in chapter 5.
    """
    return {
        "GPT-2 small": GPTConfig.gpt2_small(),
        "GPT-2 medium": GPTConfig.gpt2_small(n_layer=24, n_head=16, d_model=1024),
        "GPT-2 large": GPTConfig.gpt2_small(n_layer=36, n_head=20, d_model=1280),
        "GPT-2 XL": GPTConfig.gpt2_small(n_layer=48, n_head=25, d_model=1600),
    }


def widget_configs(configs: Mapping[str, GPTConfig]) -> list[dict[str, Any]]:
    """Named configurations as widget data: every field, and the parameters of each part.

    Examples
    --------
    >>> [c] = widget_configs({"tiny": GPTConfig(vocab_size=10, block_size=4, n_layer=1,
    ...                                         n_head=1, d_model=2)})
    >>> c["name"], c["d_model"], sum(c["breakdown"].values())
    ('tiny', 2, 106)

    Introduced in chapter 5.
    """
    if not configs:
        raise ValueError("configs must map at least one name to a GPTConfig")
    for name, c in configs.items():
        if not isinstance(c, GPTConfig):
            raise TypeError(
                f"configs[{name!r}] must be a GPTConfig, got {type(c).__name__}"
            )
    return [
        {"name": name, **dataclasses.asdict(c), "breakdown": parameter_breakdown(c)}
        for name, c in configs.items()
    ]


def transformer_explorer(
    configs: Mapping[str, GPTConfig], start: int = 0
) -> InteractiveFigure:
    """The explorable diagram of a GPT: each stage's tensor shape and parameters.

    Parameters
    ----------
    configs : mapping of str to GPTConfig
        The models offered in its menu.
    start : int
        Index of the model shown first.

    Returns
    -------
    InteractiveFigure

    Raises
    ------
    ValueError
        If ``configs`` is empty or ``start`` is not one of its indices.

    Examples
    --------
    >>> 'data-sbt-widget="transformer"' in transformer_explorer(gpt2_sizes()).html
    True

    Introduced in chapter 5.
    """
    data = widget_configs(configs)
    check_int("start", start, minimum=0, maximum=len(data) - 1)
    return widget(
        "transformer",
        {
            "mode": "block",
            "title": "Inside a GPT, stage by stage",
            "configs": data,
            "start": start,
        },
        label="Explorable diagram of a GPT block with tensor shapes and parameter counts",
    )


def parameter_calculator(
    presets: Mapping[str, GPTConfig], start: int = 0
) -> InteractiveFigure:
    """The parameter calculator: sizes typed by the reader, or chosen from ``presets``.

    Parameters
    ----------
    presets : mapping of str to GPTConfig
        One button each.
    start : int
        Index of the preset loaded first.

    Returns
    -------
    InteractiveFigure

    Raises
    ------
    ValueError
        If ``presets`` is empty or ``start`` is not one of its indices.

    Examples
    --------
    >>> 'data-sbt-widget="transformer"' in parameter_calculator(gpt2_sizes(), start=1).html
    True

    Introduced in chapter 5.
    """
    data = widget_configs(presets)
    check_int("start", start, minimum=0, maximum=len(data) - 1)
    return widget(
        "transformer",
        {
            "mode": "calculator",
            "title": "Parameter calculator",
            "presets": data,
            "start": start,
        },
        label="Parameter calculator: exact parameter count of a GPT from its sizes",
    )


def plot_positions(positions: Tensor, rope_scores: Tensor) -> Figure:
    """Two heatmaps: sinusoidal position vectors, and RoPE scores by query and key position.

    Parameters
    ----------
    positions : Tensor
        ``(T, d)`` position vectors, one row per position.
    rope_scores : Tensor
        ``(T', T')``: entry ``[m, n]`` is the score of a query at ``m`` and a key at ``n``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import torch
    >>> len(plot_positions(torch.zeros(8, 4), torch.zeros(5, 5)).axes)  # two maps, two colorbars
    4

    Introduced in chapter 5.
    """
    check_tensor("positions", positions, dims=2, integer=False)
    check_tensor("rope_scores", rope_scores, dims=2, integer=False)
    positions, rope_scores = positions.detach().numpy(), rope_scores.detach().numpy()
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.6))
    image = axes[0].imshow(positions, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    axes[0].set_xlabel("feature")
    axes[0].set_ylabel("position")
    axes[0].set_title("sinusoidal position vectors")
    fig.colorbar(image, ax=axes[0], shrink=0.8)
    image = axes[1].imshow(rope_scores, cmap="viridis", aspect="auto")
    axes[1].set_xlabel("key position n")
    axes[1].set_ylabel("query position m")
    axes[1].set_title("RoPE score q(m) · k(n)")
    fig.colorbar(image, ax=axes[1], shrink=0.8)
    for ax in axes:
        ax.grid(False)
    fig.tight_layout()
    return fig


def plot_parameter_shares(configs: Mapping[str, GPTConfig]) -> go.Figure:
    """Stacked bars: each part's share of each model's parameters (hover for exact counts).

    Parameters
    ----------
    configs : mapping of str to GPTConfig
        One bar per model, top to bottom.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = plot_parameter_shares(gpt2_sizes())
    >>> [trace.name for trace in fig.data][:2], round(sum(t.x[0] for t in fig.data))
    (['token embedding', 'positions'], 100)

    Introduced in chapter 5.
    """
    parts = {item["name"]: item["breakdown"] for item in widget_configs(configs)}
    names = list(parts)
    totals = [sum(parts[n].values()) for n in names]
    fig = go.Figure()
    for kind in parts[names[0]]:
        fig.add_bar(
            y=names,
            x=[100 * parts[n][kind] / t for n, t in zip(names, totals, strict=True)],
            orientation="h",
            name=kind,
            customdata=[
                [parts[n][kind], t] for n, t in zip(names, totals, strict=True)
            ],
            hovertemplate="%{y}: "
            + kind
            + " %{customdata[0]:,} of %{customdata[1]:,} (%{x:.1f}%)<extra></extra>",
        )
    fig.update_layout(
        **plotly_layout(
            height=340,
            barmode="stack",
            xaxis_title="share of parameters (%)",
            yaxis_autorange="reversed",
            legend_orientation="h",
            legend_y=-0.3,
            legend_traceorder="normal",
            margin={"l": 110, "r": 20, "t": 20, "b": 50},
        )
    )
    return fig


#: Line style and width of each ablation variant in :func:`plot_depth_profiles`.
DEPTH_STYLES = {"full": ("-", 3.0), "no residual": ("-", 1.5), "no norm": ("--", 1.5)}


def plot_depth_profiles(
    profiles: Mapping[str, DepthProfile], floor: float = 1e-30
) -> Figure:
    """Size of the residual stream after each block, and of the gradient reaching each block.

    Parameters
    ----------
    profiles : mapping of str to DepthProfile
        One line per variant, from :func:`~stepbytoken.evaluation.ablation.depth_profile`.
    floor : float
        Exact zeros (underflow) are drawn at this value, the bottom of the log scales.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> p = DepthProfile(loss=1.0, stream_rms=[1.0, 0.5, 0.0], grad_norms=[0.0, 1.0])
    >>> [len(ax.get_lines()) for ax in plot_depth_profiles({"neither": p}).axes]
    [1, 1]

    Introduced in chapter 5.
    """
    check_mapping("profiles", profiles)
    floor = check_float("floor", floor, minimum=0, open_minimum=True)  # a log axis
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.4))
    for name, p in profiles.items():
        ls, lw = DEPTH_STYLES.get(name, ("-", 1.5))
        axes[0].plot(
            range(len(p.stream_rms)),
            [max(v, floor) for v in p.stream_rms],
            ls=ls,
            lw=lw,
            marker="o",
            ms=3,
            label=name,
        )
        axes[1].plot(
            range(1, len(p.grad_norms) + 1),
            [max(v, floor) for v in p.grad_norms],
            ls=ls,
            lw=lw,
            marker="o",
            ms=3,
            label=name,
        )
    axes[0].set_xlabel("depth (0 = embeddings)")
    axes[0].set_ylabel("RMS of the residual stream")
    axes[1].set_xlabel("block")
    axes[1].set_ylabel("gradient norm of the block")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_ylim(floor / 3, 30)
        ax.text(
            0.02, 0.03, "exactly 0", transform=ax.transAxes, fontsize=8, color="#555555"
        )
    axes[1].legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_ablation_runs(runs: Mapping[str, TrainResult], unigram: float) -> Figure:
    """Loss curves of training runs (thin lines: batches, dots: held-out), and the unigram loss.

    Parameters
    ----------
    runs : mapping of str to TrainResult
        At most three runs, one colour each.
    unigram : float
        The loss of a model that ignores context (dashed).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If there are more than three runs.

    Examples
    --------
    >>> from stepbytoken.training import TrainConfig
    >>> run = TrainResult(TrainConfig(), steps=[0, 1], train_loss=[5.0, 4.0])
    >>> len(plot_ablation_runs({"full": run}, unigram=4.5).axes[0].get_lines())
    3

    Introduced in chapter 5.
    """
    check_mapping("runs", runs)
    unigram = check_float("unigram", unigram, minimum=0)
    colours = [PALETTE[0], PALETTE[3], PALETTE[2]]
    if len(runs) > len(colours):
        raise ValueError(f"runs must hold at most {len(colours)} runs, got {len(runs)}")
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for (name, run), colour in zip(runs.items(), colours, strict=False):
        ax.plot(run.steps, run.train_loss, color=colour, alpha=0.35, lw=1)
        # held-out losses as dots only: a line between checkpoints would invent the path
        ax.plot(run.eval_steps, run.eval_val_loss, "o", color=colour, ms=5, label=name)
    ax.axhline(unigram, color="#555555", ls="--", lw=1)
    ax.text(1, unigram - 0.08, "unigram", ha="left", va="top", color="#555555")
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (nats per word)")
    ax.legend()
    return fig
