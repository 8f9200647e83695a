"""A diffusion transformer (DiT): the noisy picture's patches are the tokens.

Peebles & Xie (2023) replace the U-Net of a diffusion model with a plain transformer: cut the
picture into ``p x p`` patches, embed each linearly with a learned position (§3.2,
"patchify"), run transformer blocks over the patches, and map each output token back to a
patch of predicted noise. The time step and the text enter every block by **adaLN-Zero**
(§3.2): a linear map of the time-and-text vector gives each block a shift, a scale and a
gate for its attention and its MLP, and is started at zero, so that every block starts as
the identity. Their models also predict a variance; this one predicts the noise only.

Read top to bottom: :class:`DiTConfig`, :class:`DiTBlock`, :class:`DiT`. Patches are cut
by :func:`~stepbytoken.nn.vit.patchify` (chapter 15's ViT) and put back by
:func:`~stepbytoken.nn.vit.unpatchify`.

Introduced in chapter 21.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import check_features, check_instance, check_int, check_tensor
from stepbytoken.nn.gpt import MLP
from stepbytoken.nn.unet import timestep_embedding
from stepbytoken.nn.vit import patchify, unpatchify

__all__ = ["DiT", "DiTBlock", "DiTConfig"]


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


def _modulate(x: Tensor, shift: Tensor, scale: Tensor) -> Tensor:
    """``x * (1 + scale) + shift`` with ``(B, C)`` shift and scale over ``(B, T, C)``."""
    return x * (1 + scale[:, None]) + shift[:, None]


class DiTBlock(nn.Module):
    """A transformer block conditioned by adaLN-Zero (Peebles & Xie, 2023, §3.2, fig. 3).

    The LayerNorms have no weights of their own; ``c`` ``(B, d_model)`` gives six vectors:
    shift, scale and gate of the attention, and the same for the MLP. Attention is
    bidirectional, laid out as in chapter 15's :class:`~stepbytoken.nn.vit.EncoderBlock`.

    Examples
    --------
    >>> block = DiTBlock(d_model=8, n_head=2)
    >>> x = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(block(x, torch.randn(2, 8)), x)  # adaLN-Zero: starts as the identity
    True

    Introduced in chapter 21.
    """

    def __init__(self, d_model: int, n_head: int) -> None:
        super().__init__()
        self.d_model = check_int("d_model", d_model, minimum=1)
        self.n_head = check_int("n_head", n_head, minimum=1)
        if d_model % n_head:
            raise ValueError(
                f"d_model must be divisible by n_head, got {d_model} and {n_head}"
            )
        self.c_attn = nn.Linear(d_model, 3 * d_model)  # q, k, v in one matmul
        self.c_proj = nn.Linear(d_model, d_model)
        self.mlp = MLP(d_model, 4 * d_model)
        self.norm = nn.LayerNorm(d_model, elementwise_affine=False)
        self.ada = nn.Linear(d_model, 6 * d_model)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        """``(B, T, d_model)`` tokens and ``(B, d_model)`` conditioning -> ``(B, T, d_model)``."""
        check_features("x", x, self.d_model, dims=3)
        check_features("c", c, self.d_model, dims=2)
        B, T, C = x.shape
        s1, a1, g1, s2, a2, g2 = self.ada(F.silu(c)).chunk(6, dim=1)  # 6 x (B, C)
        h = _modulate(self.norm(x), s1, a1)
        # (B, T, 3C) -> 3 x (B, n_head, T, d_head)
        q, k, v = (
            z.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            for z in self.c_attn(h).split(C, dim=2)
        )
        y = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(B, T, C)
        x = x + g1[:, None] * self.c_proj(y)
        return x + g2[:, None] * self.mlp(_modulate(self.norm(x), s2, a2))


@dataclass
class DiTConfig:
    """Sizes of a :class:`DiT`.

    Parameters
    ----------
    image_size, in_channels : int, default 16, 3
        The pictures.
    patch : int, default 2
        Side of a patch in pixels; must divide ``image_size``.
    n_layer, n_head, d_model : int, default 3, 4, 64
        Blocks, heads, width.
    d_cond : int, default 48
        Size of the text vector (0 for an unconditional model).

    Examples
    --------
    >>> DiTConfig().n_patches
    64

    Introduced in chapter 21.
    """

    image_size: int = 16
    in_channels: int = 3
    patch: int = 2
    n_layer: int = 3
    n_head: int = 4
    d_model: int = 64
    d_cond: int = 48

    def __post_init__(self) -> None:
        for name in ("image_size", "in_channels", "patch", "n_layer", "n_head"):
            check_int(name, getattr(self, name), minimum=1)
        check_int("d_model", self.d_model, minimum=2)
        check_int("d_cond", self.d_cond, minimum=0)
        if self.image_size % self.patch:
            raise ValueError(
                f"patch must divide image_size, got {self.patch} and {self.image_size}"
            )
        if self.d_model % self.n_head or self.d_model % 2:
            raise ValueError(
                f"d_model must be even and divisible by n_head, got {self.d_model} "
                f"and {self.n_head}"
            )

    @property
    def n_patches(self) -> int:
        """Number of patches, the tokens of the transformer."""
        return (self.image_size // self.patch) ** 2


class DiT(nn.Module):
    """Noise prediction ``eps(x_t, t, cond)`` by a transformer over patches.

    Introduced in chapter 21.

    Parameters
    ----------
    config : DiTConfig
        Sizes.
    seed : int, default 0
        Seed of the initialisation (the global random state is left as it was).

    Examples
    --------
    >>> model = DiT(DiTConfig(n_layer=1, d_model=16, n_head=2, d_cond=4), seed=0)
    >>> model(torch.zeros(2, 3, 16, 16), torch.tensor([1, 999]), torch.zeros(2, 4)).shape
    torch.Size([2, 3, 16, 16])
    """

    def __init__(self, config: DiTConfig, seed: int = 0) -> None:
        super().__init__()
        check_instance("config", config, DiTConfig)
        seed = check_int("seed", seed, minimum=0)
        self.config = config
        C, p = config.d_model, config.patch
        patch_dim = config.in_channels * p * p
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.patch_embed = nn.Linear(patch_dim, C)
            self.pos_embed = nn.Parameter(torch.randn(1, config.n_patches, C) * 0.02)
            self.time_mlp = nn.Sequential(nn.Linear(C, C), nn.SiLU(), nn.Linear(C, C))
            self.cond_proj = nn.Linear(config.d_cond, C) if config.d_cond else None
            self.blocks = nn.ModuleList(
                DiTBlock(C, config.n_head) for _ in range(config.n_layer)
            )
            self.norm_f = nn.LayerNorm(C, elementwise_affine=False)
            self.ada_f = nn.Linear(C, 2 * C)
            self.head = nn.Linear(C, patch_dim)
            # adaLN-Zero: the output starts at zero
            for layer in (self.ada_f, self.head):
                nn.init.zeros_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor, t: Tensor, cond: Tensor | None = None) -> Tensor:
        """The predicted noise, ``(B, C, H, W)``, of ``x`` ``(B, C, H, W)`` at steps ``t``."""
        config = self.config
        _check_inputs(x, t, config.in_channels, config.image_size)
        c = self.time_mlp(timestep_embedding(t, config.d_model))  # (B, d_model)
        if self.cond_proj is not None:
            if cond is None:
                raise ValueError(f"this model needs cond of shape (B, {config.d_cond})")
            check_features("cond", cond, config.d_cond, dims=2)
            c = c + self.cond_proj(cond)
        # (B, 3, H, W) -> (B, N, 3 p p) -> (B, N, d_model)
        h = self.patch_embed(patchify(x, config.patch)) + self.pos_embed
        for block in self.blocks:
            h = block(h, c)
        shift, scale = self.ada_f(F.silu(c)).chunk(2, dim=1)
        h = self.head(_modulate(self.norm_f(h), shift, scale))  # (B, N, 3 p p)
        return unpatchify(h, config.patch, config.in_channels)
