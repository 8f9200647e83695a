"""Chapter 6's figures: gradient descent on a valley, a training run with samples, model sizes.

Introduced in chapter 6.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
from matplotlib.figure import Figure

from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_str
from stepbytoken.evaluation import non_embedding_parameters
from stepbytoken.nn import GPT
from stepbytoken.training import DescentPath, TrainResult, Valley, loss_grid

__all__ = [
    "plot_descent_losses",
    "plot_descent_paths",
    "plot_lr_schedule",
    "plot_model_sizes",
    "plot_training_samples",
]


def _descent_title(lr: float, path: DescentPath) -> str:
    """The slider figure's title for one learning rate: its final loss, or that it diverged."""
    steps = len(path.losses) - 1
    if path.diverged or path.losses[-1] > path.losses[0]:
        return f"learning rate {lr}: diverges (loss {path.losses[-1]:.3g} after {steps} steps)"
    return f"learning rate {lr}: loss {path.losses[-1]:.3g} after {steps} steps"


def plot_descent_paths(
    valley: Valley, paths: Mapping[float, DescentPath], *, shown: float
) -> go.Figure:
    """Gradient-descent paths on a two-weight valley, one per learning rate, chosen by a slider.

    Parameters
    ----------
    valley : Valley
        The loss surface, drawn as filled contours over ``w₁`` in [-3, 4], ``w₂`` in [-2, 3.5].
    paths : mapping of float to DescentPath
        The path of each learning rate, in slider order.
    shown : float
        The learning rate whose path is drawn before the reader moves the slider.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    ValueError
        If ``shown`` is not a key of ``paths``.

    Examples
    --------
    >>> from stepbytoken.training import gradient_descent
    >>> valley = Valley()
    >>> paths = {lr: gradient_descent(valley, (0.0, 2.0), lr=lr, steps=5) for lr in (0.05, 0.1)}
    >>> fig = plot_descent_paths(valley, paths, shown=0.1)
    >>> len(fig.layout.sliders[0].steps), fig.layout.sliders[0].active
    (2, 1)

    Introduced in chapter 6.
    """
    if shown not in paths:
        raise ValueError(
            f"shown must be one of the learning rates {list(paths)}, got {shown!r}"
        )
    xs, ys = np.linspace(-3.0, 4.0, 141), np.linspace(-2.0, 3.5, 111)
    fig = go.Figure()
    fig.add_contour(
        x=xs,
        y=ys,
        z=loss_grid(valley, xs, ys),
        colorscale="Blues",
        reversescale=True,
        contours=dict(start=0, end=60, size=2.5),
        line_width=0.5,
        showscale=False,
        hovertemplate="w₁ %{x:.2f}, w₂ %{y:.2f}<br>loss %{z:.2f}<extra></extra>",
    )
    fig.add_scatter(
        x=paths[shown].points[:, 0],
        y=paths[shown].points[:, 1],
        mode="lines+markers",
        line=dict(color=PALETTE[1], width=2),
        marker=dict(size=5),
        name="path",
        hovertemplate="w₁ %{x:.2f}, w₂ %{y:.2f}<extra>step</extra>",
    )
    fig.add_scatter(
        x=[valley.centre[0]],
        y=[valley.centre[1]],
        mode="markers",
        name="minimum",
        marker=dict(symbol="x", size=11, color=PALETTE[3]),
        hoverinfo="skip",
    )
    steps = [
        dict(
            method="update",
            label=str(lr),
            args=[
                {"x": [path.points[:, 0].tolist()], "y": [path.points[:, 1].tolist()]},
                {"title.text": _descent_title(lr, path)},
                [1],
            ],
        )
        for lr, path in paths.items()
    ]
    fig.update_layout(
        **plotly_layout(
            height=520,
            title=_descent_title(shown, paths[shown]),
            showlegend=False,
            margin=dict(l=60, r=20, t=50, b=40),
            xaxis=dict(title="weight w₁", range=[xs[0], xs[-1]]),
            yaxis=dict(title="weight w₂", range=[ys[0], ys[-1]], scaleanchor="x"),
            sliders=[
                dict(
                    active=list(paths).index(shown),
                    steps=steps,
                    pad=dict(t=45),
                    currentvalue=dict(prefix="learning rate: "),
                )
            ],
        )
    )
    return fig


