"""Tests of chapter 21's figures (stepbytoken.book.figures.diffusion)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from stepbytoken.book.figures.diffusion import (
    denoising_slider,
    guidance_slider,
    plot_loss_curves,
    plot_noising,
    plot_samples,
    png_uri,
    short_caption,
)
from stepbytoken.generation.diffusion import ddim_sample
from stepbytoken.nn.unet import UNet, UNetConfig
from stepbytoken.training.diffusion import linear_schedule


@pytest.fixture(scope="module")
def sample():
    model = UNet(UNetConfig(channels=(8, 16), d_cond=2), seed=0).eval()
    torch.nn.init.normal_(model.out.weight, std=0.05)
    cond = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    return ddim_sample(model, cond, linear_schedule(), n_steps=4, keep_path=True)


def test_matplotlib_figures_draw():
    images = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    assert len(plot_noising(images, linear_schedule(), [0, 10, 999]).axes) == 6
    fig = plot_samples({"a": images, "b": images}, ["one", "two"])
    assert len(fig.axes) == 4
    fig = plot_loss_curves({"U-Net": [1.0, 0.5, 0.2]}, every=10)
    assert list(fig.axes[0].lines[0].get_xdata()) == [10, 20, 30]
    plt.close("all")


def test_short_captions_fit_a_phone():
    assert short_caption("a small white cross at the bottom right") == (
        "white cross, bottom right"
    )


def test_the_steps_slider_shows_each_state_and_guess(sample):
    captions = ["a", "b", "c"]
    fig = denoising_slider(sample, captions)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 5 and len(fig.data) == 6
    sources = steps[2].args[0]["source"]
    assert sources[0] == png_uri((sample.path[2][0] + 1) / 2)
    assert sources[4] == png_uri((sample.predictions[2][1] + 1) / 2)
    assert steps[-1].args[0]["source"][3] == png_uri(sample.images[0])
    assert steps[-1].args[1]["title.text"] == "after all 4 steps: the pictures"
    assert fig.data[0].source == steps[0].args[0]["source"][0]


def test_png_uri_round_trips_the_pixels():
    import base64
    import io

    import matplotlib.image

    image = torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(0))
    data = base64.b64decode(png_uri(image, scale=2).split(",", 1)[1])
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (32, 32)
    expected = (image.permute(1, 2, 0) * 255).round() / 255
    assert torch.allclose(torch.tensor(pixels[::2, ::2, :3]), expected, atol=1e-6)


def test_the_guidance_slider_moves_samples_and_marker():
    images = {0.0: torch.zeros(2, 3, 16, 16), 2.0: torch.ones(2, 3, 16, 16)}
    scores = {0.0: {"match": 0.1, "clip": 0.05}, 2.0: {"match": 0.8, "clip": 0.7}}
    fig = guidance_slider(images, scores, ["one", "two"])
    step = fig.layout.sliders[0].steps[1]
    update, layout, traces = step.args
    assert list(traces) == [0, 1, 4]
    assert update["source"][0] == png_uri(torch.ones(3, 16, 16))
    assert update["source"][2] is None
    assert update["x"][2] == [2.0, 2.0] and update["y"][2] == [0.8, 0.7]
    assert layout["title.text"] == "s = 2: match 0.80, CLIP 0.70"


def test_bad_arguments_raise(sample):
    with pytest.raises(ValueError):
        denoising_slider(sample, ["only one"])
    with pytest.raises(ValueError):
        guidance_slider({0.0: torch.zeros(1, 3, 4, 4)}, {1.0: {}}, ["a"])
    with pytest.raises(ValueError):
        plot_noising(torch.zeros(1, 3, 4, 4), linear_schedule(), [1000])
