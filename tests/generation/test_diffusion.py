"""Tests of the DDIM sampler and classifier-free guidance (stepbytoken.generation.diffusion)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stepbytoken.generation.diffusion import ddim_sample, guided_noise, sampling_steps
from stepbytoken.training.diffusion import linear_schedule

SCHEDULE = linear_schedule()


class Oracle(nn.Module):
    """The exact noise predictor for a world with one picture (the row of cond, or ``base``).

    With one possible clean picture ``x0``, the noise in ``x_t`` is
    ``(x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t)``; a zero row of cond means ``base``.
    """

    def __init__(self, base: torch.Tensor) -> None:
        super().__init__()
        self.base = base

    def forward(self, x, t, cond):
        abar = SCHEDULE.alpha_bars.float()[t].view(-1, 1, 1, 1)
        x0 = cond.view(-1, 3, 4, 4)
        x0 = torch.where(cond.abs().sum(1).view(-1, 1, 1, 1) > 0, x0, self.base)
        return (x - abar.sqrt() * x0) / (1 - abar).sqrt()


def target(value: float) -> torch.Tensor:
    return torch.full((1, 48), value)


def test_sampling_steps_are_evenly_spread():
    assert sampling_steps(1) == (999,)
    assert sampling_steps(3, total=11) == (10, 5, 0)
    assert len(sampling_steps(1000)) == 1000


@pytest.mark.parametrize("n_steps", [2, 10, 50])
def test_ddim_with_an_exact_model_lands_on_the_picture(n_steps):
    model = Oracle(torch.zeros(1, 3, 4, 4))
    out = ddim_sample(
        model, target(0.4), SCHEDULE, n_steps=n_steps, image_shape=(3, 4, 4)
    )
    assert torch.allclose(out.images, torch.full((1, 3, 4, 4), 0.7), atol=1e-4)


def test_guidance_one_is_conditional_zero_is_unconditional_and_more_extrapolates():
    base = torch.full((1, 3, 4, 4), -0.2)
    model = Oracle(base)
    x = torch.randn(1, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([500])
    cond_eps = model(x, t, target(0.4))
    uncond_eps = model(x, t, torch.zeros(1, 48))
    assert torch.allclose(guided_noise(model, x, t, target(0.4), 1.0), cond_eps)
    assert torch.allclose(
        guided_noise(model, x, t, target(0.4), 0.0), uncond_eps, atol=1e-6
    )
    three = guided_noise(model, x, t, target(0.4), 3.0)
    assert torch.allclose(three, uncond_eps + 3 * (cond_eps - uncond_eps), atol=1e-6)
    # with s = 0 the sampler draws the unconditional picture
    out = ddim_sample(
        model, target(0.4), SCHEDULE, guidance_scale=0.0, image_shape=(3, 4, 4)
    )
    assert torch.allclose(out.images, (base + 1) / 2, atol=1e-4)


def test_the_path_is_kept_and_seeded():
    model = Oracle(torch.zeros(1, 3, 4, 4))
    kwargs = {"n_steps": 5, "image_shape": (3, 4, 4), "keep_path": True, "eta": 1.0}
    a = ddim_sample(model, target(0.1), SCHEDULE, seed=3, **kwargs)
    b = ddim_sample(model, target(0.1), SCHEDULE, seed=3, **kwargs)
    c = ddim_sample(model, target(0.1), SCHEDULE, seed=4, **kwargs)
    assert a.path.shape == (6, 1, 3, 4, 4) and a.predictions.shape == (5, 1, 3, 4, 4)
    assert torch.equal(a.path, b.path) and not torch.equal(a.path[0], c.path[0])
    assert a.path[0].std().item() > 0.5  # starts from noise


def test_bad_arguments_raise():
    model = Oracle(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError):
        ddim_sample(model, target(0.1), SCHEDULE, n_steps=0)
    with pytest.raises(ValueError):
        ddim_sample(model, target(0.1), SCHEDULE, guidance_scale=-1.0)
    with pytest.raises(TypeError):
        ddim_sample(model, target(0.1), SCHEDULE, image_shape=[3, 4, 4])
    with pytest.raises(ValueError):
        ddim_sample(model, torch.zeros(0, 48), SCHEDULE)
