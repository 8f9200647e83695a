"""The Vision Transformer: an image cut into patches, read as a sequence of tokens.

Read top to bottom: :func:`patchify` cuts ``(B, 3, H, W)`` images into ``N = (H / p)^2``
flattened ``p x p`` patches and :func:`unpatchify` puts them back; :class:`EncoderBlock` is the
GPT's pre-norm block without the causal mask (every token sees every other, as in BERT), with
an optional padding mask; :class:`ViTConfig` holds the sizes, and :class:`ViT` is the model of
Dosovitskiy et al. (2021, §3.1, eq. 1-4): a linear patch embedding, a learned class token put
in front of the patches, learned position embeddings, ``n_layer`` blocks, a final LayerNorm
and a linear head on the class token.

:class:`~stepbytoken.nn.attention.MultiHeadAttention` and :class:`~stepbytoken.nn.gpt.Block`
are always causal, so this module builds its block from the same parts:
:func:`~stepbytoken.nn.attention.scaled_dot_product_attention` and
:class:`~stepbytoken.nn.gpt.MLP`.

Shapes: ``B`` images, ``N`` patches, ``T = N + 1`` tokens with the class token, ``C`` the
width ``d_model``.

Introduced in chapter 15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from stepbytoken.checks import (
    check_bool,
    check_features,
    check_float,
    check_int,
    check_tensor,
)
from stepbytoken.nn.attention import scaled_dot_product_attention
from stepbytoken.nn.gpt import MLP

__all__ = ["EncoderBlock", "ViT", "ViTConfig", "patchify", "unpatchify"]


def _check_images(images: object, channels: int | None = None) -> Tensor:
    """Raise unless ``images`` is a floating ``(B, C, H, W)`` tensor with ``B, H, W >= 1``."""
    check_tensor("images", images, dims=4, integer=False)
    assert isinstance(images, Tensor)
    B, C, H, W = images.shape
    if min(B, C, H, W) == 0:
        raise ValueError(f"images must not be empty, got shape {tuple(images.shape)}")
    if channels is not None and C != channels:
        raise ValueError(
            f"images must have {channels} channels, got shape {(B, C, H, W)}"
        )
    return images


def patchify(images: Tensor, patch: int) -> Tensor:
    """Cut images into square patches, row by row: ``(B, C, H, W) -> (B, N, C * p * p)``.

    Patch ``n`` is the one at row ``n // (W / p)`` and column ``n % (W / p)`` of the grid;
    each is flattened channel first, then row, then column (the order of a convolution's
    weights, so a linear layer on patches equals a convolution with stride ``p``).

    Parameters
    ----------
    images : Tensor
        Floating ``(B, C, H, W)``; ``patch`` must divide ``H`` and ``W``.
    patch : int
        Side ``p`` of a patch in pixels.

    Returns
    -------
    Tensor
        ``(B, (H / p) * (W / p), C * p * p)``.

    Raises
    ------
    TypeError, ValueError
        For a tensor that is not 4-D and floating, or a patch size that does not divide it.

    Examples
    --------
    >>> images = torch.arange(16.0).view(1, 1, 4, 4)
    >>> patchify(images, 2)
    tensor([[[ 0.,  1.,  4.,  5.],
             [ 2.,  3.,  6.,  7.],
             [ 8.,  9., 12., 13.],
             [10., 11., 14., 15.]]])

    Introduced in chapter 15.
    """
    _check_images(images)
    patch = check_int("patch", patch, minimum=1)
    B, C, H, W = images.shape
    if H % patch or W % patch:
        raise ValueError(
            f"patch must divide the image's height and width, got patch={patch} "
            f"for images of {H} x {W}"
        )
    rows, cols = H // patch, W // patch
    x = images.reshape(B, C, rows, patch, cols, patch)
    x = x.permute(0, 2, 4, 1, 3, 5)  # (B, rows, cols, C, p, p)
    return x.reshape(B, rows * cols, C * patch * patch)


def unpatchify(patches: Tensor, patch: int, channels: int = 3) -> Tensor:
    """Put patches back into square images: ``(B, N, C * p * p) -> (B, C, H, W)``.

    The inverse of :func:`patchify` for square images (``N`` a square number).

    Examples
    --------
    >>> images = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(unpatchify(patchify(images, 4), 4), images)
    True

    Introduced in chapter 15.
    """
    check_tensor("patches", patches, dims=3, integer=False)
    patch = check_int("patch", patch, minimum=1)
    channels = check_int("channels", channels, minimum=1)
    B, N, D = patches.shape
    side = math.isqrt(N)
    if B == 0 or N == 0 or side * side != N:
        raise ValueError(
            f"patches must hold B >= 1 images of N patches, N a square number, "
            f"got shape {tuple(patches.shape)}"
        )
    if D != channels * patch * patch:
        raise ValueError(
            f"patches must have channels * patch * patch = {channels * patch * patch} "
            f"numbers each, got {D}"
        )
    x = patches.reshape(B, side, side, channels, patch, patch)
    x = x.permute(0, 3, 1, 4, 2, 5)  # (B, C, rows, p, cols, p)
    return x.reshape(B, channels, side * patch, side * patch)


class EncoderBlock(nn.Module):
    """A pre-norm transformer block whose tokens all see each other (no causal mask).

    ``x + attn(norm_1(x))``, then ``x + mlp(norm_2(x))``, as :class:`~stepbytoken.nn.gpt.Block`
    but bidirectional. ``c_attn`` and ``c_proj`` are laid out as in
    :class:`~stepbytoken.nn.attention.MultiHeadAttention`.

    Introduced in chapter 15.

    Parameters
    ----------
    d_model, n_head : int
        Width, and number of heads (must divide ``d_model``).
    dropout : float, default 0.0
        Dropout on the attention weights and both sub-layers' outputs, in ``[0, 1)``.

    Examples
    --------
    >>> block = EncoderBlock(d_model=8, n_head=2)
    >>> x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(0))  # (B, T, C)
    >>> y, weights = block(x, return_weights=True)
    >>> y.shape, weights.shape  # weights: (B, n_head, T, T)
    (torch.Size([3, 5, 8]), torch.Size([3, 2, 5, 5]))
    >>> bool(weights[0, 0, 0, -1] > 0)  # the first token sees the last one
    True
    """

    def __init__(self, d_model: int, n_head: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.d_model = check_int("d_model", d_model, minimum=1)
        self.n_head = check_int("n_head", n_head, minimum=1)
        if d_model % n_head:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={d_model} "
                f"and n_head={n_head}"
            )
        dropout = check_float(
            "dropout", dropout, minimum=0, maximum=1, open_maximum=True
        )
        self.d_head = d_model // n_head
        self.norm_1 = nn.LayerNorm(d_model)
        self.c_attn = nn.Linear(d_model, 3 * d_model)  # q, k, v in one matmul
        self.c_proj = nn.Linear(d_model, d_model)  # mixes the heads back together
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        self.norm_2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model, 4 * d_model, dropout=dropout)

    def forward(
        self, x: Tensor, mask: Tensor | None = None, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """The block on ``x`` ``(B, T, d_model)``; ``(x, weights)`` with the weights.

        ``mask`` is an optional boolean ``(B, T)`` tensor, ``True`` for the tokens that may
        be attended to (``False`` for padding); the weights are ``(B, n_head, T, T)``.
        """
        check_features("x", x, self.d_model, dims=3)
        return_weights = check_bool("return_weights", return_weights)
        B, T, C = x.shape
        if B == 0 or T == 0:
            raise ValueError(f"x must hold at least one token, got shape {(B, T, C)}")
        key_mask = None
        if mask is not None:
            check_tensor("mask", mask, dims=2)
            if mask.dtype != torch.bool or tuple(mask.shape) != (B, T):
                raise ValueError(
                    f"mask must be a bool tensor of shape (B, T) = {(B, T)}, got "
                    f"{mask.dtype} of shape {tuple(mask.shape)}"
                )
            if not bool(mask.any(dim=1).all()):
                raise ValueError("mask must keep at least one token of every sequence")
            key_mask = mask[:, None, None, :]  # (B, T) -> (B, 1, 1, T): per key
        # (B, T, 3C) -> 3 x (B, T, C) -> 3 x (B, n_head, T, d_head)
        q, k, v = (
            t.view(B, T, self.n_head, self.d_head).transpose(1, 2)
            for t in self.c_attn(self.norm_1(x)).split(self.d_model, dim=2)
        )
        y, weights = scaled_dot_product_attention(q, k, v, mask=key_mask)
        if self.training and self.attn_dropout.p > 0.0:
            y = self.attn_dropout(weights) @ v
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again
        x = x + self.resid_dropout(self.c_proj(y))
        x = x + self.mlp(self.norm_2(x))
        if return_weights:
            return x, weights
        return x


@dataclass
class ViTConfig:
    """Sizes of a :class:`ViT`.

    Introduced in chapter 15.

    Parameters
    ----------
    image_size : int, default 16
        Side of the (square) images in pixels.
    patch : int, default 4
        Side of a patch; must divide ``image_size``.
    n_layer, n_head, d_model : int, default 2, 2, 32
        Blocks, heads per block (must divide ``d_model``) and width.
    n_classes : int or None, default 6
        Outputs of the head; ``None`` for no head (the model then returns the class token's
        features, as an image encoder).
    channels : int, default 3
        Colour channels of the images.
    dropout : float, default 0.0
        Dropout probability in ``[0, 1)``, applied only in training mode.

    Examples
    --------
    >>> config = ViTConfig(image_size=16, patch=4)
    >>> config.n_patches, config.patch_dim
    (16, 48)
    """

    image_size: int = 16
    patch: int = 4
    n_layer: int = 2
    n_head: int = 2
    d_model: int = 32
    n_classes: int | None = 6
    channels: int = 3
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("image_size", "patch", "n_layer", "n_head", "d_model", "channels"):
            check_int(name, getattr(self, name), minimum=1)
        if self.n_classes is not None:
            check_int("n_classes", self.n_classes, minimum=1)
        if self.image_size % self.patch:
            raise ValueError(
                f"patch must divide image_size, got patch={self.patch} and "
                f"image_size={self.image_size}"
            )
        if self.d_model % self.n_head:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={self.d_model} "
                f"and n_head={self.n_head}"
            )
        check_float("dropout", self.dropout, minimum=0, maximum=1, open_maximum=True)

    @property
    def n_patches(self) -> int:
        """Patches per image, ``(image_size / patch) ** 2``."""
        return (self.image_size // self.patch) ** 2

    @property
    def patch_dim(self) -> int:
        """Numbers in one flattened patch, ``channels * patch * patch``."""
        return self.channels * self.patch * self.patch


class ViT(nn.Module):
    """A Vision Transformer: images ``(B, C, H, W)`` in, class logits ``(B, n_classes)`` out.

    ``z_0 = [x_class; x_1 E; ...; x_N E] + E_pos`` (patches ``x_n`` from :func:`patchify`,
    ``E`` the linear patch embedding ``patch_embed``), then ``n_layer``
    :class:`EncoderBlock`\\ s, LayerNorm, and ``head`` on the class token (Dosovitskiy et al.,
    2021, §3.1, eq. 1-4). Weights are drawn from a generator seeded with ``seed``; the
    global random state is left as it was. The class token and the positions start normal
    with std 0.02, the layers as PyTorch initialises them.

    Introduced in chapter 15.

    Parameters
    ----------
    config : ViTConfig
        Sizes.
    seed : int, default 0
        Seed of the initialisation.

    Examples
    --------
    >>> model = ViT(ViTConfig(image_size=16, patch=4, n_classes=6), seed=0)
    >>> images = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    >>> logits, maps = model(images, return_attention=True)
    >>> logits.shape, len(maps), maps[0].shape  # (B, n_head, 1 + N, 1 + N)
    (torch.Size([2, 6]), 2, torch.Size([2, 2, 17, 17]))
    """

    def __init__(self, config: ViTConfig, seed: int = 0) -> None:
        super().__init__()
        if not isinstance(config, ViTConfig):
            raise TypeError(f"config must be a ViTConfig, got {type(config).__name__}")
        seed = check_int("seed", seed, minimum=0)
        self.config = config
        C = config.d_model
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.patch_embed = nn.Linear(config.patch_dim, C)  # E
            self.cls_token = nn.Parameter(torch.randn(1, 1, C) * 0.02)  # x_class
            self.pos_embed = nn.Parameter(
                torch.randn(1, config.n_patches + 1, C) * 0.02
            )  # E_pos
            self.drop = nn.Dropout(config.dropout)
            self.blocks = nn.ModuleList(
                EncoderBlock(C, config.n_head, config.dropout)
                for _ in range(config.n_layer)
            )
            self.norm_f = nn.LayerNorm(C)
            self.head = (
                nn.Linear(C, config.n_classes)
                if config.n_classes is not None
                else nn.Identity()
            )

    def tokens(self, images: Tensor) -> Tensor:
        """The input of the first block: class token and embedded patches, ``(B, 1 + N, C)``.

        Introduced in chapter 15.
        """
        size, channels = self.config.image_size, self.config.channels
        _check_images(images, channels)
        if tuple(images.shape[2:]) != (size, size):
            raise ValueError(
                f"images must be {size} x {size} pixels, got shape {tuple(images.shape)}"
            )
        x = self.patch_embed(patchify(images, self.config.patch))  # (B, N, C)
        cls = self.cls_token.expand(len(x), -1, -1)  # (B, 1, C)
        x = torch.cat([cls, x], dim=1) + self.pos_embed  # (B, 1 + N, C)
        return self.drop(x)

    def features(
        self, images: Tensor, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """The class token's output after the final norm, ``(B, d_model)`` (no head).

        With ``return_attention`` also every block's attention weights, a list of
        ``n_layer`` tensors ``(B, n_head, 1 + N, 1 + N)``; row 0 is the class token's.

        Introduced in chapter 15.
        """
        return_attention = check_bool("return_attention", return_attention)
        x = self.tokens(images)
        maps = []
        for block in self.blocks:
            if return_attention:
                x, weights = block(x, return_weights=True)
                maps.append(weights)
            else:
                x = block(x)
        features = self.norm_f(x[:, 0])  # the class token, (B, C)
        return (features, maps) if return_attention else features

    def forward(
        self, images: Tensor, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """Logits ``(B, n_classes)`` (features if there is no head); with the attention.

        Raises ``TypeError``/``ValueError`` for images that are not a floating
        ``(B, channels, image_size, image_size)`` tensor.
        """
        return_attention = check_bool("return_attention", return_attention)
        if return_attention:
            features, maps = self.features(images, return_attention=True)
            return self.head(features), maps
        return self.head(self.features(images))
