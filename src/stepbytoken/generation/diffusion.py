"""Drawing a picture from noise: the DDIM sampler with classifier-free guidance.

Start from pure Gaussian noise ``x_T`` and walk back through a few of the ``T`` steps. At
each step ``t`` the network's noise prediction ``eps`` gives a guess of the clean picture,
``x0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)`` (clipped to ``[-1, 1]``), and the
next, less noisy picture is that guess noised back to the level of the next step
(Song et al., 2021, §4.1, eq. 12). With ``eta = 0`` no fresh noise is added (DDIM, a
deterministic map from ``x_T`` to the picture); with ``eta = 1`` and every step it is the
ancestral sampler of DDPM (Ho et al., 2020, algorithm 2; Song et al. eq. 16).

**Classifier-free guidance** (Ho & Salimans, 2022, §3.2, eq. 6) runs the network twice per
step, with the text vector and with zeros, and moves past the conditional prediction:
``eps = eps_uncond + s (eps_cond - eps_uncond)``. ``s = 1`` is the plain conditional model,
``s = 0`` ignores the text; Ho & Salimans write the same rule with ``w = s - 1``.

Introduced in chapter 21.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from stepbytoken.checks import (
    check_bool,
    check_float,
    check_instance,
    check_int,
    check_tensor,
)
from stepbytoken.nn.interface import model_device
from stepbytoken.training.diffusion import NoiseSchedule

__all__ = ["Sample", "ddim_sample", "guided_noise", "sampling_steps"]


class Sample(NamedTuple):
    """Pictures drawn by :func:`ddim_sample`, with the path that led to them.

    Fields:

    images : Tensor
        ``(B, C, H, W)`` in ``[0, 1]``.
    steps : tuple of int
        The steps ``t`` visited, from noisiest to cleanest.
    path : Tensor or None
        ``(len(steps) + 1, B, C, H, W)`` in ``[-1, 1]`` units: ``x_t`` before each step, then
        the result (if asked for).
    predictions : Tensor or None
        ``(len(steps), B, C, H, W)``: the guess of the clean picture at each step.

    Introduced in chapter 21.
    """

    images: Tensor
    steps: tuple[int, ...]
    path: Tensor | None
    predictions: Tensor | None


def sampling_steps(n_steps: int, total: int = 1000) -> tuple[int, ...]:
    """``n_steps`` steps evenly spread from ``total - 1`` down to 0.

    Examples
    --------
    >>> sampling_steps(5)
    (999, 749, 500, 250, 0)

    Introduced in chapter 21.
    """
    total = check_int("total", total, minimum=1)
    n_steps = check_int("n_steps", n_steps, minimum=1, maximum=total)
    if n_steps == 1:
        return (total - 1,)
    steps = torch.linspace(total - 1, 0, n_steps).round().long().tolist()
    return tuple(int(s) for s in steps)


def guided_noise(
    model: nn.Module, x: Tensor, t: Tensor, cond: Tensor, guidance_scale: float
) -> Tensor:
    """``eps_uncond + s (eps_cond - eps_uncond)``, both from one batched call of ``model``.

    Examples
    --------
    >>> from stepbytoken.nn.unet import UNet, UNetConfig
    >>> model = UNet(UNetConfig(channels=(8, 16), d_cond=2))
    >>> x, t = torch.zeros(1, 3, 16, 16), torch.tensor([10])
    >>> guided_noise(model, x, t, torch.ones(1, 2), 3.0).shape
    torch.Size([1, 3, 16, 16])

    Introduced in chapter 21.
    """
    check_instance("model", model, nn.Module)
    check_tensor("cond", cond, dims=2, integer=False)
    s = check_float("guidance_scale", guidance_scale, minimum=0.0, maximum=100.0)
    if s == 1.0:
        return model(x, t, cond)
    both = model(
        torch.cat([x, x]), torch.cat([t, t]), torch.cat([cond, torch.zeros_like(cond)])
    )
    eps_cond, eps_uncond = both.chunk(2)
    return eps_uncond + s * (eps_cond - eps_uncond)


@torch.no_grad()
def ddim_sample(
    model: nn.Module,
    cond: Tensor,
    schedule: NoiseSchedule,
    *,
    n_steps: int = 20,
    guidance_scale: float = 1.0,
    eta: float = 0.0,
    seed: int = 0,
    image_shape: tuple[int, int, int] = (3, 16, 16),
    keep_path: bool = False,
) -> Sample:
    """Draw one picture per row of ``cond`` in ``n_steps`` steps (Song et al., 2021, eq. 12).

    Parameters
    ----------
    model : nn.Module
        ``model(x_t, t, cond)`` predicts the noise (a :class:`~stepbytoken.nn.unet.UNet` or
        :class:`~stepbytoken.nn.dit.DiT`); its mode is left as it is.
    cond : Tensor
        ``(B, d_cond)`` text vectors; a row of zeros asks for no text.
    schedule : NoiseSchedule
        The schedule the model was trained with.
    n_steps : int, default 20
        Steps of the walk, from 1 to ``schedule.n_steps``.
    guidance_scale : float, default 1.0
        ``s`` of classifier-free guidance, in ``[0, 100]``.
    eta : float, default 0.0
        0 for DDIM (deterministic), 1 for DDPM's amount of fresh noise.
    seed : int, default 0
        Seed of the starting noise (and of the fresh noise when ``eta > 0``).
    image_shape : tuple of int, default (3, 16, 16)
        ``(C, H, W)`` of the pictures.
    keep_path : bool, default False
        Also return every ``x_t`` and every guess of the clean picture.

    Returns
    -------
    Sample

    Examples
    --------
    >>> from stepbytoken.nn.unet import UNet, UNetConfig
    >>> from stepbytoken.training.diffusion import linear_schedule
    >>> model = UNet(UNetConfig(channels=(8, 16), d_cond=2)).eval()
    >>> out = ddim_sample(model, torch.zeros(2, 2), linear_schedule(), n_steps=4,
    ...                   keep_path=True)
    >>> out.images.shape, out.steps, tuple(out.path.shape)
    (torch.Size([2, 3, 16, 16]), (999, 666, 333, 0), (5, 2, 3, 16, 16))

    Introduced in chapter 21.
    """
    check_instance("model", model, nn.Module)
    check_tensor("cond", cond, dims=2, integer=False)
    check_instance("schedule", schedule, NoiseSchedule)
    check_float("guidance_scale", guidance_scale, minimum=0.0, maximum=100.0)
    eta = check_float("eta", eta, minimum=0.0, maximum=1.0)
    seed = check_int("seed", seed, minimum=0)
    keep_path = check_bool("keep_path", keep_path)
    if not isinstance(image_shape, tuple) or len(image_shape) != 3:
        raise TypeError(f"image_shape must be a tuple (C, H, W), got {image_shape!r}")
    for i, n in enumerate(image_shape):
        check_int(f"image_shape[{i}]", n, minimum=1)
    if len(cond) == 0:
        raise ValueError("cond must hold at least one row")
    steps = sampling_steps(n_steps, schedule.n_steps)
    # the noise comes from a CPU generator whatever the model's device: the same pictures
    device = model_device(model)
    cond = cond.to(device)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn((len(cond), *image_shape), generator=generator).to(device)
    abars = schedule.alpha_bars.float()
    path, predictions = [x], []
    for i, t in enumerate(steps):
        abar = abars[t]
        abar_prev = abars[steps[i + 1]] if i + 1 < len(steps) else torch.tensor(1.0)
        t_batch = torch.full((len(x),), t, device=device)
        eps = guided_noise(model, x, t_batch, cond, guidance_scale)
        x0 = ((x - (1 - abar).sqrt() * eps) / abar.sqrt()).clamp(-1, 1)
        eps = (x - abar.sqrt() * x0) / (1 - abar).sqrt()  # the noise that x0 implies
        # eq. 16: sigma = eta sqrt((1 - abar') / (1 - abar)) sqrt(1 - abar / abar')
        sigma = eta * ((1 - abar_prev) / (1 - abar) * (1 - abar / abar_prev)).sqrt()
        x = abar_prev.sqrt() * x0 + (1 - abar_prev - sigma**2).clamp(min=0).sqrt() * eps
        if eta and i + 1 < len(steps):
            x = x + sigma * torch.randn(x.shape, generator=generator).to(device)
        path.append(x)
        predictions.append(x0)
    return Sample(
        images=((x + 1) / 2).clamp(0, 1).cpu(),
        steps=steps,
        path=torch.stack(path).cpu() if keep_path else None,
        predictions=torch.stack(predictions).cpu() if keep_path else None,
    )
