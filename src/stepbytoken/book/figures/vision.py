"""Chapter 15's figures: pictures, their patches, where the class token looks, and CLIP's scores.

:func:`plot_pictures` and :func:`plot_patches` are matplotlib figures;
:func:`plot_patch_attention` (a menu picks the picture; every layer and head is drawn) and
:func:`plot_similarity` (a menu picks the prompt template) are Plotly figures for
:func:`~stepbytoken.book.interactive.show_plotly`. :func:`plot_template_accuracy` draws the
zero-shot accuracy of each template as bars.

Introduced in chapter 15.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
import torch
from matplotlib.patches import Rectangle
from plotly.subplots import make_subplots

from stepbytoken.book.plots import plotly_layout
from stepbytoken.checks import (
    check_float,
    check_instance,
    check_int,
    check_strings,
    check_tensor,
)
from stepbytoken.nn.clip import CLIP, tokenize_captions
from stepbytoken.nn.vit import ViT, patchify
from stepbytoken.tokenizers.vocab import WordVocab
from stepbytoken.world.images import ImageSet

__all__ = [
    "class_token_attention",
    "plot_patch_attention",
    "plot_patches",
    "plot_pictures",
    "plot_similarity",
    "plot_template_accuracy",
]


def _rgb(image: torch.Tensor) -> np.ndarray:
    """A ``(3, H, W)`` tensor in [0, 1] as an ``(H, W, 3)`` uint8 array."""
    return (image.permute(1, 2, 0).clamp(0, 1).numpy() * 255).round().astype(np.uint8)


#: Background of figures that show the pictures themselves (black grounds).
_DARK = "#1b1f24"


def plot_pictures(data: ImageSet, n: int = 8) -> plt.Figure:
    """The first ``n`` pictures of ``data``, each titled with its caption (wrapped).

    Examples
    --------
    >>> from stepbytoken.world.images import make_dataset
    >>> fig = plot_pictures(make_dataset(4), n=4)
    >>> len(fig.axes)
    4

    Introduced in chapter 15.
    """
    check_instance("data", data, ImageSet)
    n = check_int("n", n, minimum=1, maximum=len(data.images))
    # drawn light on dark, as the pictures are: the page shows it as it is in both themes
    fig, axes = plt.subplots(1, n, figsize=(1.5 * n, 2.0), squeeze=False)
    # a ground of its own: savefig's facecolor is the book style's white
    fig.add_artist(
        Rectangle((0, 0), 1, 1, transform=fig.transFigure, color=_DARK, zorder=-10)
    )
    for ax, image, text in zip(
        axes[0], data.images[:n], data.captions[:n], strict=True
    ):
        ax.imshow(_rgb(image), interpolation="nearest")
        words = text.split()
        ax.set_title(
            " ".join(words[:3]) + "\n" + " ".join(words[3:]), fontsize=8, color="white"
        )
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_patches(image: torch.Tensor, patch: int = 4) -> plt.Figure:
    """A picture with its patch grid, and the same patches laid out as a row of tokens.

    Examples
    --------
    >>> fig = plot_patches(torch.rand(3, 16, 16), patch=4)
    >>> len(fig.axes)
    2

    Introduced in chapter 15.
    """
    check_tensor("image", image, dims=3, integer=False)
    if image.shape[0] != 3:
        raise ValueError(f"image must have 3 channels, got shape {tuple(image.shape)}")
    patches = patchify(image[None], patch)[0]  # (N, 3 * p * p)
    n = len(patches)
    side = image.shape[1]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(9, 2.6), gridspec_kw={"width_ratios": [1, 3.2]}
    )
    left.imshow(_rgb(image), interpolation="nearest")
    for k in range(1, side // patch):
        left.axhline(k * patch - 0.5, color="#bbbbbb", lw=1)
        left.axvline(k * patch - 0.5, color="#bbbbbb", lw=1)
    for i in range(n):
        r, c = divmod(i, side // patch)
        left.text(c * patch, r * patch + 0.9, str(i), color="#bbbbbb", fontsize=6)
    left.set_title("the picture, cut into patches")
    left.set_xticks([])
    left.set_yticks([])
    row = torch.ones(3, patch, n * (patch + 1))  # white gaps between the patches
    for i in range(n):
        row[:, :, i * (patch + 1) : i * (patch + 1) + patch] = patches[i].view(
            3, patch, patch
        )
    right.imshow(_rgb(row), interpolation="nearest")
    right.set_xticks([i * (patch + 1) + patch / 2 - 0.5 for i in range(n)])
    right.set_xticklabels([str(i) for i in range(n)], fontsize=7)
    right.set_yticks([])
    right.set_xlabel("patch number = token position (after the class token)")
    right.set_title(f"the same picture as a sequence of {n} patch tokens")
    fig.tight_layout()
    return fig


@torch.no_grad()
def class_token_attention(vit: ViT, images: torch.Tensor) -> torch.Tensor:
    """Attention of the class token over the patches: ``(B, n_layer, n_head, rows, cols)``.

    Row 0 of every attention map, without the class token's attention to itself, laid out
    as the patch grid.

    Examples
    --------
    >>> from stepbytoken.nn.vit import ViTConfig
    >>> vit = ViT(ViTConfig(), seed=0).eval()
    >>> class_token_attention(vit, torch.rand(2, 3, 16, 16)).shape
    torch.Size([2, 2, 2, 4, 4])

    Introduced in chapter 15.
    """
    check_instance("vit", vit, ViT)
    _, maps = vit(images, return_attention=True)
    side = vit.config.image_size // vit.config.patch
    rows = torch.stack([m[:, :, 0, 1:] for m in maps], dim=1)  # (B, L, H, N)
    return rows.reshape(*rows.shape[:3], side, side)


def plot_patch_attention(
    vit: ViT, data: ImageSet, names: Sequence[str], *, n: int = 8
) -> go.Figure:
    """The picture beside the class token's attention over its patches, every layer and head.

    A menu picks one of the first ``n`` pictures of ``data``; the title gives its caption and
    the class the ViT predicts (``names`` are the class names).

    Examples
    --------
    >>> from stepbytoken.nn.vit import ViTConfig
    >>> from stepbytoken.world.images import SHAPES, make_dataset
    >>> fig = plot_patch_attention(ViT(ViTConfig()).eval(), make_dataset(3), SHAPES, n=3)
    >>> len(fig.data), len(fig.layout.updatemenus[0].buttons)
    (5, 3)

    Introduced in chapter 15.
    """
    check_instance("vit", vit, ViT)
    check_instance("data", data, ImageSet)
    names = check_strings("names", names)
    n = check_int("n", n, minimum=1, maximum=len(data.images))
    images = data.images[:n]
    weights = class_token_attention(vit, images)  # (n, L, H, rows, cols)
    with torch.no_grad():
        predicted = vit(images).argmax(dim=1).tolist()
    L, H = weights.shape[1:3]
    titles = ["picture"] + [
        f"layer {la + 1}, head {h + 1}" for la in range(L) for h in range(H)
    ]
    fig = make_subplots(rows=1, cols=1 + L * H, subplot_titles=titles)
    fig.add_trace(go.Image(z=_rgb(images[0]), name="picture", hoverinfo="skip"), 1, 1)
    top = float(weights.max())
    for k in range(L * H):
        fig.add_trace(
            go.Heatmap(
                z=weights[0, k // H, k % H].tolist(),
                zmin=0,
                zmax=top,
                colorscale="Viridis",
                showscale=k == L * H - 1,
                colorbar={"title": {"text": "weight"}, "len": 0.8},
                name=titles[k + 1],
                hovertemplate="patch row %{y}, column %{x}<br>weight %{z:.3f}<extra></extra>",
            ),
            1,
            2 + k,
        )
    for col in range(1, 2 + L * H):
        fig.update_xaxes(
            showticklabels=False, showgrid=False, constrain="domain", row=1, col=col
        )
        fig.update_yaxes(
            showticklabels=False,
            showgrid=False,
            autorange="reversed",
            constrain="domain",
            row=1,
            col=col,
        )
        if col > 1:
            fig.update_yaxes(scaleanchor=f"x{col}", row=1, col=col)

    def title(i: int) -> str:
        return f"{data.captions[i]}: the ViT says <b>{names[predicted[i]]}</b>"

    buttons = [
        {
            "label": data.captions[i],
            "method": "update",
            "args": [
                {
                    "z": [_rgb(images[i]).tolist()]
                    + [weights[i, k // H, k % H].tolist() for k in range(L * H)]
                },
                {"title.text": title(i)},
            ],
        }
        for i in range(n)
    ]
    fig.update_layout(
        **plotly_layout(
            title={"text": title(0)},
            height=300,
            updatemenus=[{"name": "picture", "buttons": buttons, "active": 0}],
            margin={"l": 20, "r": 20, "t": 90, "b": 20},
        )
    )
    return fig


@torch.no_grad()
def plot_similarity(
    clip: CLIP,
    vocab: WordVocab,
    data: ImageSet,
    names: Sequence[str],
    labels: torch.Tensor,
    templates: Mapping[str, Sequence[str]],
) -> go.Figure:
    """CLIP's cosine similarity of each picture (rows) with each class prompt (columns).

    A menu picks the templates (a label and one or more templates, averaged as in
    :func:`~stepbytoken.nn.clip.zero_shot_classify`); the title gives the share of rows
    whose highest score is the right class (``labels``). Hovering a cell shows the
    picture's caption, the prompt and the score.

    Examples
    --------
    >>> from stepbytoken.nn.clip import CLIPConfig
    >>> from stepbytoken.world.images import make_dataset
    >>> data = make_dataset(3)
    >>> vocab = WordVocab(sorted({w for c in data.captions for w in c.split()}))
    >>> clip = CLIP(CLIPConfig(vocab_size=len(vocab))).eval()
    >>> fig = plot_similarity(clip, vocab, data, ["small", "large"], data.attribute("size"),
    ...                       {"a {}": ["a {}"]})
    >>> len(fig.data[0].z), len(fig.data[0].z[0])  # pictures x classes
    (3, 2)

    Introduced in chapter 15.
    """
    check_instance("clip", clip, CLIP)
    check_instance("vocab", vocab, WordVocab)
    check_instance("data", data, ImageSet)
    names = check_strings("names", names, allow_empty=False)
    if not isinstance(templates, Mapping) or not templates:
        raise TypeError("templates must be a non-empty mapping of label -> templates")
    check_tensor("labels", labels, dims=1, integer=True)
    if len(labels) != len(data.images):
        raise ValueError(
            f"labels must have one entry per picture ({len(data.images)}), got {len(labels)}"
        )
    pictures = clip.encode_images(data.images)  # (B, d)
    panels = []
    for label, group in templates.items():
        group = check_strings(f"templates[{label!r}]", group, allow_empty=False)
        texts = [t.format(name) for name in names for t in group]
        idx, lengths = tokenize_captions(texts, vocab, clip.config.block_size)
        vectors = clip.encode_texts(idx, lengths).view(len(names), len(group), -1)
        classes = torch.nn.functional.normalize(vectors.mean(1), dim=-1)
        scores = pictures @ classes.T  # (B, K) cosines
        right = (scores.argmax(1) == labels).float().mean().item()
        prompts = [group[0].format(name) for name in names]
        if len(group) > 1:
            prompts = [f"{p} (+{len(group) - 1} more)" for p in prompts]
        panels.append((label, scores, right, prompts))
    rows = [f"{i}: {c}" for i, c in enumerate(data.captions)]

    def hover(prompts: list[str]) -> list[list[str]]:
        return [
            [f"picture: {c}<br>prompt: {p}" for p in prompts] for c in data.captions
        ]

    def title(label: str, right: float) -> str:
        return f"template “{label}”: {100 * right:.1f}% of rows peak at the right class"

    label, scores, right, prompts = panels[0]
    fig = go.Figure(
        go.Heatmap(
            z=scores.tolist(),
            x=list(names),
            y=rows,
            text=hover(prompts),
            colorscale="Viridis",
            colorbar={"title": {"text": "cosine"}},
            hovertemplate="%{text}<br>cosine %{z:.3f}<extra></extra>",
        )
    )
    buttons = [
        {
            "label": label,
            "method": "update",
            "args": [
                {"z": [scores.tolist()], "text": [hover(prompts)]},
                {"title.text": title(label, right)},
            ],
        }
        for label, scores, right, prompts in panels
    ]
    fig.update_layout(
        **plotly_layout(
            title={"text": title(label, right)},
            height=140 + 17 * len(rows),
            updatemenus=[{"name": "template", "buttons": buttons, "active": 0}],
            xaxis={"title": {"text": "class prompt"}},
            yaxis={"autorange": "reversed", "tickfont": {"size": 10}},
            margin={"l": 260, "r": 20, "t": 60, "b": 50},
        )
    )
    return fig


def plot_template_accuracy(accuracy: Mapping[str, float], chance: float) -> plt.Figure:
    """Horizontal bars: zero-shot accuracy (%) per template, with chance as a dashed line.

    Examples
    --------
    >>> fig = plot_template_accuracy({"a {}": 0.5, "{}": 0.4}, chance=1 / 6)
    >>> len(fig.axes[0].patches)
    2

    Introduced in chapter 15.
    """
    if not isinstance(accuracy, Mapping) or not accuracy:
        raise TypeError("accuracy must be a non-empty mapping of template -> share")
    chance = check_float("chance", chance, minimum=0.0, maximum=1.0)
    labels = list(accuracy)
    values = [100 * float(accuracy[k]) for k in labels]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.2))
    ax.barh(labels, values, color="#0072B2")
    for y, v in enumerate(values):
        ax.text(v + 1, y, f"{v:.0f}%", va="center", fontsize=9)
    ax.axvline(100 * chance, color="#555555", ls="--", lw=1)
    ax.text(100 * chance + 1, len(labels) - 0.4, "chance", fontsize=8, color="#555555")
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel("zero-shot shape accuracy on held-out pairs (%)")
    ax.set_ylabel("prompt template")
    fig.tight_layout()
    return fig
