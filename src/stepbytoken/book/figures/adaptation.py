"""Chapter 14's figures: the rank explorer, the runs compared, the update's spectrum, codebooks.

Each function draws from plain data: the ``runs`` of
:func:`~stepbytoken.recipes.lora.load_lora`'s results, the singular values it ships, or a
tensor of weights.

Introduced in chapter 14.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import check_instance, check_int, check_mapping
from stepbytoken.nn.quantize import get_codebook

__all__ = [
    "plot_codebooks",
    "plot_runs",
    "plot_update_spectrum",
    "rank_explorer",
    "run_rows",
]

#: The three measurements of a run, as the figures label them.
MEASURES = (
    ("share", "trainable share"),
    ("new_heldout", "new region, held-out questions"),
    ("old", "old facts still answered"),
)


def run_rows(runs: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Return each run's trainable share and accuracies in percent, by run name.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If ``runs`` is not a non-empty sequence of run records (``name``, ``trainable``,
        ``total`` and ``accuracy`` with ``new_heldout``, ``new_asked`` and ``old``).

    Examples
    --------
    >>> run = {"name": "full", "trainable": 5, "total": 10,
    ...        "accuracy": {"new_heldout": 0.25, "new_asked": 0.5, "old": 1.0}}
    >>> run_rows([run])["full"]
    {'share': 50.0, 'new_heldout': 25.0, 'new_asked': 50.0, 'old': 100.0}
    """
    if isinstance(runs, (str, bytes)) or not isinstance(runs, Sequence) or not runs:
        raise TypeError("runs must be a non-empty sequence of run records")
    rows: dict[str, dict[str, float]] = {}
    for i, run in enumerate(runs):
        check_mapping(f"runs[{i}]", run)
        try:
            accuracy = run["accuracy"]
            rows[str(run["name"])] = {
                "share": 100 * run["trainable"] / run["total"],
                "new_heldout": 100 * accuracy["new_heldout"],
                "new_asked": 100 * accuracy["new_asked"],
                "old": 100 * accuracy["old"],
            }
        except (KeyError, TypeError, ZeroDivisionError) as error:
            raise ValueError(f"runs[{i}] is not a run record: {error!r}") from None
    return rows


def _title(rank: int, rows: Mapping[str, Mapping[str, float]]) -> str:
    att, every = rows[f"lora-attention-{rank}"], rows[f"lora-all-{rank}"]
    return (
        f"rank {rank}: attention only trains {att['share']:.2f}% and answers "
        f"{att['new_heldout']:.0f}% of held-out questions;<br>all layers train "
        f"{every['share']:.2f}% and answer {every['new_heldout']:.0f}%"
    )


