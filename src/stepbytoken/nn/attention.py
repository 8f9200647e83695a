"""Attention: how each token gathers information from the tokens before it.

This module is chapter 4 in code. It builds up, top to bottom:

1. :func:`causal_mask`, the lower-triangular pattern that stops a token from looking ahead;
2. :func:`scaled_dot_product_attention`, attention written out step by step
   (scores, mask, softmax, weighted sum) so that every intermediate can be inspected;
3. two ways of telling attention where a token sits: :func:`sinusoidal_positions`
   (added to the input once) and :class:`RotaryEmbedding` (rotating queries and keys);
4. :class:`MultiHeadAttention`, the causal self-attention layer used by the GPT model in
   :mod:`stepbytoken.nn.gpt`.

Shapes use the usual letters: ``B`` batch, ``T`` sequence length (time), ``C`` or
``d_model`` the width of the residual stream, ``n_head`` heads of width ``d_head``.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "causal_mask",
    "scaled_dot_product_attention",
    "sinusoidal_positions",
    "RotaryEmbedding",
    "MultiHeadAttention",
]


def _check_positive_int(name: str, value: object) -> None:
    """Raise unless ``value`` is an ``int`` (not a bool) greater than zero."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")


# ---------------------------------------------------------------------------------------------
# The causal mask
# ---------------------------------------------------------------------------------------------


def causal_mask(T: int, *, device: torch.device | str | None = None) -> Tensor:
    """Return the causal mask for a sequence of length ``T``.

    Entry ``[i, j]`` is ``True`` when the token at position ``i`` may attend to position
    ``j``, that is when ``j <= i``: a token sees itself and everything before it, never what
    comes after.

    Introduced in chapter 4.

    Parameters
    ----------
    T : int
        Sequence length, at least 1.
    device : torch.device or str, optional
        Where to create the mask (default: the CPU).

    Returns
    -------
    Tensor
        Boolean tensor of shape ``(T, T)``, lower-triangular including the diagonal.

    Raises
    ------
    TypeError
        If ``T`` is not an int.
    ValueError
        If ``T`` is not positive.

    Examples
    --------
    >>> causal_mask(3)
    tensor([[ True, False, False],
            [ True,  True, False],
            [ True,  True,  True]])
    """
    _check_positive_int("T", T)
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


