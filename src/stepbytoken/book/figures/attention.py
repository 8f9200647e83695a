"""Chapter 4's figures: attention weights as tables and heatmaps, scaling, cost, head probes.

Introduced in chapter 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import check_int, check_mapping, check_str, check_tensor
from stepbytoken.evaluation.attention_cost import AttentionCost
from stepbytoken.nn import causal_mask

__all__ = [
    "matrix_table",
    "plot_attention_cost",
    "plot_causal_weights",
    "plot_head_accuracy",
    "plot_scaling",
]


def matrix_table(
    title: str, matrix: Tensor, rows: Sequence[str], cols: Sequence[str] | None = None
) -> str:
    """A small matrix as text, with a title and labelled rows and columns.

    Parameters
    ----------
    title : str
        First line of the table.
    matrix : Tensor
        Shape ``(len(rows), len(cols))``.
    rows, cols : sequence of str
        Row and column labels (``cols`` defaults to ``rows``).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the labels do not match the matrix's shape.

    Examples
    --------
    >>> import torch
    >>> print(matrix_table("weights", torch.tensor([[1.0, 0.0], [0.25, 0.75]]), ["a", "b"]))
    weights
                 a      b
          a   1.00   0.00
          b   0.25   0.75

    Introduced in chapter 4.
    """
    check_str("title", title)
    check_tensor("matrix", matrix, dims=2)
    cols = rows if cols is None else cols
    if tuple(matrix.shape) != (len(rows), len(cols)):
        raise ValueError(
            f"matrix must have shape (len(rows), len(cols)) = ({len(rows)}, {len(cols)}), "
            f"got {tuple(matrix.shape)}"
        )
    lines = [title, " " * 7 + "".join(f"{c:>7}" for c in cols)]
    for name, row in zip(rows, matrix.tolist(), strict=True):
        lines.append(f"{name:>7}" + "".join(f"{x:7.2f}" for x in row))
    return "\n".join(lines)


def plot_scaling(
    stats: Mapping[tuple[int, bool], Mapping[str, float]], n_keys: int
) -> Figure:
    """Effective number of keys and softmax Jacobian size against the width d, with and
    without the division by ``sqrt(d)``.

    Parameters
    ----------
    stats : mapping
        ``(d, scaled) -> {"effective": ..., "jacobian": ...}`` for every width d, scaled
        True and False.
    n_keys : int
        Keys per query (the top of the left panel's axis).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> stats = {(d, s): {"effective": 4.0, "jacobian": 0.5} for d in (4, 16) for s in (0, 1)}
    >>> len(plot_scaling(stats, n_keys=8).axes)
    2

    Introduced in chapter 4.
    """
    check_mapping("stats", stats, allow_empty=False)
    check_int("n_keys", n_keys, minimum=1)
    dims = sorted({d for d, _ in stats})
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.6), layout="constrained")
    for scaled, colour, label in (
        (True, PALETTE[0], "scores / sqrt(d)"),
        (False, PALETTE[1], "raw scores"),
    ):
        for ax, key in zip(axes, ("effective", "jacobian"), strict=True):
            values = [stats[(d, scaled)][key] for d in dims]
            ax.plot(dims, values, "o-", color=colour, label=label)
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(dims, [str(d) for d in dims])
        ax.set_xlabel("width of queries and keys, d")
    axes[0].set_ylabel("effective number of keys")
    axes[0].set_ylim(0, n_keys)
    axes[1].set_ylabel("softmax Jacobian size")
    axes[1].set_ylim(0, None)
    fig.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2
    )
    return fig


def plot_attention_cost(cost: AttentionCost) -> Figure:
    """Time (left) and peak memory (right) of attention against the context length, log-log.

    Each panel has the book's explicit attention and PyTorch's fused one; the right panel also
    has the size of the ``T x T`` score matrices by arithmetic (dashed), and the left a line
    growing as ``T**2`` through the explicit function's last point (dotted).

    Parameters
    ----------
    cost : AttentionCost
        From :func:`~stepbytoken.evaluation.attention_cost.attention_cost`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``cost`` is not an :class:`~stepbytoken.evaluation.attention_cost.AttentionCost`.

    Examples
    --------
    >>> cost = AttentionCost((8, 16), {"explicit": (1e-3, 4e-3), "fused": (1e-3, 2e-3)},
    ...                      {"explicit": (512, 2048), "fused": (64, 128)}, (256, 1024))
    >>> [len(ax.get_lines()) for ax in plot_attention_cost(cost).axes]
    [3, 3]

    Introduced in chapter 4.
    """
    if not isinstance(cost, AttentionCost):
        raise TypeError(f"cost must be an AttentionCost, got {type(cost).__name__}")
    T = np.array(cost.lengths, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 4.2), layout="constrained")
    labels = {"explicit": "ours (stores the weights)", "fused": "PyTorch's fused"}
    for colour, method in zip(
        (PALETTE[1], PALETTE[0]), ("explicit", "fused"), strict=True
    ):
        left.plot(
            T,
            1e3 * np.array(cost.seconds[method]),
            "o-",
            color=colour,
            label=labels[method],
        )
        right.plot(
            T,
            np.array(cost.peak_bytes[method]) / 2**20,
            "o-",
            color=colour,
            label=labels[method],
        )
    last = 1e3 * cost.seconds["explicit"][-1]
    left.plot(T, last * (T / T[-1]) ** 2, ":", color="#222222", label="grows as T²")
    right.plot(
        T,
        np.array(cost.score_bytes) / 2**20,
        "--",
        color="#222222",
        label="T × T scores, by arithmetic",
    )
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(T, [str(int(t)) for t in T])
        ax.set_xlabel("context length T (tokens)")
        # off the data
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    left.set_ylabel("time per call (ms)")
    right.set_ylabel("peak memory (MiB)")
    return fig


def plot_causal_weights(
    weights: Tensor, masked_weights: Tensor, tokens: Sequence[str]
) -> Figure:
    """Two heatmaps of attention weights, without and with the causal mask (masked in grey).

    Parameters
    ----------
    weights, masked_weights : Tensor
        ``(T, T)`` weights without and with the mask.
    tokens : sequence of str
        The ``T`` token labels.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the shapes do not match the tokens.

    Examples
    --------
    >>> import torch
    >>> w = torch.full((2, 2), 0.5)
    >>> len(plot_causal_weights(w, torch.tensor([[1.0, 0.0], [0.5, 0.5]]), ["a", "b"]).axes)
    2

    Introduced in chapter 4.
    """
    T = len(tokens)
    for name, w in (("weights", weights), ("masked_weights", masked_weights)):
        check_tensor(name, w, dims=2, integer=False)
        if tuple(w.shape) != (T, T):
            raise ValueError(f"{name} must have shape ({T}, {T}), got {tuple(w.shape)}")
    weights, masked_weights = weights.detach().numpy(), masked_weights.detach().numpy()
    cmap = plt.get_cmap("Blues").with_extremes(bad="#dddddd")  # masked pairs in grey
    allowed = causal_mask(T).numpy()
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.4))
    for ax, w, mask in ((axes[0], weights, None), (axes[1], masked_weights, allowed)):
        shown = w if mask is None else np.ma.masked_where(mask == 0, w)
        ax.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        ax.set_xticks(range(T), tokens)
        ax.set_yticks(range(T), tokens)
        ax.set_xlabel("key (attended to)")
        ax.set_title("no mask" if mask is None else "causal mask")
        ax.grid(False)
        for i in range(T):
            for j in range(T):
                text = (
                    "masked"
                    if mask is not None and not mask[i, j]
                    else f"{w[i, j]:.2f}"
                )
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if w[i, j] > 0.5 else "#222222",
                )
    axes[0].set_ylabel("query (attending)")
    fig.tight_layout()
    return fig


def plot_head_accuracy(accuracy: Tensor, recent: float, model_right: float) -> Figure:
    """One bar per head, grouped by layer: how often it finds a pronoun's referent.

    Parameters
    ----------
    accuracy : Tensor
        ``(n_layer, n_head)`` share of cases (0 to 1) in which the head's strongest earlier
        token is the referent's name.
    recent : float
        Share of cases the most-recent-name rule gets right (dashed line).
    model_right : float
        Share of cases in which the model prefers the right pronoun (dotted line).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import torch
    >>> fig = plot_head_accuracy(torch.tensor([[0.5, 0.25], [0.75, 1.0]]), 0.5, 0.9)
    >>> len(fig.axes[0].patches)  # one bar per head
    4

    Introduced in chapter 4.
    """
    check_tensor("accuracy", accuracy, dims=2, integer=False)
    L, H = accuracy.shape
    percent = (100 * accuracy).tolist()
    colours = [PALETTE[k] for k in (0, 1, 2, 4, 5, 3)]
    fig, ax = plt.subplots(figsize=(7.2, 3.8), layout="constrained")
    for layer in range(L):
        xs = [layer * (H + 1) + h for h in range(H)]
        ax.bar(
            xs,
            percent[layer],
            color=colours[layer % len(colours)],
            label=f"layer {layer}",
        )
    ax.axhline(
        100 * float(recent), color="#222222", ls="--", lw=1, label="most recent name"
    )
    ax.axhline(
        100 * float(model_right),
        color="#222222",
        ls=":",
        lw=1.5,
        label="model's prediction",
    )
    ax.set_xticks(
        [layer * (H + 1) + h for layer in range(L) for h in range(H)],
        [str(h) for _ in range(L) for h in range(H)],
    )
    ax.set_xlabel("head (grouped by layer)")
    ax.set_ylabel("finds the referent (%)")
    ax.set_ylim(0, 105)  # the legend sits above the axes
    ax.set_yticks(range(0, 101, 20))
    # above the bars
    ax.legend(ncol=3, fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0))
    return fig