def plot_descent_losses(
    paths: Mapping[float, DescentPath], lrs: Sequence[float]
) -> Figure:
    """The loss at every step of some of the paths, on a log scale.

    Parameters
    ----------
    paths : mapping of float to DescentPath
        The path of each learning rate.
    lrs : sequence of float
        The learning rates to draw (keys of ``paths``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If a learning rate of ``lrs`` is not a key of ``paths``.

    Examples
    --------
    >>> from stepbytoken.training import gradient_descent
    >>> path = gradient_descent(Valley(), (0.0, 2.0), lr=0.1, steps=5)
    >>> len(plot_descent_losses({0.1: path}, [0.1]).axes[0].lines)
    1

    Introduced in chapter 6.
    """
    missing = [lr for lr in lrs if lr not in paths]
    if missing:
        raise ValueError(
            f"lrs must be learning rates of paths {list(paths)}, got {missing}"
        )
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    for lr in lrs:
        ax.plot(paths[lr].losses, label=f"learning rate {lr}", marker=".", markersize=3)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _sample_note(step: int, prompt: str, sample: str) -> list[dict[str, Any]]:
    """The annotation above the chart: the prompt and a sample, at most six lines wrapped
    at 40 characters (what fits above the chart on a phone)."""
    sample = "".join(c if c.isprintable() or c == "\n" else "\ufffd" for c in sample)
    lines: list[str] = []
    for paragraph in (prompt + sample).split("\n"):
        lines += textwrap.wrap(paragraph, 40) or [""]
    body = "<br>".join(html.escape(line, quote=False) for line in lines[:6])
    return [
        dict(
            text=f"<b>step {step}</b><br>{body}",
            xref="paper",
            yref="paper",
            x=0,
            y=1.03,
            xanchor="left",
            yanchor="bottom",
            align="left",
            showarrow=False,
            font=dict(family="ui-monospace, monospace", size=12),
        )
    ]


def plot_training_samples(
    result: TrainResult, samples: Mapping[int, Sequence[str]], prompt: str
) -> go.Figure:
    """A run's loss curves, with a slider that shows what the model wrote at chosen steps.

    Parameters
    ----------
    result : TrainResult
        The run (its per-step batch losses and its held-out evaluations).
    samples : mapping of int to sequence of str
        Samples taken during the run (e.g. :attr:`SampleRecorder.samples`), by step; the
        first sample of each step is shown, after ``prompt``.
    prompt : str
        The text the samples continue.

    Returns
    -------
    plotly.graph_objects.Figure
        Starts at the last sampled step.

    Raises
    ------
    ValueError
        If ``samples`` is empty or a step was not part of the run.

    Examples
    --------
    >>> from stepbytoken.training import TrainConfig
    >>> result = TrainResult(TrainConfig(steps=2), steps=[0, 1], train_loss=[3.0, 2.5],
    ...                      eval_steps=[0, 2], eval_val_loss=[3.1, 2.4])
    >>> fig = plot_training_samples(result, {0: ["abc"], 2: ["a cat"]}, "Once")
    >>> [s.label for s in fig.layout.sliders[0].steps], fig.data[2].y
    (['0', '2'], (2.4,))

    Introduced in chapter 6.
    """
    check_str("prompt", prompt)
    if not samples:
        raise ValueError("samples must hold at least one step")
    val_at = dict(zip(result.eval_steps, result.eval_val_loss, strict=True))
    steps = sorted(samples)
    for step in steps:
        if step not in val_at and not 0 <= step < len(result.train_loss):
            raise ValueError(f"step {step} of samples is not a step of the run")

    def loss_at(step: int) -> float:
        return val_at[step] if step in val_at else result.train_loss[step]

    fig = go.Figure()
    fig.add_scatter(
        x=result.steps,
        y=result.train_loss,
        name="training batch",
        opacity=0.45,
        line=dict(color=PALETTE[5]),
    )
    fig.add_scatter(
        x=result.eval_steps,
        y=result.eval_val_loss,
        name="held-out",
        mode="lines+markers",
        line=dict(color=PALETTE[0]),
    )
    fig.add_scatter(
        x=[steps[-1]],
        y=[loss_at(steps[-1])],
        name="sample taken",
        mode="markers",
        marker=dict(size=14, color=PALETTE[1], symbol="diamond"),
    )
    slider_steps = [
        dict(
            method="update",
            label=str(step),
            args=[
                {"x": [[step]], "y": [[loss_at(step)]]},
                {"annotations": _sample_note(step, prompt, samples[step][0])},
                [2],
            ],
        )
        for step in steps
    ]
    fig.update_layout(
        **plotly_layout(
            height=600,
            hovermode="x",
            margin=dict(l=60, r=20, t=140, b=40),
            xaxis_title="training step",
            yaxis_title="loss (nats per token)",
            annotations=_sample_note(steps[-1], prompt, samples[steps[-1]][0]),
            legend=dict(
                x=0.98, y=0.98, xanchor="right", bgcolor="rgba(255,255,255,0.8)"
            ),
            sliders=[
                dict(
                    active=len(steps) - 1,
                    steps=slider_steps,
                    pad=dict(t=45),
                    currentvalue=dict(prefix="sample after step "),
                )
            ],
        )
    )
    return fig


