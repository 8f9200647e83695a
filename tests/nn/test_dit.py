"""Tests of the diffusion transformer (stepbytoken.nn.dit)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn.dit import DiT, DiTBlock, DiTConfig


def small(**kwargs) -> DiT:
    config = DiTConfig(n_layer=2, n_head=2, d_model=16, d_cond=4, **kwargs)
    return DiT(config, seed=0)


def test_patches_are_the_tokens():
    assert DiTConfig(patch=2).n_patches == 64
    assert DiTConfig(patch=4).n_patches == 16
    assert small().pos_embed.shape == (1, 64, 16)


def test_adaln_zero_starts_every_block_and_the_output_at_zero():
    model = small()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    out = model(x, torch.tensor([3, 700]), torch.randn(2, 4)).detach()
    assert float(out.abs().max()) == 0.0
    block = DiTBlock(8, 2)
    h = torch.randn(2, 5, 8)
    assert torch.equal(block(h, torch.randn(2, 8)), h)


def test_the_conditioning_reaches_every_token_once_trained_away_from_zero():
    model = small()
    for layer in (model.head, model.ada_f, *[b.ada for b in model.blocks]):
        torch.nn.init.normal_(layer.weight, std=0.2)
    x = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    base = model(x, torch.tensor([10]), torch.zeros(1, 4))
    other = model(x, torch.tensor([10]), torch.ones(1, 4))
    changed = (base - other).abs().sum(dim=1)  # (1, H, W)
    assert bool((changed > 0).all())  # adaLN scales every token


def test_gradients_reach_the_patch_embedding():
    model = small()
    for layer in (model.head, model.ada_f, *[b.ada for b in model.blocks]):
        torch.nn.init.normal_(layer.weight, std=0.2)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    model(x, torch.tensor([1, 2]), torch.randn(2, 4)).pow(2).sum().backward()
    assert float(model.patch_embed.weight.grad.abs().sum()) > 0


@pytest.mark.parametrize(
    "kwargs", [{"patch": 3}, {"d_model": 30, "n_head": 4}, {"n_layer": 0}]
)
def test_bad_configs_raise(kwargs):
    with pytest.raises((TypeError, ValueError)):
        DiTConfig(**kwargs)


def test_bad_inputs_raise():
    model = small()
    with pytest.raises(ValueError, match="needs cond"):
        model(torch.zeros(1, 3, 16, 16), torch.tensor([0]))
    with pytest.raises(ValueError):
        model(torch.zeros(1, 3, 16, 16), torch.tensor([0]), torch.zeros(1, 5))
