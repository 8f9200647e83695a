"""Tests of the U-Net noise predictor (stepbytoken.nn.unet)."""

from __future__ import annotations

import math

import pytest
import torch

from stepbytoken.nn.unet import ResBlock, UNet, UNetConfig, timestep_embedding


def small(**kwargs) -> UNet:
    return UNet(UNetConfig(channels=(8, 16), d_cond=4, d_emb=16, **kwargs), seed=0)


def test_timestep_embedding_is_cos_then_sin_of_geometric_frequencies():
    e = timestep_embedding(torch.tensor([3]), 6)
    freqs = [10_000 ** (-i / 3) for i in range(3)]
    expected = [math.cos(3 * f) for f in freqs] + [math.sin(3 * f) for f in freqs]
    assert torch.allclose(e[0], torch.tensor(expected), atol=1e-6)


def test_output_has_the_input_shape_and_starts_at_zero():
    model = small()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    out = model(x, torch.tensor([1, 500]), torch.randn(2, 4))
    assert out.shape == x.shape
    assert float(out.detach().abs().max()) == 0.0  # the last convolution starts at zero


def test_time_and_text_change_the_prediction_once_trained_away_from_zero():
    model = small()
    torch.nn.init.normal_(model.out.weight, std=0.1)
    x = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    base = model(x, torch.tensor([10]), torch.zeros(1, 4))
    assert not torch.allclose(base, model(x, torch.tensor([900]), torch.zeros(1, 4)))
    assert not torch.allclose(base, model(x, torch.tensor([10]), torch.ones(1, 4)))


def test_same_seed_same_weights_and_gradients_reach_the_stem():
    a, b = small(), small()
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )
    torch.nn.init.normal_(a.out.weight, std=0.1)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    a(x, torch.tensor([5, 6]), torch.randn(2, 4)).pow(2).sum().backward()
    assert a.stem.weight.grad is not None and float(a.stem.weight.grad.abs().sum()) > 0


def test_resblock_changes_channels_through_its_skip():
    block = ResBlock(4, 6, d_emb=3)
    assert block(torch.zeros(1, 4, 8, 8), torch.zeros(1, 3)).shape == (1, 6, 8, 8)


def test_unconditional_model_needs_no_text():
    model = UNet(UNetConfig(channels=(8,), d_cond=0), seed=0)
    assert model(torch.zeros(1, 3, 16, 16), torch.tensor([0])).shape == (1, 3, 16, 16)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channels": ()},
        {"channels": (8, 16, 32, 64, 128), "image_size": 8},
        {"d_emb": 7},
    ],
)
def test_bad_configs_raise(kwargs):
    with pytest.raises((TypeError, ValueError)):
        UNetConfig(**kwargs)


def test_bad_inputs_raise():
    model = small()
    with pytest.raises(ValueError, match="shape"):
        model(torch.zeros(1, 3, 8, 8), torch.tensor([0]), torch.zeros(1, 4))
    with pytest.raises(ValueError, match="one step per image"):
        model(torch.zeros(2, 3, 16, 16), torch.tensor([0]), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="needs cond"):
        model(torch.zeros(1, 3, 16, 16), torch.tensor([0]))
