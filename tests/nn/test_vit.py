"""Tests for the Vision Transformer: patches round-trip, attention is a distribution, it learns."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from stepbytoken.nn.vit import EncoderBlock, ViT, ViTConfig, patchify, unpatchify
from stepbytoken.world.images import make_dataset

GEN = torch.Generator().manual_seed(0)


@pytest.mark.parametrize(("size", "patch"), [(16, 4), (32, 4), (32, 8), (8, 1)])
def test_patchify_round_trip(size, patch):
    images = torch.rand(2, 3, size, size, generator=GEN)
    patches = patchify(images, patch)
    assert patches.shape == (2, (size // patch) ** 2, 3 * patch * patch)
    assert torch.equal(unpatchify(patches, patch), images)


def test_patchify_matches_a_strided_convolution():
    images = torch.rand(2, 3, 16, 16, generator=GEN)
    weight = torch.randn(5, 3, 4, 4, generator=GEN)
    conv = F.conv2d(images, weight, stride=4)  # (B, 5, 4, 4)
    by_patches = patchify(images, 4) @ weight.reshape(5, -1).T  # (B, 16, 5)
    assert torch.allclose(conv.flatten(2).transpose(1, 2), by_patches, atol=1e-5)


def test_patch_order_is_row_by_row():
    images = torch.zeros(1, 3, 16, 16)
    images[:, :, 4:8, 8:12] = 1.0  # row 1, column 2 of the 4 x 4 grid
    patches = patchify(images, 4)
    assert patches.sum(-1).nonzero().tolist() == [[0, 1 * 4 + 2]]


def test_shapes_and_attention_rows_sum_to_one():
    config = ViTConfig(image_size=16, patch=4, n_layer=3, n_head=4, d_model=32)
    model = ViT(config, seed=0).eval()
    images = torch.rand(5, 3, 16, 16, generator=GEN)
    logits, maps = model(images, return_attention=True)
    assert logits.shape == (5, 6)
    assert len(maps) == 3 and all(m.shape == (5, 4, 17, 17) for m in maps)
    for m in maps:
        assert torch.allclose(m.sum(-1), torch.ones(5, 4, 17), atol=1e-5)
        assert bool((m > 0).all())  # no mask: every token sees every token
    assert torch.allclose(model(images), logits, atol=1e-5)
    assert model.features(images).shape == (5, 32)
    headless = ViT(ViTConfig(n_classes=None), seed=0)
    assert headless(images).shape == (5, 32)


def test_seeded_and_leaves_global_random_state_alone():
    state = torch.random.get_rng_state()
    a, b = ViT(ViTConfig(), seed=1), ViT(ViTConfig(), seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    c = ViT(ViTConfig(), seed=2)
    assert not torch.equal(a.cls_token, c.cls_token)


def test_each_image_is_classified_on_its_own():
    model = ViT(ViTConfig(), seed=0).eval()
    images = torch.rand(4, 3, 16, 16, generator=GEN)
    together = model(images)
    alone = torch.cat([model(images[i : i + 1]) for i in range(4)])
    assert torch.allclose(together, alone, atol=1e-5)


def test_encoder_block_padding_mask():
    block = EncoderBlock(d_model=8, n_head=2).eval()
    x = torch.randn(2, 5, 8, generator=GEN)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    y, weights = block(x, mask=mask, return_weights=True)
    assert torch.all(weights[1, :, :, 3:] == 0)
    short = block(x[1:, :3])
    assert torch.allclose(y[1, :3], short[0], atol=1e-5)


def test_tiny_vit_learns_shapes():
    data = make_dataset(32, seed=0)
    labels = data.attribute("shape")
    model = ViT(ViTConfig(n_layer=1, n_head=2, d_model=32, n_classes=6), seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(60):
        loss = F.cross_entropy(model(data.images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = (model(data.images).argmax(1) == labels).float().mean().item()
    assert accuracy >= 0.9


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: patchify(torch.rand(1, 3, 10, 10), 4), ValueError),
        (lambda: patchify(torch.rand(3, 10, 10), 2), ValueError),
        (lambda: patchify(torch.zeros(1, 3, 8, 8, dtype=torch.long), 2), ValueError),
        (lambda: unpatchify(torch.rand(1, 3, 48), 4), ValueError),
        (lambda: unpatchify(torch.rand(1, 4, 47), 4), ValueError),
        (lambda: ViTConfig(image_size=16, patch=5), ValueError),
        (lambda: ViTConfig(d_model=30, n_head=4), ValueError),
        (lambda: ViTConfig(n_classes=0), ValueError),
        (lambda: ViT(ViTConfig())(torch.rand(1, 3, 32, 32)), ValueError),
        (lambda: ViT(ViTConfig())(torch.rand(1, 1, 16, 16)), ValueError),
        (
            lambda: ViT(ViTConfig())(torch.rand(1, 3, 16, 16), return_attention=1),
            TypeError,
        ),
        (lambda: ViT("config"), TypeError),
        (
            lambda: EncoderBlock(8, 2)(torch.rand(1, 3, 8), mask=torch.ones(1, 3)),
            ValueError,
        ),
        (
            lambda: EncoderBlock(8, 2)(torch.rand(1, 3, 8), mask=torch.zeros(1, 3) > 0),
            ValueError,
        ),
    ],
)
def test_bad_inputs_are_refused(call, error):
    with pytest.raises(error):
        call()
