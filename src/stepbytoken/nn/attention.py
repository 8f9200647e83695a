"""Attention: how each token gathers information from the tokens before it.

Read top to bottom: :func:`causal_mask` (a token may not look ahead),
:func:`scaled_dot_product_attention` (scores, mask, softmax, weighted sum, every intermediate
visible) and :class:`MultiHeadAttention`, the causal self-attention layer of the GPT. Where a
token sits is :mod:`stepbytoken.nn.positions`' job.

Shapes: ``B`` batch, ``T`` sequence length, ``C = d_model`` the width of the residual stream,
``n_head`` heads of width ``d_head``.

Introduced in chapter 4.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import check_bool, check_float, check_int, check_tensor
from stepbytoken.nn.positions import RotaryEmbedding

__all__ = ["causal_mask", "scaled_dot_product_attention", "MultiHeadAttention"]


def causal_mask(T: int, *, device: torch.device | str | None = None) -> Tensor:
    """Return the ``(T, T)`` boolean mask that is ``True`` where position ``i`` may see ``j <= i``.

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
        Lower-triangular boolean tensor, diagonal included.

    Raises
    ------
    TypeError, ValueError
        If ``T`` is not an int >= 1.

    Examples
    --------
    >>> causal_mask(3)
    tensor([[ True, False, False],
            [ True,  True, False],
            [ True,  True,  True]])
    """
    check_int("T", T, minimum=1)
    if device is not None and not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be a torch.device, str or None, got {type(device).__name__}"
        )
    try:
        return torch.ones(T, T, dtype=torch.bool, device=device).tril()
    # torch asserts on a device it was built without
    except (RuntimeError, AssertionError) as err:
        raise ValueError(f"device {device!r} is not available: {err}") from None


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    *,
    mask: Tensor | None = None,
    causal: bool = False,
    scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """Compute attention step by step and return the output and the attention weights.

    ``weights = softmax(q @ k^T * scale, masked)`` and ``output = weights @ v``: the same
    result as :func:`torch.nn.functional.scaled_dot_product_attention`, which does not return
    the weights.

    Introduced in chapter 4.

    Parameters
    ----------
    q, k, v : Tensor
        Queries ``(..., T_q, d)``, keys ``(..., T_k, d)`` and values ``(..., T_k, d_v)``.
    mask : Tensor, optional
        Boolean (``True`` = may attend) or floating (added to the scores), broadcastable to
        ``(..., T_q, T_k)``.
    causal : bool, default False
        Also apply :func:`causal_mask` (needs ``T_q == T_k``).
    scale : float, optional
        Factor applied to the scores; defaults to ``1 / sqrt(d)``.

    Returns
    -------
    output : Tensor
        Shape ``(..., T_q, d_v)``.
    weights : Tensor
        Shape ``(..., T_q, T_k)``; rows sum to 1.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or dtype, the shapes do not fit together, ``scale``
        is not finite, or the mask leaves a query with no key to attend to.

    Examples
    --------
    >>> q = k = v = torch.eye(2)
    >>> out, weights = scaled_dot_product_attention(q, k, v, causal=True)
    >>> weights
    tensor([[1.0000, 0.0000],
            [0.3302, 0.6698]])
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        check_tensor(name, t, integer=False)
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
    causal = check_bool("causal", causal)
    T_q, T_k = q.shape[-2], k.shape[-2]
    if causal and T_q != T_k:
        raise ValueError(
            f"causal=True needs as many queries as keys, got T_q={T_q} and T_k={T_k}; "
            "pass an explicit mask instead"
        )
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    elif isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(
            f"scale must be a real number or None, got {type(scale).__name__}"
        )
    else:
        scale = check_float("scale", scale)

    # (..., T_q, d) @ (..., d, T_k) -> (..., T_q, T_k)
    scores = (q @ k.transpose(-2, -1)) * scale

    if mask is not None:
        check_tensor("mask", mask)
        try:
            fits = torch.broadcast_shapes(mask.shape, scores.shape) == scores.shape
        except RuntimeError:
            fits = False
        if not fits:
            raise ValueError(
                f"mask of shape {tuple(mask.shape)} does not broadcast to the "
                f"attention scores of shape {tuple(scores.shape)} (..., T_q, T_k)"
            )
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        elif mask.is_floating_point():
            scores = scores + mask
        else:
            raise TypeError(
                f"mask must be a bool or floating-point tensor, got {mask.dtype}"
            )
    if causal:
        # (T_q, T_k), broadcasts over (...)
        allowed = causal_mask(T_q, device=scores.device)
        scores = scores.masked_fill(~allowed, float("-inf"))

    if T_k == 0 or bool(torch.isneginf(scores).all(dim=-1).any()):
        raise ValueError(
            "every query needs at least one key it may attend to: the mask leaves a row "
            "of the attention scores with no allowed key (all False or -inf), whose "
            "softmax is 0 / 0"
        )
    weights = torch.softmax(scores, dim=-1)  # (..., T_q, T_k), rows sum to 1
    output = weights @ v  # (..., T_q, T_k) @ (..., T_k, d_v) -> (..., T_q, d_v)
    return output, weights