def rank_explorer(runs: Sequence[Mapping[str, Any]], *, shown: int | None = None):
    """A Plotly bar chart with a slider over LoRA's rank: share, new skill and old facts.

    For the chosen rank, bars show the trainable share, the accuracy on the new region's
    held-out questions and on the old facts, for LoRA on attention only and on every linear
    layer, next to full fine-tuning (fixed).

    Introduced in chapter 14.

    Parameters
    ----------
    runs : sequence of mapping
        Run records with names ``"full"``, ``"lora-attention-{r}"`` and ``"lora-all-{r}"``.
    shown : int, optional
        The rank shown first (default: the smallest).

    Raises
    ------
    TypeError, ValueError
        If ``runs`` lacks full fine-tuning or a rank lacks one of its two runs.

    Examples
    --------
    >>> def run(name, share):
    ...     acc = {"new_heldout": 0.5, "new_asked": 0.5, "old": 0.5}
    ...     return {"name": name, "trainable": share, "total": 100, "accuracy": acc}
    >>> runs = [run("full", 100)] + [run(f"lora-{t}-{r}", r) for t in ("attention", "all")
    ...                              for r in (1, 4)]
    >>> fig = rank_explorer(runs)
    >>> [s.label for s in fig.layout.sliders[0].steps], len(fig.data)
    (['1', '4'], 3)
    """
    import plotly.graph_objects as go

    rows = run_rows(runs)
    if "full" not in rows:
        raise ValueError("runs must include full fine-tuning (name 'full')")
    ranks = sorted(
        {int(n.rsplit("-", 1)[1]) for n in rows if n.startswith("lora-attention-")}
    )
    for rank in ranks:
        if f"lora-all-{rank}" not in rows:
            raise ValueError(f"runs has lora-attention-{rank} but not lora-all-{rank}")
    if not ranks:
        raise ValueError("runs has no LoRA runs named 'lora-attention-{rank}'")
    shown = ranks[0] if shown is None else shown
    if shown not in ranks:
        raise ValueError(f"shown must be one of the ranks {ranks}, got {shown!r}")
    labels = [label for _, label in MEASURES]

    def ys(name: str) -> list[float]:
        return [round(rows[name][key], 3) for key, _ in MEASURES]

    fig = go.Figure()
    for i, (name, legend) in enumerate(
        (
            (f"lora-attention-{shown}", "LoRA, attention only"),
            (f"lora-all-{shown}", "LoRA, all linear layers"),
            ("full", "full fine-tuning"),
        )
    ):
        fig.add_bar(
            x=labels,
            y=ys(name),
            name=legend,
            marker_color=PALETTE[i],
            text=[f"{v:.1f}%" for v in ys(name)],
            textposition="outside",
            hovertemplate="%{x}: %{y:.2f}%<extra>" + legend + "</extra>",
        )
    steps = [
        dict(
            method="update",
            label=str(rank),
            args=[
                {
                    "y": [ys(f"lora-attention-{rank}"), ys(f"lora-all-{rank}")],
                    "text": [
                        [f"{v:.1f}%" for v in ys(f"lora-attention-{rank}")],
                        [f"{v:.1f}%" for v in ys(f"lora-all-{rank}")],
                    ],
                },
                {"title.text": _title(rank, rows)},
                [0, 1],
            ],
        )
        for rank in ranks
    ]
    fig.update_layout(
        **plotly_layout(
            height=480,
            title=_title(shown, rows),
            barmode="group",
            margin=dict(l=60, r=20, t=80, b=40),
            yaxis=dict(title="percent", range=[0, 112]),
            legend=dict(orientation="h", y=-0.12),
            sliders=[
                dict(
                    active=ranks.index(shown),
                    steps=steps,
                    pad=dict(t=60),
                    currentvalue=dict(prefix="LoRA rank: "),
                )
            ],
        )
    )
    return fig


