"""Small pictures with captions: one coloured shape on a black ground, drawn with numpy.

Every picture is fixed by four attributes (:class:`ImageSpec`): a shape (:data:`SHAPES`), a
colour (:data:`COLOURS`, a few of the world's colour words), a size (:data:`SIZES`) and a
position (:data:`POSITIONS`), 6 x 6 x 2 x 5 = 360 pictures in all (:func:`all_specs`).
:func:`draw` rasterises one as a ``(3, size, size)`` float32 array in ``[0, 1]``, each pixel
covered by the shape in proportion to its area (4 x 4 samples per pixel), and
:func:`caption` describes it in words: ``"a large red circle at the top left"``.

:func:`make_dataset` draws many at once, with optional noise and a random shift, as tensors
with their labels and captions. :func:`combination_split` holds out whole shape-colour pairs
(every shape and every colour still appears in training, but never together), so a model can
be tested on combinations it never saw.

Introduced in chapter 15; chapter 21 generates the same images.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from stepbytoken.checks import check_choice, check_float, check_instance, check_int

__all__ = [
    "ATTRIBUTES",
    "COLOURS",
    "POSITIONS",
    "SHAPES",
    "SIZES",
    "ImageSet",
    "ImageSpec",
    "SpecSplit",
    "all_specs",
    "caption",
    "combination_split",
    "draw",
    "make_dataset",
]

#: The shapes, in label order.
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "ring")
#: The colours (words of :data:`stepbytoken.world.lexicon.COLOURS`), in label order.
COLOURS = ("red", "green", "blue", "yellow", "purple", "white")
#: The sizes, in label order.
SIZES = ("small", "large")
#: Where the shape sits, in label order.
POSITIONS = ("top left", "top right", "bottom left", "bottom right", "centre")
#: The attributes of a picture, the columns of :attr:`ImageSet.labels`.
ATTRIBUTES = ("shape", "colour", "size", "position")

# red, green, blue (0..1) of each colour
_RGB = {
    "red": (0.90, 0.12, 0.10),
    "green": (0.10, 0.75, 0.20),
    "blue": (0.15, 0.35, 0.95),
    "yellow": (0.95, 0.85, 0.10),
    "purple": (0.60, 0.20, 0.80),
    "white": (1.00, 1.00, 1.00),
}
# radius of the shape as a share of the picture's side
_RADIUS = {"small": 0.17, "large": 0.25}
# centre (row, column) as shares of the picture's side
_CENTRE = {
    "top left": (0.28, 0.28),
    "top right": (0.28, 0.72),
    "bottom left": (0.72, 0.28),
    "bottom right": (0.72, 0.72),
    "centre": (0.5, 0.5),
}
_SUPERSAMPLE = 4  # samples per pixel along each axis
_CHOICES = {"shape": SHAPES, "colour": COLOURS, "size": SIZES, "position": POSITIONS}


class ImageSpec(NamedTuple):
    """What one picture shows: ``shape``, ``colour``, ``size`` and ``position`` (words).

    Examples
    --------
    >>> spec = ImageSpec("circle", "red", "large", "top left")
    >>> spec.labels()
    (0, 0, 1, 0)

    Introduced in chapter 15; chapter 21 generates the same images.
    """

    shape: str
    colour: str
    size: str
    position: str

    def labels(self) -> tuple[int, int, int, int]:
        """The index of each attribute in its list (:data:`SHAPES`, :data:`COLOURS`, ...)."""
        _check_spec(self)
        return (
            SHAPES.index(self.shape),
            COLOURS.index(self.colour),
            SIZES.index(self.size),
            POSITIONS.index(self.position),
        )


def _check_spec(spec: object, name: str = "spec") -> ImageSpec:
    """Raise unless ``spec`` is an :class:`ImageSpec` whose words are all allowed."""
    check_instance(name, spec, ImageSpec)
    assert isinstance(spec, ImageSpec)
    for attribute, choices in _CHOICES.items():
        check_choice(f"{name}.{attribute}", getattr(spec, attribute), choices)
    return spec


def all_specs() -> tuple[ImageSpec, ...]:
    """Every picture the generator can draw: 360 specs, shape slowest, position fastest.

    Examples
    --------
    >>> specs = all_specs()
    >>> len(specs), specs[0]
    (360, ImageSpec(shape='circle', colour='red', size='small', position='top left'))

    Introduced in chapter 15; chapter 21 generates the same images.
    """
    return tuple(
        ImageSpec(shape, colour, size, position)
        for shape in SHAPES
        for colour in COLOURS
        for size in SIZES
        for position in POSITIONS
    )


def caption(spec: ImageSpec) -> str:
    """Describe a picture in words: size, colour, shape and position.

    Examples
    --------
    >>> caption(ImageSpec("circle", "red", "large", "top left"))
    'a large red circle at the top left'
    >>> caption(ImageSpec("ring", "blue", "small", "centre"))
    'a small blue ring in the centre'

    Introduced in chapter 15; chapter 21 generates the same images.
    """
    _check_spec(spec)
    where = "in the centre" if spec.position == "centre" else f"at the {spec.position}"
    return f"a {spec.size} {spec.colour} {spec.shape} {where}"


def _inside(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether the points ``(u, v)`` (in radii from the centre, ``v`` down) are in ``shape``."""
    au, av = np.abs(u), np.abs(v)
    if shape == "circle":
        return u**2 + v**2 <= 1.0
    if shape == "square":  # a little smaller than the circle's box, for a similar area
        return np.maximum(au, av) <= 0.82
    if shape == "triangle":  # pointing up, base at v = 0.75
        return (v <= 0.75) & (au <= (v + 1.0) / 1.75)
    if shape == "diamond":
        return au + av <= 1.0
    if shape == "cross":
        return (np.minimum(au, av) <= 0.3) & (np.maximum(au, av) <= 1.0)
    r2 = u**2 + v**2  # ring
    return (r2 <= 1.0) & (r2 >= 0.55**2)


