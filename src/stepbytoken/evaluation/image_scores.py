"""Scoring generated pictures against the captions that asked for them.

There is no human judge here, so the scores are measured with chapter 15's models and the
pixels themselves (a sample is one coloured shape on a black ground, or should be):

* **shape**: chapter 15's ViT classifier names the shape of the sample; the score is the
  share named as the caption's shape (:func:`image_scores`);
* **colour**: the mean colour of the sample's bright pixels (those whose brightest channel
  exceeds 0.5) is matched to the nearest of the six colours (:func:`pixel_colours`);
* **match**: the share with both the shape and the colour right, the text-match score;
* **off-palette**: a quality score, lower is better: every pixel of a real picture is one
  of the six colours times the share of the pixel the shape covers, so it lies on a
  segment from black to that colour; the score is the mean distance of the sample's pixels
  from the nearest such segment (:func:`palette_error`), 0 for every real picture;
* **clip**: the mean cosine similarity between the sample and its caption under chapter
  15's CLIP pair (from -1 to 1).

Introduced in chapter 21.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from stepbytoken.checks import check_instance, check_tensor
from stepbytoken.nn.clip import CLIP, tokenize_captions
from stepbytoken.nn.vit import ViT
from stepbytoken.tokenizers.vocab import WordVocab
from stepbytoken.world.images import COLOURS, SHAPES, ImageSpec, caption, draw

__all__ = ["BRIGHT", "image_scores", "palette", "palette_error", "pixel_colours"]

#: A pixel counts as part of the shape when its brightest channel exceeds this.
BRIGHT = 0.5


def palette() -> Tensor:
    """The ``(6, 3)`` red, green, blue of :data:`~stepbytoken.world.images.COLOURS`.

    Read from the middle of a large square drawn in each colour.

    Examples
    --------
    >>> [round(c, 2) for c in palette()[0].tolist()]  # red
    [0.9, 0.12, 0.1]

    Introduced in chapter 21.
    """
    rows = [
        draw(ImageSpec("square", colour, "large", "centre"), 16)[:, 8, 8]
        for colour in COLOURS
    ]
    return torch.from_numpy(np.stack(rows))


def _check_images(images: object) -> Tensor:
    check_tensor("images", images, dims=4, integer=False)
    assert isinstance(images, Tensor)
    if len(images) == 0 or images.shape[1] != 3:
        raise ValueError(
            f"images must be (B, 3, H, W) with B >= 1, got {tuple(images.shape)}"
        )
    return images


def pixel_colours(images: Tensor) -> Tensor:
    """The colour index (in :data:`COLOURS`) of each picture's bright pixels, ``(B,)``.

    A picture with no bright pixel gets -1.

    Examples
    --------
    >>> from stepbytoken.world.images import make_dataset
    >>> data = make_dataset(8, seed=0)
    >>> bool((pixel_colours(data.images) == data.attribute("colour")).all())
    True
    >>> pixel_colours(torch.zeros(1, 3, 16, 16)).tolist()
    [-1]

    Introduced in chapter 21.
    """
    images = _check_images(images)
    bright = images.amax(dim=1, keepdim=True) > BRIGHT  # (B, 1, H, W)
    count = bright.sum(dim=(1, 2, 3))  # (B,)
    mean = (images * bright).sum(dim=(2, 3)) / count.clamp(min=1)[:, None]  # (B, 3)
    nearest = torch.cdist(mean, palette()).argmin(dim=1)  # (B,)
    return torch.where(count > 0, nearest, torch.full_like(nearest, -1))


def palette_error(images: Tensor) -> Tensor:
    """Mean distance of each picture's pixels from the nearest black-to-colour segment.

    For a pixel ``p`` and a colour ``c`` the nearest point of the segment is ``a c`` with
    ``a = clip(p . c / |c|^2, 0, 1)``; the pixel's error is the smallest ``|p - a c|`` over
    the six colours. Returns ``(B,)``, 0 for every picture the generator draws.

    Examples
    --------
    >>> from stepbytoken.world.images import make_dataset
    >>> float(palette_error(make_dataset(4, seed=0, jitter=1.0).images).max()) < 1e-6
    True
    >>> grey = torch.full((1, 3, 2, 2), 0.5)  # on the way from black to white
    >>> cyan = torch.tensor([0.0, 0.5, 0.5]).view(1, 3, 1, 1)  # no colour of the world
    >>> palette_error(grey).item(), round(palette_error(cyan).item(), 3)
    (0.0, 0.311)

    Introduced in chapter 21.
    """
    images = _check_images(images)
    colours = palette()  # (K, 3)
    pixels = images.permute(0, 2, 3, 1).reshape(-1, 3)  # (B H W, 3)
    a = (pixels @ colours.T / (colours**2).sum(1)).clamp(0, 1)  # (B H W, K)
    dist = (pixels[:, None, :] - a[:, :, None] * colours[None]).norm(dim=2)  # (BHW, K)
    return dist.amin(dim=1).view(len(images), -1).mean(dim=1)


@torch.no_grad()
def image_scores(
    images: Tensor,
    specs: Sequence[ImageSpec],
    vit: ViT,
    clip: CLIP,
    vocab: WordVocab,
) -> dict[str, float]:
    """Shape, colour, match, off-palette and CLIP scores of pictures against their specs.

    Parameters
    ----------
    images : Tensor
        ``(B, 3, 16, 16)`` pictures in ``[0, 1]``.
    specs : sequence of ImageSpec
        What each picture was asked to show (its caption is :func:`caption` of it).
    vit : ViT
        Chapter 15's shape classifier.
    clip : CLIP
        Chapter 15's pair of encoders, with the words ``vocab``.
    vocab : WordVocab

    Returns
    -------
    dict of str -> float
        ``shape``, ``colour``, ``match`` (shares in ``[0, 1]``), ``off_palette`` and
        ``clip`` (means).

    Examples
    --------
    >>> from stepbytoken.recipes.vision import load_vision
    >>> from stepbytoken.world.images import make_dataset
    >>> v = load_vision()
    >>> data = make_dataset(50, seed=3)
    >>> s = image_scores(data.images, data.specs, v.vit, v.clip, v.vocab)
    >>> s["shape"] > 0.9, s["colour"]
    (True, 1.0)

    Introduced in chapter 21.
    """
    images = _check_images(images)
    check_instance("vit", vit, ViT)
    check_instance("clip", clip, CLIP)
    if isinstance(specs, (str, bytes)) or not isinstance(specs, Sequence):
        raise TypeError(f"specs must be a sequence of ImageSpec, got {specs!r:.80}")
    if len(specs) != len(images):
        raise ValueError(
            f"specs must have one spec per image ({len(images)}), got {len(specs)}"
        )
    for i, spec in enumerate(specs):
        check_instance(f"specs[{i}]", spec, ImageSpec)
    shapes = torch.tensor([SHAPES.index(s.shape) for s in specs])
    colours = torch.tensor([COLOURS.index(s.colour) for s in specs])
    shape_ok = vit(images).argmax(dim=1) == shapes
    colour_ok = pixel_colours(images) == colours
    idx, lengths = tokenize_captions([caption(s) for s in specs], vocab)
    similarity = (clip.encode_images(images) * clip.encode_texts(idx, lengths)).sum(1)
    return {
        "shape": round(shape_ok.float().mean().item(), 4),
        "colour": round(colour_ok.float().mean().item(), 4),
        "match": round((shape_ok & colour_ok).float().mean().item(), 4),
        "off_palette": round(palette_error(images).mean().item(), 4),
        "clip": round(similarity.mean().item(), 4),
    }