def plot_lr_schedule(result: TrainResult) -> Figure:
    """The learning rate used at each step of a run.

    Parameters
    ----------
    result : TrainResult
        The run.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from stepbytoken.training import TrainConfig
    >>> result = TrainResult(TrainConfig(steps=2), steps=[0, 1], lr=[0.5, 1.0])
    >>> plot_lr_schedule(result).axes[0].lines[0].get_ydata().tolist()
    [0.5, 1.0]

    Introduced in chapter 6.
    """
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult, got {type(result).__name__}")
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    ax.plot(result.steps, result.lr)
    ax.set_xlabel("training step")
    ax.set_ylabel("learning rate")
    return fig


def plot_model_sizes(runs: Mapping[int, tuple[GPT, TrainResult]]) -> Figure:
    """Held-out loss of GPTs of several widths: during training, and at the end against size.

    Parameters
    ----------
    runs : mapping of int to (GPT, TrainResult)
        For each ``d_model``, the trained model and its run.

    Returns
    -------
    matplotlib.figure.Figure
        Left: held-out loss against step. Right: final held-out loss against the number of
        non-embedding parameters (log scale).

    Raises
    ------
    ValueError
        If ``runs`` is empty.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> from stepbytoken.training import TrainConfig
    >>> model = GPT(GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, d_model=2))
    >>> result = TrainResult(TrainConfig(steps=1), eval_steps=[0, 1], eval_val_loss=[2.3, 2.1])
    >>> fig = plot_model_sizes({2: (model, result)})
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['d_model 2']

    Introduced in chapter 6.
    """
    if not runs:
        raise ValueError("runs must hold at least one model")
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.2))
    for d_model, (model, result) in sorted(runs.items()):
        size = non_embedding_parameters(model)
        left.plot(
            result.eval_steps,
            result.eval_val_loss,
            marker=".",
            label=f"d_model {d_model}",
        )
        right.scatter(size, result.final_val_loss, s=30)
        right.annotate(
            f"d_model {d_model}",
            (size, result.final_val_loss),
            textcoords="offset points",
            xytext=(6, 4),
        )
    left.set_xlabel("training step")
    left.set_ylabel("held-out loss (nats)")
    left.set_ylim(top=5.0)
    left.legend()
    right.set_xscale("log")
    right.margins(x=0.3, y=0.15)
    right.set_xlabel("non-embedding parameters")
    right.set_ylabel("final held-out loss (nats)")
    fig.tight_layout()
    return fig
