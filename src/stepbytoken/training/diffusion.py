"""Teaching a network to remove noise: the noise schedule, noising, and the DDPM loss.

Ho et al. (2020) define a **forward process** that adds a little Gaussian noise at each of
``T`` steps, ``q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I)`` (§2, eq. 2), with
the variances ``beta_t`` rising linearly from ``1e-4`` to ``0.02`` over ``T = 1000`` steps
(§4). Its steps compose into one jump from the clean picture (§2, eq. 4):
``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`` with ``abar_t`` the product of
``1 - beta_s`` for ``s <= t`` and ``eps`` standard normal noise (:func:`q_sample`). A
network learns to predict ``eps`` from ``x_t`` and ``t``; the loss is the plain squared
error (the "simple" objective, §3.4, eq. 14), at a step drawn uniformly
(:func:`diffusion_loss`). For classifier-free guidance (Ho & Salimans, 2022, §3.2,
algorithm 1) the text vector is replaced by zeros at random, so that the same network also
learns to denoise with no text (:func:`drop_condition`).

Introduced in chapter 21.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import check_float, check_instance, check_int, check_tensor

__all__ = [
    "NoiseSchedule",
    "diffusion_loss",
    "drop_condition",
    "linear_schedule",
    "q_sample",
]


class NoiseSchedule(NamedTuple):
    """The variances of the forward process, as :func:`linear_schedule` returns them.

    Fields:

    betas : Tensor
        ``(T,)`` float64: the noise variance added at each step ``t = 0 .. T - 1``.
    alpha_bars : Tensor
        ``(T,)`` float64: ``abar_t``, the share of the clean picture's variance left at ``t``.

    Introduced in chapter 21.
    """

    betas: Tensor
    alpha_bars: Tensor

    @property
    def n_steps(self) -> int:
        """``T``, the number of steps."""
        return len(self.betas)


def linear_schedule(
    n_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02
) -> NoiseSchedule:
    """Variances rising linearly from ``beta_start`` to ``beta_end`` (Ho et al., 2020, §4).

    Examples
    --------
    >>> s = linear_schedule()
    >>> s.n_steps, round(s.alpha_bars[0].item(), 4), f"{s.alpha_bars[-1].item():.1e}"
    (1000, 0.9999, '4.0e-05')

    Introduced in chapter 21.
    """
    n_steps = check_int("n_steps", n_steps, minimum=2, maximum=100_000)
    beta_start = check_float("beta_start", beta_start, minimum=0.0, maximum=1.0)
    beta_end = check_float("beta_end", beta_end, minimum=beta_start, maximum=1.0)
    if beta_start <= 0.0 or beta_end >= 1.0:
        raise ValueError(
            f"betas must lie in (0, 1), got beta_start={beta_start}, beta_end={beta_end}"
        )
    betas = torch.linspace(beta_start, beta_end, n_steps, dtype=torch.float64)
    return NoiseSchedule(betas, torch.cumprod(1.0 - betas, dim=0))


def _check_steps(t: Tensor, schedule: NoiseSchedule, batch: int) -> Tensor:
    check_tensor("t", t, dims=1, integer=True)
    if len(t) != batch:
        raise ValueError(f"t must have one step per image ({batch}), got {len(t)}")
    if batch and (int(t.min()) < 0 or int(t.max()) >= schedule.n_steps):
        raise ValueError(f"t must be in [0, {schedule.n_steps - 1}]")
    return t


def q_sample(x0: Tensor, t: Tensor, noise: Tensor, schedule: NoiseSchedule) -> Tensor:
    """Jump to step ``t``: ``sqrt(abar_t) x0 + sqrt(1 - abar_t) noise`` (eq. 4 of Ho et al.).

    Parameters
    ----------
    x0 : Tensor
        Clean pictures ``(B, ...)`` scaled to ``[-1, 1]``.
    t : Tensor
        ``(B,)`` integer steps in ``[0, T)``.
    noise : Tensor
        Standard normal noise, the shape of ``x0``.
    schedule : NoiseSchedule

    Examples
    --------
    >>> s = linear_schedule()
    >>> x0, noise = torch.ones(2, 3), torch.zeros(2, 3)
    >>> q_sample(x0, torch.tensor([0, 999]), noise, s)[:, 0]  # the signal fades
    tensor([0.9999, 0.0064])

    Introduced in chapter 21.
    """
    check_tensor("x0", x0, integer=False)
    check_tensor("noise", noise, integer=False)
    check_instance("schedule", schedule, NoiseSchedule)
    if noise.shape != x0.shape or x0.dim() == 0:
        raise ValueError(
            f"noise must have the shape of x0 {tuple(x0.shape)}, got {tuple(noise.shape)}"
        )
    _check_steps(t, schedule, len(x0))
    abar = schedule.alpha_bars[t.cpu()].to(device=x0.device, dtype=x0.dtype)
    abar = abar.view(-1, *([1] * (x0.dim() - 1)))
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def drop_condition(
    cond: Tensor, p_uncond: float, generator: torch.Generator | None = None
) -> Tensor:
    """``cond`` ``(B, D)`` with each row set to zeros with probability ``p_uncond``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> drop_condition(torch.ones(6, 2), 0.5, g).sum(1).tolist()
    [0.0, 2.0, 0.0, 0.0, 0.0, 2.0]

    Introduced in chapter 21.
    """
    check_tensor("cond", cond, dims=2, integer=False)
    p_uncond = check_float("p_uncond", p_uncond, minimum=0.0, maximum=1.0)
    keep = torch.rand(len(cond), generator=generator) >= p_uncond  # (B,)
    return cond * keep[:, None].to(device=cond.device, dtype=cond.dtype)


def diffusion_loss(
    model: nn.Module,
    x0: Tensor,
    cond: Tensor | None,
    schedule: NoiseSchedule,
    generator: torch.Generator | None = None,
) -> Tensor:
    """The DDPM loss: the squared error of the predicted noise at a uniform random step.

    ``model(x_t, t, cond)`` must return a prediction of the noise, the shape of ``x0``
    (Ho et al., 2020, §3.4, eq. 14; algorithm 1).

    Examples
    --------
    >>> from stepbytoken.nn.unet import UNet, UNetConfig
    >>> model = UNet(UNetConfig(channels=(8, 16), d_cond=0))
    >>> g = torch.Generator().manual_seed(0)
    >>> x0 = torch.zeros(4, 3, 16, 16)
    >>> round(diffusion_loss(model, x0, None, linear_schedule(), g).item(), 1)
    1.0

    Introduced in chapter 21.
    """
    check_instance("model", model, nn.Module)
    check_tensor("x0", x0, integer=False)
    check_instance("schedule", schedule, NoiseSchedule)
    if len(x0) == 0:
        raise ValueError("x0 must hold at least one picture")
    # drawn on the generator's device (the CPU), then moved to the pictures'
    t = torch.randint(schedule.n_steps, (len(x0),), generator=generator).to(x0.device)
    noise = torch.randn(x0.shape, generator=generator).to(x0.device)
    return F.mse_loss(model(q_sample(x0, t, noise, schedule), t, cond), noise)
