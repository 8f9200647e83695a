"""Tests for the picture generator: deterministic, in range, every attribute visible."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stepbytoken.world.images import (
    ATTRIBUTES,
    COLOURS,
    POSITIONS,
    SHAPES,
    SIZES,
    ImageSpec,
    all_specs,
    caption,
    combination_split,
    draw,
    make_dataset,
)
from stepbytoken.world.lexicon import COLOURS as WORLD_COLOURS

BASE = ImageSpec("circle", "red", "large", "top left")


def test_colours_are_the_worlds_words():
    assert set(COLOURS) <= set(WORLD_COLOURS)


@pytest.mark.parametrize("size", [16, 32])
def test_draw_shape_dtype_and_range(size):
    image = draw(BASE, size)
    assert image.shape == (3, size, size) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > 0.5  # something is drawn


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_every_value_of_every_attribute_gives_different_pixels(attribute):
    choices = dict(shape=SHAPES, colour=COLOURS, size=SIZES, position=POSITIONS)
    images = [draw(BASE._replace(**{attribute: value})) for value in choices[attribute]]
    for i in range(len(images)):
        for j in range(i):
            assert np.abs(images[i] - images[j]).sum() > 1.0, (attribute, i, j)


def test_all_images_differ_and_captions_are_unique():
    specs = all_specs()
    assert len(specs) == len(set(specs)) == 6 * 6 * 2 * 5
    captions = [caption(s) for s in specs]
    assert len(set(captions)) == len(specs)
    flat = np.stack([draw(s).ravel() for s in specs])
    assert len(np.unique(flat.round(4), axis=0)) == len(specs)


def test_caption_uses_the_attribute_words():
    text = caption(ImageSpec("triangle", "yellow", "small", "bottom right"))
    assert text == "a small yellow triangle at the bottom right"


def test_make_dataset_is_deterministic_and_labelled():
    a = make_dataset(20, seed=3, noise=0.1, jitter=1.5)
    b = make_dataset(20, seed=3, noise=0.1, jitter=1.5)
    c = make_dataset(20, seed=4, noise=0.1, jitter=1.5)
    assert torch.equal(a.images, b.images) and a.captions == b.captions
    assert not torch.equal(a.images, c.images)
    assert a.images.dtype == torch.float32 and a.images.shape == (20, 3, 16, 16)
    assert float(a.images.min()) >= 0.0 and float(a.images.max()) <= 1.0
    for spec, row, text in zip(a.specs, a.labels.tolist(), a.captions, strict=True):
        assert tuple(row) == spec.labels() and text == caption(spec)
    assert a.attribute("colour").tolist() == a.labels[:, 1].tolist()


def test_noise_free_dataset_draws_exactly():
    specs = all_specs()[:5]
    data = make_dataset(specs, size=32)
    for i, spec in enumerate(specs):
        assert np.array_equal(data.images[i].numpy(), draw(spec, 32))


def test_combination_split_is_disjoint_and_covers_every_value():
    split = combination_split(seed=0)
    assert not set(split.train) & set(split.heldout)
    assert set(split.train) | set(split.heldout) == set(all_specs())
    train_pairs = {(s.shape, s.colour) for s in split.train}
    assert not train_pairs & set(split.pairs)
    assert {(s.shape, s.colour) for s in split.heldout} == set(split.pairs)
    assert {s.shape for s in split.train} == set(SHAPES)
    assert {s.colour for s in split.train} == set(COLOURS)
    assert combination_split(seed=0) == split
    assert combination_split(seed=1).pairs != split.pairs


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: draw(BASE._replace(shape="star")), ValueError),
        (lambda: draw(("circle", "red", "large", "top left")), TypeError),
        (lambda: draw(BASE, 4), ValueError),
        (lambda: draw(BASE, offset=(100.0, 0.0)), ValueError),
        (lambda: make_dataset([]), ValueError),
        (lambda: make_dataset(3, noise=-0.1), ValueError),
        (lambda: make_dataset(3, jitter=5.0), ValueError),
        (lambda: make_dataset("circle"), TypeError),
        (lambda: make_dataset([BASE, "x"]), TypeError),
    ],
)
def test_bad_inputs_are_refused(call, error):
    with pytest.raises(error):
        call()