def draw(
    spec: ImageSpec, size: int = 16, *, offset: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Rasterise one picture as a ``(3, size, size)`` float32 array in ``[0, 1]``.

    Each pixel takes the shape's colour in proportion to how much of it the shape covers
    (measured on 4 x 4 points per pixel), so edges are smooth; the ground is black.

    Parameters
    ----------
    spec : ImageSpec
        What to draw.
    size : int, default 16
        Side of the picture in pixels, 8 to 256 (16 and 32 are the book's sizes).
    offset : tuple of float, default (0.0, 0.0)
        Shift of the shape ``(down, right)`` in pixels, each in ``[-size / 8, size / 8]``.

    Returns
    -------
    numpy.ndarray
        Channels first: red, green, blue.

    Raises
    ------
    TypeError, ValueError
        For a spec with unknown words, or a size or offset out of range.

    Examples
    --------
    >>> image = draw(ImageSpec("square", "red", "large", "centre"), size=16)
    >>> image.shape, image.dtype, [round(float(c), 2) for c in image[:, 8, 8]]
    ((3, 16, 16), dtype('float32'), [0.9, 0.12, 0.1])
    >>> float(image[:, 0, 0].max())  # the corner is ground
    0.0

    Introduced in chapter 15; chapter 21 generates the same images.
    """
    _check_spec(spec)
    size = check_int("size", size, minimum=8, maximum=256)
    if not isinstance(offset, (tuple, list)) or len(offset) != 2:
        raise TypeError(
            f"offset must be a pair of numbers (down, right), got {offset!r}"
        )
    limit = size / 8
    dy, dx = (
        check_float(f"offset[{i}]", o, minimum=-limit, maximum=limit)
        for i, o in enumerate(offset)
    )
    radius = _RADIUS[spec.size] * size
    row, col = _CENTRE[spec.position]
    # sample points: (size * S,) coordinates in pixels, S per pixel at the sub-pixel centres
    points = (np.arange(size * _SUPERSAMPLE) + 0.5) / _SUPERSAMPLE
    v = ((points - row * size - dy) / radius)[:, None]  # (size * S, 1)
    u = ((points - col * size - dx) / radius)[None, :]  # (1, size * S)
    inside = _inside(spec.shape, u, v).astype(np.float32)  # (size * S, size * S)
    # share of each pixel covered: (size, S, size, S) -> (size, size)
    coverage = inside.reshape(size, _SUPERSAMPLE, size, _SUPERSAMPLE).mean(axis=(1, 3))
    colour = np.asarray(_RGB[spec.colour], dtype=np.float32)[:, None, None]
    return (colour * coverage[None]).astype(np.float32)  # (3, size, size)


class ImageSet(NamedTuple):
    """Pictures with their labels and captions, as :func:`make_dataset` returns them.

    Fields:

    images : Tensor
        ``(n, 3, size, size)`` float32 in ``[0, 1]``.
    labels : Tensor
        ``(n, 4)`` int64: the index of each attribute, columns in :data:`ATTRIBUTES` order.
    captions : tuple of str
        :func:`caption` of each picture.
    specs : tuple of ImageSpec
        What each picture shows.

    Introduced in chapter 15; chapter 21 generates the same images.
    """

    images: Tensor
    labels: Tensor
    captions: tuple[str, ...]
    specs: tuple[ImageSpec, ...]

    def attribute(self, name: str) -> Tensor:
        """The ``(n,)`` labels of one attribute (``"shape"``, ``"colour"``, ...).

        Examples
        --------
        >>> data = make_dataset([ImageSpec("ring", "blue", "small", "centre")])
        >>> data.attribute("shape").tolist()
        [5]
        """
        name = check_choice("name", name, ATTRIBUTES)
        return self.labels[:, ATTRIBUTES.index(name)]


def make_dataset(
    specs: int | Sequence[ImageSpec],
    *,
    size: int = 16,
    seed: int = 0,
    noise: float = 0.0,
    jitter: float = 0.0,
) -> ImageSet:
    """Draw a set of pictures: the given specs, or ``specs`` of them picked at random.

    Parameters
    ----------
    specs : int or sequence of ImageSpec
        The pictures to draw (repeats allowed: with noise or jitter each copy differs), or a
        number of pictures whose specs are drawn uniformly from :func:`all_specs`.
    size : int, default 16
        Side in pixels, as in :func:`draw`.
    seed : int, default 0
        Seed of the random specs, the noise and the shifts.
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to every pixel and channel, in
        ``[0, 1]``; the result is clipped back to ``[0, 1]``.
    jitter : float, default 0.0
        Largest random shift of the shape in pixels along each axis, in ``[0, size / 8]``.

    Returns
    -------
    ImageSet

    Raises
    ------
    TypeError, ValueError
        For a bad argument or an empty list of specs.

    Examples
    --------
    >>> data = make_dataset(4, seed=0, noise=0.05)
    >>> tuple(data.images.shape), tuple(data.labels.shape), len(data.captions)
    ((4, 3, 16, 16), (4, 4), 4)
    >>> bool(data.images.min() >= 0) and bool(data.images.max() <= 1)
    True

    Introduced in chapter 15; chapter 21 generates the same images.
    """
    size = check_int("size", size, minimum=8, maximum=256)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    noise = check_float("noise", noise, minimum=0.0, maximum=1.0)
    jitter = check_float("jitter", jitter, minimum=0.0, maximum=size / 8)
    if isinstance(specs, (bool, str)) or not isinstance(
        specs, (int, np.integer, Sequence)
    ):
        raise TypeError(
            f"specs must be an int or a sequence of ImageSpec, got {type(specs).__name__}"
        )
    if isinstance(specs, (int, np.integer)):
        n = check_int("specs", specs, minimum=1, maximum=200_000)
        pool = all_specs()
        specs = tuple(pool[i] for i in rng.integers(len(pool), size=n))
    else:
        if not specs:
            raise ValueError("specs must hold at least one ImageSpec")
        specs = tuple(_check_spec(s, f"specs[{i}]") for i, s in enumerate(specs))
    images = np.empty((len(specs), 3, size, size), dtype=np.float32)
    for i, spec in enumerate(specs):
        offset = tuple(rng.uniform(-jitter, jitter, size=2)) if jitter else (0.0, 0.0)
        images[i] = draw(spec, size, offset=offset)
    if noise:
        images += rng.normal(0.0, noise, size=images.shape).astype(np.float32)
        np.clip(images, 0.0, 1.0, out=images)
    return ImageSet(
        images=torch.from_numpy(images),
        labels=torch.tensor([s.labels() for s in specs], dtype=torch.long),
        captions=tuple(caption(s) for s in specs),
        specs=specs,
    )


class SpecSplit(NamedTuple):
    """Specs for training and held-out specs, as :func:`combination_split` returns them.

    Fields:

    train, heldout : tuple of ImageSpec
        The two parts of :func:`all_specs`; they share no spec.
    pairs : tuple of (str, str)
        The held-out ``(shape, colour)`` pairs: every held-out spec has one of them, no
        training spec does.

    Introduced in chapter 15; chapter 21 generates the same images.
    """

    train: tuple[ImageSpec, ...]
    heldout: tuple[ImageSpec, ...]
    pairs: tuple[tuple[str, str], ...]


def combination_split(seed: int = 0) -> SpecSplit:
    """Hold out one colour per shape: 6 shape-colour pairs never seen in training.

    The pairs match each shape to a different colour (a seeded permutation), so every shape
    and every colour is held out exactly once and still appears in training with the five
    others: 300 training specs and 60 held-out ones.

    Examples
    --------
    >>> split = combination_split(seed=0)
    >>> len(split.train), len(split.heldout), len(split.pairs)
    (300, 60, 6)
    >>> sorted(shape for shape, _ in split.pairs) == sorted(SHAPES)
    True

    Introduced in chapter 15; chapter 21 generates the same images.
    """
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    order = rng.permutation(len(COLOURS))
    pairs = tuple((shape, COLOURS[j]) for shape, j in zip(SHAPES, order, strict=True))
    held = set(pairs)
    specs = all_specs()
    return SpecSplit(
        train=tuple(s for s in specs if (s.shape, s.colour) not in held),
        heldout=tuple(s for s in specs if (s.shape, s.colour) in held),
        pairs=pairs,
    )
