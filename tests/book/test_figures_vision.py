"""Tests of chapter 15's figures (stepbytoken.book.figures.vision)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from stepbytoken.book.figures.vision import (
    class_token_attention,
    plot_patch_attention,
    plot_patches,
    plot_pictures,
    plot_similarity,
    plot_template_accuracy,
)
from stepbytoken.evaluation.zero_shot import zero_shot_accuracy
from stepbytoken.nn.vit import ViT, ViTConfig
from stepbytoken.recipes.vision import heldout_set, load_vision
from stepbytoken.world.images import SHAPES, make_dataset


@pytest.fixture(scope="module")
def shipped():
    return load_vision()


def test_class_token_attention_is_a_share_of_the_row():
    vit = ViT(ViTConfig(), seed=0).eval()
    images = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    weights = class_token_attention(vit, images)
    assert weights.shape == (3, 2, 2, 4, 4)
    totals = weights.sum(dim=(-1, -2))  # all but the class token's weight on itself
    assert (
        bool((weights >= 0).all())
        and bool((totals < 1).all())
        and bool((totals > 0).all())
    )


def test_matplotlib_figures_draw():
    data = make_dataset(5, seed=0)
    assert len(plot_pictures(data, n=5).axes) == 5
    assert len(plot_patches(data.images[0]).axes) == 2
    fig = plot_template_accuracy({"{}": 0.3, "a {}": 0.6}, chance=1 / 6)
    assert [round(p.get_width()) for p in fig.axes[0].patches] == [30, 60]
    plt.close("all")


def test_patch_attention_menu_swaps_picture_and_maps(shipped):
    data = heldout_set(1)
    fig = plot_patch_attention(shipped.vit, data, SHAPES, n=4)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == list(data.captions[:4])
    weights = class_token_attention(shipped.vit, data.images[:4])
    z = buttons[2].args[0]["z"]
    assert len(z) == 1 + 4
    assert torch.allclose(torch.tensor(z[1]), weights[2, 0, 0], atol=1e-6)
    assert data.captions[2] in buttons[2].args[1]["title.text"]


def test_similarity_titles_quote_the_zero_shot_accuracy(shipped):
    data = heldout_set(1)
    labels = data.attribute("shape")
    templates = {"{}": ["{}"], "a large {}": ["a large {}"]}
    fig = plot_similarity(shipped.clip, shipped.vocab, data, SHAPES, labels, templates)
    assert len(fig.data[0].z) == len(data.images) and len(fig.data[0].z[0]) == len(
        SHAPES
    )
    for button, (label, group) in zip(
        fig.layout.updatemenus[0].buttons, templates.items(), strict=True
    ):
        accuracy = zero_shot_accuracy(
            shipped.clip, shipped.vocab, data.images, labels, SHAPES, group
        )
        assert button.label == label
        assert f"{100 * accuracy:.1f}%" in button.args[1]["title.text"]
    with pytest.raises(TypeError):
        plot_similarity(shipped.clip, shipped.vocab, data, SHAPES, labels, {})
