"""Chapter 21's figures: noising pictures, the loss curves, denoising and guidance sliders.

:func:`plot_noising` and :func:`plot_loss_curves` are matplotlib figures;
:func:`denoising_slider` (a slider over the sampler's steps) and :func:`guidance_slider` (a
slider over the guidance scale) are Plotly figures for
:func:`~stepbytoken.book.interactive.show_plotly`.

Introduced in chapter 21.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
import torch
from matplotlib.patches import Rectangle
from plotly.subplots import make_subplots

from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import (
    check_instance,
    check_int,
    check_ints,
    check_strings,
    check_tensor,
)
from stepbytoken.generation.diffusion import Sample
from stepbytoken.training.diffusion import NoiseSchedule, q_sample

__all__ = [
    "denoising_slider",
    "guidance_slider",
    "plot_loss_curves",
    "plot_noising",
    "plot_samples",
    "png_uri",
    "short_caption",
]

#: Background of figures that show the pictures themselves (black grounds).
_DARK = "#1b1f24"


def _rgb(image: torch.Tensor) -> np.ndarray:
    """A ``(3, H, W)`` tensor in [0, 1] as an ``(H, W, 3)`` uint8 array."""
    return (image.permute(1, 2, 0).clamp(0, 1).numpy() * 255).round().astype(np.uint8)


def png_uri(image: torch.Tensor, scale: int = 1) -> str:
    """A ``(3, H, W)`` picture in [0, 1] as a PNG data URI, each pixel ``scale`` wide.

    Plotly image traces draw it from ``source`` (with sharp pixel edges, as their
    ``zsmooth=False`` default asks): a few hundred bytes instead of a list of numbers per
    pixel.

    Examples
    --------
    >>> png_uri(torch.zeros(3, 16, 16)).startswith("data:image/png;base64,")
    True

    Introduced in chapter 21.
    """
    check_tensor("image", image, dims=3, integer=False)
    scale = check_int("scale", scale, minimum=1, maximum=16)
    pixels = _rgb(image).repeat(scale, axis=0).repeat(scale, axis=1)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, pixels, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def short_caption(text: str) -> str:
    """A caption without its article and size, for narrow titles.

    Examples
    --------
    >>> short_caption("a large red circle at the top left")
    'red circle, top left'
    >>> short_caption("a small blue ring in the centre")
    'blue ring, centre'

    Introduced in chapter 21.
    """
    words = check_strings("text", [text])[0].split()
    if len(words) < 6:
        return text
    where = [w for w in words[4:] if w not in ("at", "in", "the")]
    return f"{words[2]} {words[3]}, {' '.join(where)}"


def plot_noising(
    images: torch.Tensor, schedule: NoiseSchedule, steps: Sequence[int], seed: int = 0
) -> plt.Figure:
    """Each picture (a row) noised to each step ``t`` (a column), with ``sqrt(abar_t)``.

    ``images`` are ``(n, 3, H, W)`` in ``[0, 1]``; they are scaled to ``[-1, 1]``, noised by
    :func:`~stepbytoken.training.diffusion.q_sample` with one seeded noise per picture, and
    shown clipped back to ``[0, 1]``.

    Examples
    --------
    >>> from stepbytoken.training.diffusion import linear_schedule
    >>> fig = plot_noising(torch.zeros(2, 3, 16, 16), linear_schedule(), [0, 500])
    >>> len(fig.axes)
    4

    Introduced in chapter 21.
    """
    check_tensor("images", images, dims=4, integer=False)
    check_instance("schedule", schedule, NoiseSchedule)
    steps = check_ints("steps", steps, minimum=0)
    if not steps or max(steps) >= schedule.n_steps:
        raise ValueError(f"steps must be in [0, {schedule.n_steps - 1}], got {steps}")
    if len(images) == 0:
        raise ValueError("images must hold at least one picture")
    seed = check_int("seed", seed, minimum=0)
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))
    n, k = len(images), len(steps)
    fig, axes = plt.subplots(n, k, figsize=(1.1 * k, 1.15 * n + 0.3), squeeze=False)
    fig.add_artist(
        Rectangle((0, 0), 1, 1, transform=fig.transFigure, color=_DARK, zorder=-10)
    )
    for col, t in enumerate(steps):
        x_t = q_sample(images * 2 - 1, torch.full((n,), t), noise, schedule)
        signal = schedule.alpha_bars[t].sqrt().item()
        axes[0, col].set_title(f"t = {t}\n√ā = {signal:.2f}", fontsize=8, color="white")
        for row in range(n):
            ax = axes[row, col]
            ax.imshow(_rgb((x_t[row] + 1) / 2), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_samples(
    rows: Mapping[str, torch.Tensor], captions: Sequence[str]
) -> plt.Figure:
    """One row of pictures per entry of ``rows`` (e.g. per model), one column per caption.

    Examples
    --------
    >>> fig = plot_samples({"U-Net": torch.zeros(2, 3, 16, 16)}, ["one", "two"])
    >>> len(fig.axes)
    2

    Introduced in chapter 21.
    """
    if not isinstance(rows, Mapping) or not rows:
        raise TypeError(f"rows must be a non-empty mapping, got {rows!r:.80}")
    captions = check_strings("captions", captions, allow_empty=False)
    for name, images in rows.items():
        check_tensor(f"rows[{name!r}]", images, dims=4, integer=False)
        if len(images) != len(captions):
            raise ValueError(f"rows[{name!r}] must hold one picture per caption")
    n, k = len(rows), len(captions)
    fig, axes = plt.subplots(
        n, k, figsize=(1.5 * k + 0.6, 1.5 * n + 0.5), squeeze=False
    )
    fig.add_artist(
        Rectangle((0, 0), 1, 1, transform=fig.transFigure, color=_DARK, zorder=-10)
    )
    for r, (name, images) in enumerate(rows.items()):
        for c in range(k):
            ax = axes[r, c]
            ax.imshow(_rgb(images[c]), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(short_caption(captions[c]), fontsize=8, color="white")
        axes[r, 0].set_ylabel(str(name), fontsize=9, color="white")
    fig.tight_layout()
    return fig


def plot_loss_curves(curves: Mapping[str, Sequence[float]], every: int) -> plt.Figure:
    """Training loss of each model, one point per ``every`` steps (the mean over them).

    Examples
    --------
    >>> fig = plot_loss_curves({"U-Net": [0.3, 0.1], "DiT": [0.4, 0.12]}, every=50)
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['U-Net', 'DiT']

    Introduced in chapter 21.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"curves must be a non-empty mapping, got {curves!r:.80}")
    every = check_int("every", every, minimum=1)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for name, curve in curves.items():
        values = [float(v) for v in curve]
        ax.plot([every * (i + 1) for i in range(len(values))], values, label=str(name))
    ax.set_xlabel("training step")
    ax.set_ylabel("noise-prediction loss (MSE)")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    return fig


