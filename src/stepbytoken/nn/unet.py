"""A small U-Net that predicts the noise in an image, told the time step and a text vector.

Read top to bottom: :func:`timestep_embedding` (the step ``t`` as sines and cosines, as the
positions of Vaswani et al. 2017), :class:`ResBlock` (two 3 x 3 convolutions with a skip
connection; the time-and-text vector shifts and scales the features between them),
:class:`UNetConfig` (the sizes) and :class:`UNet`: a stack of blocks that halves the picture
at each level, then one that doubles it back, each upward level also reading the features
of its downward twin (the "U"; Ronneberger et al. 2015). Ho et al. (2020, §4 and
appendix B) denoise with a U-Net of this kind, much larger and with self-attention at 16 x 16;
this one has no attention, so every pixel sees only a neighbourhood that grows with depth.

Shapes: ``B`` images of ``C`` channels, ``H x W`` pixels; ``t`` ``(B,)`` steps; ``cond``
``(B, d_cond)`` vectors (all zeros for "no text").

Introduced in chapter 21.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import check_features, check_instance, check_int, check_tensor

__all__ = ["ResBlock", "UNet", "UNetConfig", "timestep_embedding"]


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10_000.0) -> Tensor:
    """Steps ``t`` ``(B,)`` as ``(B, dim)`` sines and cosines of geometric frequencies.

    Examples
    --------
    >>> e = timestep_embedding(torch.tensor([0, 500]), 8)
    >>> e.shape, e[0].tolist()[:4], e[0].tolist()[4:]  # t = 0: cos 1, sin 0
    (torch.Size([2, 8]), [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0])

    Introduced in chapter 21.
    """
    check_tensor("t", t, dims=1)
    dim = check_int("dim", dim, minimum=2)
    if dim % 2:
        raise ValueError(f"dim must be even, got {dim}")
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, device=t.device) / half
    )  # (half,)
    angles = t.float()[:, None] * freqs[None, :]  # (B, half)
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


class ResBlock(nn.Module):
    """Two 3 x 3 convolutions with a skip; ``emb`` scales and shifts the features between.

    ``h = conv1(silu(norm1(x)))``, then ``h = h * (1 + scale) + shift`` with ``(scale,
    shift)`` a linear map of ``emb``, then ``conv2(silu(norm2(h)))`` added to ``x`` (through
    a 1 x 1 convolution when the channel count changes).

    Examples
    --------
    >>> block = ResBlock(4, 8, d_emb=6)
    >>> block(torch.zeros(2, 4, 8, 8), torch.zeros(2, 6)).shape
    torch.Size([2, 8, 8, 8])

    Introduced in chapter 21.
    """

    def __init__(self, c_in: int, c_out: int, d_emb: int) -> None:
        super().__init__()
        c_in, c_out = (
            check_int("c_in", c_in, minimum=1),
            check_int("c_out", c_out, minimum=1),
        )
        check_int("d_emb", d_emb, minimum=1)
        self.norm1 = nn.GroupNorm(math.gcd(8, c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(d_emb, 2 * c_out)
        self.norm2 = nn.GroupNorm(math.gcd(8, c_out), c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        """``(B, c_in, H, W)`` and ``(B, d_emb)`` -> ``(B, c_out, H, W)``."""
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = h * (1 + scale) + shift
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


@dataclass
class UNetConfig:
    """Sizes of a :class:`UNet`.

    Parameters
    ----------
    image_size : int, default 16
        Side of the pictures; divisible by ``2 ** (len(channels) - 1)``.
    in_channels : int, default 3
        Colour channels.
    channels : tuple of int, default (32, 64)
        Feature channels at each level, finest first.
    d_cond : int, default 48
        Size of the text vector (0 for an unconditional model).
    d_emb : int, default 64
        Size of the time-and-text vector each block reads.

    Examples
    --------
    >>> UNetConfig(channels=(16, 32)).channels
    (16, 32)

    Introduced in chapter 21.
    """

    image_size: int = 16
    in_channels: int = 3
    channels: tuple[int, ...] = (32, 64)
    d_cond: int = 48
    d_emb: int = 64

    def __post_init__(self) -> None:
        check_int("image_size", self.image_size, minimum=4)
        check_int("in_channels", self.in_channels, minimum=1)
        check_int("d_cond", self.d_cond, minimum=0)
        check_int("d_emb", self.d_emb, minimum=2)
        if self.d_emb % 2:
            raise ValueError(f"d_emb must be even, got {self.d_emb}")
        if not isinstance(self.channels, (tuple, list)) or not self.channels:
            raise TypeError(
                f"channels must be a non-empty tuple, got {self.channels!r}"
            )
        self.channels = tuple(
            check_int(f"channels[{i}]", c, minimum=1)
            for i, c in enumerate(self.channels)
        )
        if self.image_size % 2 ** (len(self.channels) - 1):
            raise ValueError(
                f"image_size must be divisible by 2 ** {len(self.channels) - 1}, "
                f"got {self.image_size}"
            )


class UNet(nn.Module):
    """Noise prediction ``eps(x_t, t, cond)``: ``(B, C, H, W)`` in, the same shape out.

    Introduced in chapter 21.

    Parameters
    ----------
    config : UNetConfig
        Sizes.
    seed : int, default 0
        Seed of the initialisation (the global random state is left as it was).

    Examples
    --------
    >>> model = UNet(UNetConfig(channels=(8, 16), d_cond=4), seed=0)
    >>> x = torch.zeros(2, 3, 16, 16)
    >>> model(x, torch.tensor([10, 900]), torch.zeros(2, 4)).shape
    torch.Size([2, 3, 16, 16])
    """

    def __init__(self, config: UNetConfig, seed: int = 0) -> None:
        super().__init__()
        check_instance("config", config, UNetConfig)
        seed = check_int("seed", seed, minimum=0)
        self.config = config
        chans, E = config.channels, config.d_emb
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.time_mlp = nn.Sequential(nn.Linear(E, E), nn.SiLU(), nn.Linear(E, E))
            self.cond_proj = nn.Linear(config.d_cond, E) if config.d_cond else None
            self.stem = nn.Conv2d(config.in_channels, chans[0], 3, padding=1)
            self.down = nn.ModuleList(
                ResBlock(chans[max(i - 1, 0)], c, E) for i, c in enumerate(chans)
            )
            self.middle = ResBlock(chans[-1], chans[-1], E)
            self.up = nn.ModuleList(
                ResBlock(2 * c if i == len(chans) - 1 else c + chans[i + 1], c, E)
                for i, c in reversed(list(enumerate(chans)))
            )
            self.norm_out = nn.GroupNorm(math.gcd(8, chans[0]), chans[0])
            self.out = nn.Conv2d(chans[0], config.in_channels, 3, padding=1)
            nn.init.zeros_(self.out.weight)  # starts by predicting zero noise
            nn.init.zeros_(self.out.bias)

    def embed(self, t: Tensor, cond: Tensor | None) -> Tensor:
        """The time-and-text vector ``(B, d_emb)`` every block reads."""
        emb = self.time_mlp(timestep_embedding(t, self.config.d_emb))
        if self.cond_proj is not None:
            if cond is None:
                raise ValueError(
                    f"this model needs cond of shape (B, {self.config.d_cond})"
                )
            check_features("cond", cond, self.config.d_cond, dims=2)
            emb = emb + self.cond_proj(cond)
        return emb

    def forward(self, x: Tensor, t: Tensor, cond: Tensor | None = None) -> Tensor:
        """The predicted noise, ``(B, C, H, W)``, of ``x`` ``(B, C, H, W)`` at steps ``t``."""
        _check_inputs(x, t, self.config.in_channels, self.config.image_size)
        emb = self.embed(t, cond)
        h = self.stem(x)
        skips = []
        for i, block in enumerate(self.down):
            if i:
                h = F.avg_pool2d(h, 2)  # (B, c, H, W) -> (B, c, H/2, W/2)
            h = block(h, emb)
            skips.append(h)
        h = self.middle(h, emb)
        for i, block in enumerate(self.up):
            if i:
                h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
        return self.out(F.silu(self.norm_out(h)))


def _check_inputs(x: Tensor, t: Tensor, channels: int, size: int) -> None:
    """Raise unless ``x`` is ``(B, channels, size, size)`` floating and ``t`` ``(B,)``."""
    check_tensor("x", x, dims=4, integer=False)
    check_tensor("t", t, dims=1)
    if tuple(x.shape[1:]) != (channels, size, size) or len(x) == 0:
        raise ValueError(
            f"x must have shape (B, {channels}, {size}, {size}) with B >= 1, "
            f"got {tuple(x.shape)}"
        )
    if len(t) != len(x):
        raise ValueError(f"t must have one step per image ({len(x)}), got {len(t)}")
