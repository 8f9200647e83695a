"""Positions: how attention learns where each token sits.

Attention by itself ignores order. Two fixed ways of adding it back: :func:`sinusoidal_positions`
(a fingerprint per position, added to the token embeddings once) and :class:`RotaryEmbedding`
(queries and keys rotated by an angle that grows with the position). The third, a learned
table, is a plain ``nn.Embedding`` inside :class:`~stepbytoken.nn.gpt.GPT`.

Introduced in chapter 4.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from stepbytoken.checks import check_float, check_int, check_tensor

__all__ = ["POSITIONS", "sinusoidal_positions", "RotaryEmbedding"]

#: The position schemes a :class:`~stepbytoken.nn.gpt.GPTConfig` can ask for.
POSITIONS = ("learned", "sinusoidal", "rope")


def sinusoidal_positions(T: int, d_model: int) -> Tensor:
    """Return the fixed sinusoidal position encodings of Vaswani et al. (2017).

    Position ``pos`` gets ``sin(pos * w_i)`` in its even entries and ``cos(pos * w_i)`` in its
    odd ones, with frequencies ``w_i = 10000^(-2i / d_model)``. An odd width drops the last
    cosine.

    Introduced in chapter 4.

    Parameters
    ----------
    T : int
        Number of positions (0 to ``T - 1``), at least 1.
    d_model : int
        Width of each encoding vector, at least 1.

    Returns
    -------
    Tensor
        Float tensor of shape ``(T, d_model)`` with values in ``[-1, 1]``.

    Raises
    ------
    TypeError, ValueError
        If ``T`` or ``d_model`` is not an int >= 1.

    Examples
    --------
    >>> sinusoidal_positions(3, 4)
    tensor([[ 0.0000,  1.0000,  0.0000,  1.0000],
            [ 0.8415,  0.5403,  0.0100,  0.9999],
            [ 0.9093, -0.4161,  0.0200,  0.9998]])
    """
    check_int("T", T, minimum=1)
    check_int("d_model", d_model, minimum=1)
    n_freq = (d_model + 1) // 2
    i = torch.arange(n_freq, dtype=torch.float64)
    freqs = 10000.0 ** (-2.0 * i / d_model)  # (n_freq,) from 1 down to about 1/10000
    pos = torch.arange(T, dtype=torch.float64)
    angles = pos[:, None] * freqs[None, :]  # (T, n_freq)
    pe = torch.empty(T, 2 * n_freq, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)
    return pe[:, :d_model].to(torch.float32)  # (T, d_model)


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (RoPE, Su et al. 2021) for queries and keys.

    Feature ``i`` and feature ``i + d_head / 2`` form a plane that is rotated by the angle
    ``pos * base^(-2i / d_head)``. Rotating ``q`` by angle ``a`` and ``k`` by ``b`` changes
    their dot product only through ``a - b``, so attention scores depend on how far apart two
    tokens are. The cosines and sines are non-persistent buffers: they follow ``.to(device)``
    but are not in the ``state_dict``.

    Introduced in chapter 4.

    Parameters
    ----------
    d_head : int
        Width of one attention head; even and >= 2.
    block_size : int
        Largest number of positions that will be rotated.
    base : float, default 10000.0
        Sets the slowest rotation speed; must be > 1.

    Raises
    ------
    TypeError, ValueError
        If ``d_head`` is odd or not a positive int, ``block_size`` is not a positive int, or
        ``base`` is not a number > 1.

    Examples
    --------
    >>> rope = RotaryEmbedding(d_head=4, block_size=8)
    >>> x = torch.ones(1, 2, 3, 4)          # (B, n_head, T, d_head)
    >>> rope(x)[0, 0, 0]                   # position 0 is not rotated
    tensor([1., 1., 1., 1.])
    """

    cos: Tensor
    sin: Tensor

    def __init__(self, d_head: int, block_size: int, base: float = 10000.0) -> None:
        super().__init__()
        check_int("d_head", d_head, minimum=1)
        check_int("block_size", block_size, minimum=1)
        if d_head % 2 != 0:
            raise ValueError(f"d_head must be even for rotary embeddings, got {d_head}")
        self.d_head = d_head
        self.block_size = block_size
        self.base = check_float("base", base, minimum=1, open_minimum=True)
        i = torch.arange(d_head // 2, dtype=torch.float64)
        inv_freq = self.base ** (-2.0 * i / d_head)  # (d_head/2,) radians per position
        pos = torch.arange(block_size, dtype=torch.float64)
        angles = pos[:, None] * inv_freq[None, :]  # (block_size, d_head/2)
        self.register_buffer(
            "cos", torch.cos(angles).to(torch.float32), persistent=False
        )
        self.register_buffer(
            "sin", torch.sin(angles).to(torch.float32), persistent=False
        )

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """Rotate ``x`` ``(..., T, d_head)``; row ``t`` sits at position ``offset + t``.

        Raises ``TypeError``/``ValueError`` unless ``x`` is a floating tensor of that shape
        (integers cannot hold rotated values) and the positions fit in ``block_size``.
        """
        check_tensor("x", x, integer=False)
        if x.ndim < 2 or x.shape[-1] != self.d_head:
            raise ValueError(
                f"expected x of shape (..., T, d_head={self.d_head}), got {tuple(x.shape)}"
            )
        check_int("offset", offset, minimum=0)
        T = x.shape[-2]
        if offset + T > self.block_size:
            raise ValueError(
                f"positions {offset}..{offset + T - 1} pass block_size={self.block_size}; "
                f"at most {self.block_size} positions are allowed"
            )
        cos = self.cos[offset : offset + T].to(x.dtype)  # (T, d_head/2)
        sin = self.sin[offset : offset + T].to(x.dtype)
        x1, x2 = x.chunk(2, dim=-1)  # two halves, each (..., T, d_head/2)
        # rotate each plane (x1[i], x2[i]) by its angle
        return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)

    def extra_repr(self) -> str:
        return f"d_head={self.d_head}, block_size={self.block_size}, base={self.base}"