def _image_grid(rows: int, cols: int, titles: Sequence[str], **kwargs) -> go.Figure:
    """Subplots whose titles are small and broken after the comma, to fit a phone."""
    titles = [t.replace(", ", "<br>") for t in titles]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **kwargs)
    fig.update_annotations(font_size=11)
    return fig


def _hide_axes(fig: go.Figure, rows: int, cols: int) -> None:
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            fig.update_xaxes(showticklabels=False, showgrid=False, row=r, col=c)
            fig.update_yaxes(showticklabels=False, showgrid=False, row=r, col=c)


def denoising_slider(sample: Sample, captions: Sequence[str]) -> go.Figure:
    """A slider over the sampler's steps: ``x_t`` (top) and its clean guess (bottom).

    ``sample`` must come from :func:`~stepbytoken.generation.diffusion.ddim_sample` with
    ``keep_path=True``; one column per caption. Position ``k`` of the slider shows the
    picture after ``k`` steps and the guess of the clean picture made at the next step
    (the result itself after the last).

    Examples
    --------
    >>> from stepbytoken.generation.diffusion import ddim_sample
    >>> from stepbytoken.nn.unet import UNet, UNetConfig
    >>> from stepbytoken.training.diffusion import linear_schedule
    >>> model = UNet(UNetConfig(channels=(8, 16), d_cond=2)).eval()
    >>> s = ddim_sample(model, torch.zeros(2, 2), linear_schedule(), n_steps=3,
    ...                 keep_path=True)
    >>> fig = denoising_slider(s, ["one", "two"])
    >>> len(fig.data), [st.label for st in fig.layout.sliders[0].steps]
    (4, ['0', '1', '2', '3'])

    Introduced in chapter 21.
    """
    check_instance("sample", sample, Sample)
    if sample.path is None or sample.predictions is None:
        raise ValueError("sample must be drawn with keep_path=True")
    captions = check_strings("captions", captions, allow_empty=False)
    n = len(sample.steps)
    cols = sample.path.shape[1]
    if len(captions) != cols:
        raise ValueError(f"captions must have one text per picture ({cols})")

    def pictures(k: int) -> list[str]:
        x = (sample.path[k] + 1) / 2  # (B, 3, H, W) in [0, 1]
        guess = (sample.predictions[k] + 1) / 2 if k < n else sample.images
        return [png_uri(p) for p in x] + [png_uri(p) for p in guess]

    def title(k: int) -> str:
        if k == n:
            return f"after all {n} steps: the pictures"
        return f"after {k} of {n} steps (next t = {sample.steps[k]})"

    fig = _image_grid(
        2, cols, [short_caption(c) for c in captions], vertical_spacing=0.08
    )
    first = pictures(0)
    for i, uri in enumerate(first):
        name = ("x_t " if i < cols else "guess of x_0 ") + str(i % cols + 1)
        fig.add_trace(
            go.Image(source=uri, name=name, hoverinfo="skip"),
            1 + i // cols,
            1 + i % cols,
        )
    _hide_axes(fig, 2, cols)
    fig.update_yaxes(title_text="x_t", row=1, col=1)
    fig.update_yaxes(title_text="guess of x_0", row=2, col=1)
    steps = [
        {
            "method": "update",
            "label": str(k),
            "args": [{"source": pictures(k)}, {"title.text": title(k)}],
        }
        for k in range(n + 1)
    ]
    fig.update_layout(
        **plotly_layout(
            title={"text": title(0)},
            height=380,
            margin={"l": 40, "r": 10, "t": 80, "b": 20},
            sliders=[
                {
                    "active": 0,
                    "steps": steps,
                    "pad": {"t": 20},
                    "currentvalue": {"prefix": "steps taken: "},
                }
            ],
        )
    )
    return fig