class MultiHeadAttention(nn.Module):
    """Causal multi-head self-attention, the layer that mixes information between tokens.

    One linear layer ``c_attn`` makes every token's query, key and value; the ``d_model``
    features are split into ``n_head`` heads that attend on their own, and ``c_proj`` mixes
    the heads' outputs back together. By default the layer calls PyTorch's fused
    :func:`torch.nn.functional.scaled_dot_product_attention`; ``return_weights=True`` takes the
    explicit :func:`scaled_dot_product_attention` and also returns the weights. ``c_attn`` and
    ``c_proj`` are laid out like ``torch.nn.MultiheadAttention``'s ``in_proj`` and ``out_proj``.

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
        Rotates queries and keys by position; its ``d_head`` must be ``d_model // n_head``.
    dropout : float, default 0.0
        Dropout on the attention weights and the output, in ``[0, 1)`` (training mode only).

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type, ``n_head`` does not divide ``d_model``, ``rope``
        does not fit, or ``dropout`` is outside ``[0, 1)``.

    Examples
    --------
    >>> attn = MultiHeadAttention(d_model=8, n_head=2)
    >>> x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(0))  # (B, T, C)
    >>> y, weights = attn(x, return_weights=True)
    >>> y.shape, weights.shape                       # weights: (B, n_head, T, T)
    (torch.Size([3, 5, 8]), torch.Size([3, 2, 5, 5]))
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
        check_int("d_model", d_model, minimum=1)
        check_int("n_head", n_head, minimum=1)
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
        self.dropout = check_float(
            "dropout", dropout, minimum=0, maximum=1, open_maximum=True
        )
        self.d_model = d_model
        self.n_head = n_head
        self.d_head = d_model // n_head
        # q, k, v in one matmul
        self.c_attn = nn.Linear(d_model, 3 * d_model, bias=bias)
        # mixes the heads back together
        self.c_proj = nn.Linear(d_model, d_model, bias=bias)
        self.rope = rope
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(
        self, x: Tensor, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Attend causally over ``x`` ``(B, T, d_model)``; also return the weights if asked.

        With ``return_weights=True`` the result is ``(output, weights)``, the weights having
        shape ``(B, n_head, T, T)``.
        """
        check_tensor("x", x, integer=False)
        if x.ndim != 3 or x.shape[-1] != self.d_model or x.shape[1] == 0:
            raise ValueError(
                f"expected x of shape (B, T, d_model={self.d_model}) with T >= 1, "
                f"got {tuple(x.shape)}"
            )
        return_weights = check_bool("return_weights", return_weights)
        B, T, C = x.shape
        # (B, T, 3C) -> 3 x (B, T, C)
        q, k, v = self.c_attn(x).split(self.d_model, dim=2)
        # split channels into heads:
        # (B, T, C) -> (B, T, n_head, d_head) -> (B, n_head, T, d_head)
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
                q,
                k,
                v,
                dropout_p=self.dropout if self.training else 0.0,
                is_causal=True,
            )
        # y: (B, n_head, T, d_head); put the heads side by side again -> (B, T, C)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        y = self.resid_dropout(self.c_proj(y))
        if return_weights:
            return y, weights
        return y

    def extra_repr(self) -> str:
        return f"n_head={self.n_head}, d_head={self.d_head}"
