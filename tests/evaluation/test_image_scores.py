"""Tests of the scores of generated pictures (stepbytoken.evaluation.image_scores)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.evaluation.image_scores import (
    image_scores,
    palette,
    palette_error,
    pixel_colours,
)
from stepbytoken.recipes.vision import load_vision
from stepbytoken.world.images import COLOURS, make_dataset


@pytest.fixture(scope="module")
def vision():
    return load_vision()


@pytest.fixture(scope="module")
def data():
    return make_dataset(120, seed=5, jitter=1.0)


def test_palette_holds_the_six_colours():
    assert palette().shape == (len(COLOURS), 3)
    assert palette()[COLOURS.index("white")].tolist() == [1.0, 1.0, 1.0]


def test_real_pictures_score_their_own_colour_and_no_palette_error(data):
    assert torch.equal(pixel_colours(data.images), data.attribute("colour"))
    assert float(palette_error(data.images).max()) < 1e-6


def test_noise_is_far_from_the_palette(data):
    g = torch.Generator().manual_seed(0)
    noisy = (data.images + 0.2 * torch.randn(data.images.shape, generator=g)).clamp(
        0, 1
    )
    assert float(palette_error(noisy).mean()) > 0.05


def test_real_pictures_match_their_captions_and_shuffled_ones_do_not(vision, data):
    right = image_scores(data.images, data.specs, vision.vit, vision.clip, vision.vocab)
    assert right["colour"] == 1.0 and right["shape"] > 0.95 and right["match"] > 0.95
    assert right["off_palette"] == 0.0 and right["clip"] > 0.8
    shuffled = data.images.roll(1, dims=0)
    wrong = image_scores(shuffled, data.specs, vision.vit, vision.clip, vision.vocab)
    assert wrong["match"] < 0.2 and wrong["clip"] < right["clip"] - 0.5


def test_bad_arguments_raise(vision, data):
    with pytest.raises(ValueError):
        image_scores(data.images, data.specs[:3], vision.vit, vision.clip, vision.vocab)
    with pytest.raises(TypeError):
        image_scores(data.images, data.specs, vision.clip, vision.clip, vision.vocab)
    with pytest.raises(ValueError):
        pixel_colours(torch.zeros(1, 1, 4, 4))