def plot_runs(runs: Sequence[Mapping[str, Any]]) -> Figure:
    """Every run's new-region accuracy (asked, held out) and old facts, against its share.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        As :func:`run_rows`.

    Examples
    --------
    >>> run = {"name": "full", "trainable": 5, "total": 10,
    ...        "accuracy": {"new_heldout": 0.25, "new_asked": 0.5, "old": 1.0}}
    >>> len(plot_runs([run]).axes)
    3
    """
    rows = run_rows(runs)
    fig, axes = plt.subplots(
        1, 3, figsize=(9.6, 3.4), layout="constrained", sharey=True
    )
    panels = (
        ("new_asked", "new region, asked in training"),
        ("new_heldout", "new region, held-out questions"),
        ("old", "old facts still answered"),
    )
    for ax, (key, title) in zip(axes, panels, strict=True):
        for name, row in rows.items():
            kind = (
                name.split("-")[0] if "-" not in name else "-".join(name.split("-")[:2])
            )
            colour = {
                "full": PALETTE[2],
                "lora-attention": PALETTE[0],
                "lora-all": PALETTE[1],
            }.get(kind, PALETTE[3])
            marker = {"full": "s", "lora-attention": "o", "lora-all": "^"}.get(
                kind, "D"
            )
            ax.scatter(
                row["share"], row[key], color=colour, marker=marker, s=45, zorder=3
            )
            ax.annotate(
                name.replace("qlora-all-", "qlora-")
                .replace("lora-attention-", "att-")
                .replace("lora-all-", "all-"),
                (row["share"], row[key]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
            )
        ax.set_xscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("trainable share (%, log scale)")
        ax.set_ylim(-3, 105)
    axes[0].set_ylabel("questions answered exactly (%)")
    return fig


def plot_update_spectrum(spectrum: Mapping[str, Sequence[float]]) -> Figure:
    """The singular values of each weight change, divided by the largest, on a log scale.

    Introduced in chapter 14.

    Parameters
    ----------
    spectrum : mapping of str to sequence of float
        Matrix name -> singular values, largest first
        (:func:`~stepbytoken.nn.lora.update_spectrum`).

    Raises
    ------
    TypeError, ValueError
        If ``spectrum`` is not a non-empty mapping of non-empty sequences of numbers with a
        positive first value.

    Examples
    --------
    >>> fig = plot_update_spectrum({"blocks.0.attn.c_proj.weight": [2.0, 1.0, 0.1]})
    >>> fig.axes[0].get_yscale()
    'log'
    """
    check_mapping("spectrum", spectrum)
    if not spectrum:
        raise ValueError("spectrum must hold at least one matrix")
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    colours = {"attn.c_attn": 0, "attn.c_proj": 1, "mlp.c_fc": 2, "mlp.c_proj": 3}
    seen: set[str] = set()
    for name, values in spectrum.items():
        s = torch.as_tensor(list(values), dtype=torch.float64)
        if s.dim() != 1 or s.numel() == 0 or not float(s[0]) > 0:
            raise ValueError(
                f"spectrum[{name!r}] must be singular values, largest first"
            )
        kind = next((k for k in colours if k in name), "other")
        label = None if kind in seen else kind
        seen.add(kind)
        ax.plot(
            range(1, s.numel() + 1),
            (s / s[0]).clamp_min(1e-12).tolist(),
            color=PALETTE[colours.get(kind, 4)],
            alpha=0.7,
            lw=1.2,
            label=label,
        )
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("index of the singular value (largest first)")
    ax.set_ylabel("singular value / largest")
    ax.legend(title="matrix (4 layers each)")
    return fig


def plot_codebooks(weights: torch.Tensor, block_size: int = 64) -> Figure:
    """The weights of a model divided by their block's absmax, with the int4 and NF4 values.

    Introduced in chapter 14.

    Parameters
    ----------
    weights : Tensor
        Weights (any shape, at least ``block_size`` numbers; the last partial block is
        dropped).
    block_size : int, default 64

    Raises
    ------
    TypeError, ValueError
        If ``weights`` is not a tensor with at least one full block.

    Examples
    --------
    >>> w = torch.randn(4096, generator=torch.Generator().manual_seed(0))
    >>> len(plot_codebooks(w).axes[0].lines)  # one line per codebook value
    31
    """
    check_instance("weights", weights, torch.Tensor)
    block_size = check_int("block_size", block_size, minimum=1)
    flat = weights.detach().float().reshape(-1)
    n = flat.numel() // block_size
    if n < 1:
        raise ValueError(
            f"weights must hold at least block_size = {block_size} numbers"
        )
    blocks = flat[: n * block_size].view(n, block_size)
    scaled = blocks / blocks.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
    fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
    ax.hist(scaled.reshape(-1).numpy(), bins=120, color="#bbbbbb", density=True)
    top = ax.get_ylim()[1]
    for value in get_codebook("int4").tolist():
        ax.axvline(value, ymin=0.0, ymax=0.45, color=PALETTE[0], lw=1.3)
    for value in get_codebook("nf4").tolist():
        ax.axvline(value, ymin=0.5, ymax=0.95, color=PALETTE[3], lw=1.3)
    ax.text(-1.0, 0.47 * top, "int4 values (lower)", color=PALETTE[0], fontsize=9)
    ax.text(-1.0, 0.97 * top, "NF4 values (upper)", color=PALETTE[3], fontsize=9)
    ax.set_xlabel("weight / absmax of its block of 64")
    ax.set_ylabel("density")
    return fig
