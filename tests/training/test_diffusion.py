"""Tests of the noise schedule, noising and the DDPM loss (stepbytoken.training.diffusion)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn.unet import UNet, UNetConfig
from stepbytoken.training.diffusion import (
    diffusion_loss,
    drop_condition,
    linear_schedule,
    q_sample,
)


def test_the_schedule_is_that_of_ho_et_al():
    s = linear_schedule()
    assert s.n_steps == 1000
    assert s.betas[0].item() == pytest.approx(1e-4)
    assert s.betas[-1].item() == pytest.approx(0.02)
    expected = torch.cumprod(1 - s.betas, 0)
    assert torch.allclose(s.alpha_bars, expected)
    assert bool((s.alpha_bars[1:] < s.alpha_bars[:-1]).all())


def test_q_sample_composes_the_small_steps():
    """One jump to t equals t small steps x <- sqrt(1 - beta) x + sqrt(beta) noise in law."""
    s = linear_schedule(n_steps=50, beta_start=1e-3, beta_end=0.05)
    g = torch.Generator().manual_seed(0)
    x0 = torch.full((20_000, 1), 0.7)
    x = x0.clone()
    for t in range(30):
        x = (1 - s.betas[t]).sqrt() * x + s.betas[t].sqrt() * torch.randn(
            x.shape, generator=g
        )
    jump = q_sample(
        x0, torch.full((20_000,), 29), torch.randn(x0.shape, generator=g), s
    )
    assert x.mean().item() == pytest.approx(jump.mean().item(), abs=0.02)
    assert x.std().item() == pytest.approx(jump.std().item(), abs=0.02)
    assert jump.mean().item() == pytest.approx(
        0.7 * s.alpha_bars[29].sqrt().item(), abs=0.02
    )


def test_drop_condition_zeroes_about_the_asked_share():
    g = torch.Generator().manual_seed(0)
    kept = drop_condition(torch.ones(10_000, 3), 0.1, g)
    dropped = (kept.sum(1) == 0).float().mean().item()
    assert dropped == pytest.approx(0.1, abs=0.01)
    assert torch.equal(drop_condition(torch.ones(4, 2), 0.0), torch.ones(4, 2))


def test_the_loss_is_one_for_a_model_that_predicts_zero_and_it_learns():
    torch.manual_seed(0)
    model = UNet(UNetConfig(channels=(8, 16), d_cond=0, d_emb=16), seed=0)
    s = linear_schedule()
    g = torch.Generator().manual_seed(0)
    x0 = torch.zeros(32, 3, 16, 16)
    x0[:, 0, 4:12, 4:12] = 1.0  # one red square
    first = diffusion_loss(model, x0, None, s, g).item()
    assert first == pytest.approx(1.0, abs=0.05)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(40):
        loss = diffusion_loss(model, x0, None, s, g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.6 * first


def test_bad_arguments_raise():
    s = linear_schedule()
    with pytest.raises(ValueError):
        linear_schedule(beta_start=0.0)
    with pytest.raises(ValueError):
        q_sample(torch.zeros(2, 3), torch.tensor([0, 1000]), torch.zeros(2, 3), s)
    with pytest.raises(ValueError):
        q_sample(torch.zeros(2, 3), torch.tensor([0, 1]), torch.zeros(2, 4), s)
    with pytest.raises(ValueError):
        drop_condition(torch.ones(2, 2), 1.5)