# ---------------------------------------------------------------------------------------------
# Scaled dot-product attention, written out
# ---------------------------------------------------------------------------------------------


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    *,
    mask: Tensor | None = None,
    causal: bool = False,
    scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """Compute attention explicitly and return both the output and the attention weights.

    The computation, for queries ``q`` (``T_q`` rows), keys ``k`` and values ``v``
    (``T_k`` rows each)::

        scores  = q @ k^T * scale                # (..., T_q, T_k) how well each query matches
        scores  = scores with -inf where masked  # forbidden pairs get zero weight
        weights = softmax(scores, dim=-1)        # each row sums to 1
        output  = weights @ v                    # (..., T_q, d_v) weighted average of values

    It gives the same result as :func:`torch.nn.functional.scaled_dot_product_attention`
    (which is faster but does not return the weights).

    Introduced in chapter 4.

    Parameters
    ----------
    q : Tensor
        Queries, shape ``(..., T_q, d)``.
    k : Tensor
        Keys, shape ``(..., T_k, d)``.
    v : Tensor
        Values, shape ``(..., T_k, d_v)``.
    mask : Tensor, optional
        Either a boolean mask, ``True`` where attending is allowed (like :func:`causal_mask`),
        or a floating-point mask that is added to the scores. Its shape must broadcast to
        ``(..., T_q, T_k)``.
    causal : bool, default False
        If ``True``, also apply :func:`causal_mask` (needs ``T_q == T_k``).
    scale : float, optional
        Factor applied to the scores; defaults to ``1 / sqrt(d)``.

    Returns
    -------
    output : Tensor
        Shape ``(..., T_q, d_v)``.
    weights : Tensor
        Attention weights, shape ``(..., T_q, T_k)``; each row sums to 1. A row whose keys are
        all masked out has no valid softmax and comes back as NaN.

    Raises
    ------
    TypeError
        If an argument has the wrong type (non-tensor, integer dtype, non-number scale).
    ValueError
        If the shapes do not fit together, or ``causal`` is used with ``T_q != T_k``.

    Examples
    --------
    >>> q = k = v = torch.eye(2)
    >>> out, weights = scaled_dot_product_attention(q, k, v, causal=True)
    >>> weights
    tensor([[1.0000, 0.0000],
            [0.3302, 0.6698]])
    >>> out
    tensor([[1.0000, 0.0000],
            [0.3302, 0.6698]])
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must have a floating-point dtype, got {t.dtype}")
        if t.ndim < 2:
            raise ValueError(
                f"{name} must have shape (..., T, d) with at least 2 dims, got {t.ndim}"
            )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must have the same last dimension d, got {q.shape[-1]} and {k.shape[-1]}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of positions T_k, got {k.shape[-2]} "
            f"and {v.shape[-2]}"
        )
    try:
        torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except RuntimeError:
        raise ValueError(
            "the leading (batch, head) dimensions of q, k and v must be equal or broadcastable, "
            f"got {tuple(q.shape)}, {tuple(k.shape)} and {tuple(v.shape)}"
        ) from None
    if not isinstance(causal, bool):
        raise TypeError(f"causal must be a bool, got {type(causal).__name__}")
    T_q, T_k = q.shape[-2], k.shape[-2]
    if causal and T_q != T_k:
        raise ValueError(
            f"causal=True needs as many queries as keys, got T_q={T_q} and T_k={T_k}; "
            "pass an explicit mask instead"
        )
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    elif isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a real number or None, got {type(scale).__name__}")

    scores = (q @ k.transpose(-2, -1)) * scale  # (..., T_q, d) @ (..., d, T_k) -> (..., T_q, T_k)

    if mask is not None:
        if not isinstance(mask, Tensor):
            raise TypeError(f"mask must be a torch.Tensor or None, got {type(mask).__name__}")
        try:
            fits = torch.broadcast_shapes(mask.shape, scores.shape) == scores.shape
        except RuntimeError:
            fits = False
        if not fits:
            raise ValueError(
                f"mask of shape {tuple(mask.shape)} does not broadcast to the attention scores "
                f"of shape {tuple(scores.shape)} (..., T_q, T_k)"
            )
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        elif mask.is_floating_point():
            scores = scores + mask
        else:
            raise TypeError(f"mask must be a bool or floating-point tensor, got {mask.dtype}")
    if causal:
        allowed = causal_mask(T_q, device=scores.device)  # (T_q, T_k), broadcasts over (...)
        scores = scores.masked_fill(~allowed, float("-inf"))

    weights = torch.softmax(scores, dim=-1)  # (..., T_q, T_k), rows sum to 1
    output = weights @ v  # (..., T_q, T_k) @ (..., T_k, d_v) -> (..., T_q, d_v)
    return output, weights


# ---------------------------------------------------------------------------------------------
# Positions: sinusoids added to the input, or rotations of queries and keys
# ---------------------------------------------------------------------------------------------


def sinusoidal_positions(T: int, d_model: int) -> Tensor:
    """Return the fixed sinusoidal position encodings of Vaswani et al. (2017).

    Position ``pos`` gets a vector whose even entries are ``sin(pos * w_i)`` and odd entries
    ``cos(pos * w_i)``, with frequencies ``w_i = 10000^(-2i / d_model)`` running from one
    radian per token down to very slow waves. Nothing is learned; each position simply has a
    distinct, smoothly varying fingerprint that is added to the token embedding.

    Introduced in chapter 4.

    Parameters
    ----------
    T : int
        Number of positions (0 to ``T - 1``).
    d_model : int
        Width of each encoding vector. An odd width drops the last cosine.

    Returns
    -------
    Tensor
        Float tensor of shape ``(T, d_model)`` with values in ``[-1, 1]``.

    Raises
    ------
    TypeError
        If ``T`` or ``d_model`` is not an int.
    ValueError
        If ``T`` or ``d_model`` is not positive.

    Examples
    --------
    >>> sinusoidal_positions(3, 4)
    tensor([[ 0.0000,  1.0000,  0.0000,  1.0000],
            [ 0.8415,  0.5403,  0.0100,  0.9999],
            [ 0.9093, -0.4161,  0.0200,  0.9998]])
    """
    _check_positive_int("T", T)
    _check_positive_int("d_model", d_model)
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

    Instead of adding a position vector to the input, RoPE rotates each query and key by an
    angle proportional to its position. The ``d_head`` features are split into two halves
    that form ``d_head / 2`` planes; feature ``i`` and feature ``i + d_head / 2`` are rotated
    together by the angle ``pos * base^(-2i / d_head)``. Because rotating ``q`` by angle
    ``a`` and ``k`` by angle ``b`` changes their dot product only through ``a - b``, attention
    scores depend on how far apart two tokens are, not on where they sit.

    The cosines and sines for every position up to ``block_size`` are computed once and kept
    as non-persistent buffers: they move with ``.to(device)`` but are not saved in the
    ``state_dict`` and are not parameters.

    Introduced in chapter 4.

    Parameters
    ----------
    d_head : int
        Width of one attention head; must be even.
    block_size : int
        Largest number of positions that will be rotated.
    base : float, default 10000.0
        Sets the slowest rotation speed; larger means slower waves.

    Raises
    ------
    TypeError
        If ``d_head`` or ``block_size`` is not an int, or ``base`` is not a number.
    ValueError
        If ``d_head`` is odd or not positive, ``block_size`` is not positive, or
        ``base <= 1``.

    Examples
    --------
    >>> rope = RotaryEmbedding(d_head=4, block_size=8)
    >>> x = torch.ones(1, 2, 3, 4)          # (B, n_head, T, d_head)
    >>> rope(x).shape
    torch.Size([1, 2, 3, 4])
    >>> rope(x)[0, 0, 0]                   # position 0 is not rotated
    tensor([1., 1., 1., 1.])
    """

    cos: Tensor
    sin: Tensor

    def __init__(self, d_head: int, block_size: int, base: float = 10000.0) -> None:
        super().__init__()
        _check_positive_int("d_head", d_head)
        _check_positive_int("block_size", block_size)
        if d_head % 2 != 0:
            raise ValueError(f"d_head must be even for rotary embeddings, got {d_head}")
        if isinstance(base, bool) or not isinstance(base, numbers.Real):
            raise TypeError(f"base must be a real number, got {type(base).__name__}")
        if not base > 1.0:
            raise ValueError(f"base must be greater than 1, got {base}")
        self.d_head = d_head
        self.block_size = block_size
        self.base = float(base)
        i = torch.arange(d_head // 2, dtype=torch.float64)
        inv_freq = self.base ** (-2.0 * i / d_head)  # (d_head/2,) radians per position
        pos = torch.arange(block_size, dtype=torch.float64)
        angles = pos[:, None] * inv_freq[None, :]  # (block_size, d_head/2)
        self.register_buffer("cos", torch.cos(angles).to(torch.float32), persistent=False)
        self.register_buffer("sin", torch.sin(angles).to(torch.float32), persistent=False)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """Rotate ``x`` of shape ``(..., T, d_head)``; row ``t`` sits at position ``offset + t``.

        Parameters
        ----------
        x : Tensor
            Queries or keys, shape ``(..., T, d_head)``.
        offset : int, default 0
            Position of the first row (useful when continuing a sequence).

        Returns
        -------
        Tensor
            The rotated tensor, same shape and dtype as ``x``.

        Raises
        ------
        ValueError
            If the last dimension is not ``d_head`` or the positions pass ``block_size``.
        """
        if x.ndim < 2 or x.shape[-1] != self.d_head:
            raise ValueError(
                f"expected x of shape (..., T, d_head={self.d_head}), got {tuple(x.shape)}"
            )
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be a non-negative int, got {offset!r}")
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


# ---------------------------------------------------------------------------------------------
# Multi-head causal self-attention
# ---------------------------------------------------------------------------------------------


class MultiHeadAttention(nn.Module):
    """Causal multi-head self-attention, the layer that mixes information between tokens.

    Every token emits a query, a key and a value (one linear layer ``c_attn`` produces all
    three). The ``d_model`` features are split into ``n_head`` heads of width
    ``d_head = d_model / n_head``; each head attends on its own, and the heads' outputs are
    concatenated and mixed by the output projection ``c_proj``.

    Two paths compute the same thing. By default the layer calls
    :func:`torch.nn.functional.scaled_dot_product_attention` with ``is_causal=True``, which is
    fast and never stores the ``(T, T)`` weights. With ``return_weights=True`` it uses the
    explicit :func:`scaled_dot_product_attention` of this module and returns the weights too.

    The weights are laid out like :class:`torch.nn.MultiheadAttention`'s: ``c_attn.weight`` is
    its ``in_proj_weight`` (queries, then keys, then values) and ``c_proj`` its ``out_proj``.

    Introduced in chapter 4.

    Parameters
    ----------
    d_model : int
        Width of the input and output.
    n_head : int
        Number of heads; must divide ``d_model``.
    bias : bool, default True
        Whether ``c_attn`` and ``c_proj`` have biases.
    rope : RotaryEmbedding, optional
        If given, rotates queries and keys by position; its ``d_head`` must match.
    dropout : float, default 0.0
        Dropout on the attention weights and on the output (only in training mode).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``n_head`` does not divide ``d_model``, ``rope.d_head`` does not match, or
        ``dropout`` is outside ``[0, 1)``.

    Examples
    --------
    >>> attn = MultiHeadAttention(d_model=8, n_head=2)
    >>> x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(0))  # (B, T, C)
    >>> attn(x).shape
    torch.Size([3, 5, 8])
    >>> y, weights = attn(x, return_weights=True)
    >>> weights.shape                                # (B, n_head, T, T)
    torch.Size([3, 2, 5, 5])
    """

    def __init__(
        self,
        d_model: int,
        n_head: int,
        bias: bool = True,
        rope: RotaryEmbedding | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        _check_positive_int("d_model", d_model)
        _check_positive_int("n_head", n_head)
        if d_model % n_head != 0:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={d_model} and n_head={n_head}"
            )
        if not isinstance(bias, bool):
            raise TypeError(f"bias must be a bool, got {type(bias).__name__}")
        if rope is not None:
            if not isinstance(rope, RotaryEmbedding):
                raise TypeError(
                    f"rope must be a RotaryEmbedding or None, got {type(rope).__name__}"
                )
            if rope.d_head != d_model // n_head:
                raise ValueError(
                    f"rope.d_head must equal d_model // n_head = {d_model // n_head}, "
                    f"got {rope.d_head}"
                )
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
            raise TypeError(f"dropout must be a float, got {type(dropout).__name__}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.d_model = d_model
        self.n_head = n_head
        self.d_head = d_model // n_head
        self.dropout = float(dropout)
        self.c_attn = nn.Linear(d_model, 3 * d_model, bias=bias)  # q, k, v in one matmul
        self.c_proj = nn.Linear(d_model, d_model, bias=bias)  # mixes the heads back together
        self.rope = rope
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, return_weights: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """Attend causally over ``x`` of shape ``(B, T, d_model)``.

        Parameters
        ----------
        x : Tensor
            Input, shape ``(B, T, d_model)``.
        return_weights : bool, default False
            If ``True``, use the explicit path and also return the attention weights.

        Returns
        -------
        Tensor or tuple of Tensor
            The output ``(B, T, d_model)``; with ``return_weights=True`` the pair
            ``(output, weights)`` where ``weights`` has shape ``(B, n_head, T, T)``.

        Raises
        ------
        ValueError
            If ``x`` is not ``(B, T, d_model)``.
        """
        if x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(
                f"expected x of shape (B, T, d_model={self.d_model}), got {tuple(x.shape)}"
            )
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.d_model, dim=2)  # (B, T, 3C) -> 3 x (B, T, C)
        # split channels into heads: (B, T, C) -> (B, T, n_head, d_head) -> (B, n_head, T, d_head)
        q = q.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        if self.rope is not None:
            q, k = self.rope(q), self.rope(k)

        weights = None
        if return_weights:
            y, weights = scaled_dot_product_attention(q, k, v, causal=True)
            if self.training and self.dropout > 0.0:
                y = self.attn_dropout(weights) @ v
        else:
            y = F.scaled_dot_product_attention(
                q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True
            )
        # y: (B, n_head, T, d_head); put the heads side by side again -> (B, T, C)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        y = self.resid_dropout(self.c_proj(y))
        if return_weights:
            return y, weights
        return y

    def extra_repr(self) -> str:
        return f"n_head={self.n_head}, d_head={self.d_head}"