def guidance_slider(
    images: Mapping[float, torch.Tensor],
    scores: Mapping[float, Mapping[str, float]],
    captions: Sequence[str],
) -> go.Figure:
    """A slider over the guidance scale: samples (top) and their scores against the scale.

    ``images`` maps each scale to ``(n, 3, H, W)`` samples in ``[0, 1]`` (one per
    caption); ``scores`` maps each scale to ``match`` and ``clip`` (the recipe's sweep).

    Examples
    --------
    >>> imgs = {0.0: torch.zeros(2, 3, 16, 16), 3.0: torch.ones(2, 3, 16, 16)}
    >>> sc = {0.0: {"match": 0.1, "clip": 0.0}, 3.0: {"match": 0.9, "clip": 0.6}}
    >>> fig = guidance_slider(imgs, sc, ["one", "two"])
    >>> [s.label for s in fig.layout.sliders[0].steps]
    ['0', '3']

    Introduced in chapter 21.
    """
    if not isinstance(images, Mapping) or not images:
        raise TypeError("images must be a non-empty mapping of scale -> pictures")
    if not isinstance(scores, Mapping) or set(scores) != set(images):
        raise ValueError("scores must have one entry per scale of images")
    captions = check_strings("captions", captions, allow_empty=False)
    scales = sorted(float(s) for s in images)
    for s in scales:
        check_tensor(f"images[{s}]", images[s], dims=4, integer=False)
        if len(images[s]) != len(captions):
            raise ValueError("each entry of images must hold one picture per caption")
    cols = len(captions)
    specs = [[{"type": "xy"}] * cols, [{"colspan": cols}] + [None] * (cols - 1)]
    fig = _image_grid(
        2,
        cols,
        [short_caption(c) for c in captions] + ["scores of 60 samples"],
        specs=specs,
        row_heights=[0.4, 0.6],
        vertical_spacing=0.16,
    )

    def pictures(s: float) -> list[str]:
        return [png_uri(p) for p in images[s]]

    def title(s: float) -> str:
        r = scores[s]
        return f"s = {s:g}: match {r['match']:.2f}, CLIP {r['clip']:.2f}"

    for i, uri in enumerate(pictures(scales[0])):
        fig.add_trace(
            go.Image(source=uri, name=f"sample {i + 1}", hoverinfo="skip"), 1, 1 + i
        )
    _hide_axes(fig, 1, cols)
    labels = {"match": "shape and colour right", "clip": "CLIP similarity"}
    for j, (key, label) in enumerate(labels.items()):
        fig.add_trace(
            go.Scatter(
                x=scales,
                y=[scores[s][key] for s in scales],
                name=label,
                mode="lines+markers",
                line={"color": PALETTE[j]},
                hovertemplate="s = %{x}<br>%{y:.3f}<extra>" + label + "</extra>",
            ),
            2,
            1,
        )
    fig.add_trace(
        go.Scatter(
            x=[scales[0]] * 2,
            y=[scores[scales[0]][k] for k in labels],
            name="chosen scale",
            mode="markers",
            marker={"size": 13, "color": PALETTE[3], "symbol": "diamond"},
        ),
        2,
        1,
    )
    fig.update_xaxes(title_text="guidance scale s", row=2, col=1)
    fig.update_yaxes(title_text="score", range=[-0.05, 1.05], row=2, col=1)
    marker = len(fig.data) - 1
    steps = [
        {
            "method": "update",
            "label": f"{s:g}",
            "args": [
                {
                    "source": pictures(s) + [None],
                    "x": [None] * cols + [[s, s]],
                    "y": [None] * cols + [[scores[s][k] for k in labels]],
                },
                {"title.text": title(s)},
                list(range(cols)) + [marker],
            ],
        }
        for s in scales
    ]
    fig.update_layout(
        **plotly_layout(
            title={"text": title(scales[0])},
            height=520,
            margin={"l": 50, "r": 10, "t": 80, "b": 40},
            legend={"orientation": "h", "y": -0.32, "x": 0},
            sliders=[
                {
                    "active": 0,
                    "steps": steps,
                    "pad": {"t": 70},
                    "currentvalue": {"prefix": "guidance scale: "},
                }
            ],
        )
    )
    return fig
