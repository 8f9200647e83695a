"""Grouped-query attention: several query heads share one key head and one value head.

Multi-head attention gives every head its own queries, keys and values. During generation the
keys and values of every past token are kept (the KV cache of chapter 18), so their number sets
the cache's size. :class:`GroupedQueryAttention` keeps ``n_head`` query heads but only
``n_kv_head`` key/value heads, each shared by ``n_head // n_kv_head`` query heads (Ainslie et
al. 2023); ``n_kv_head = 1`` is multi-query attention (Shazeer 2019) and
``n_kv_head = n_head`` is ordinary multi-head attention. :func:`to_grouped` turns a trained
GPT's attention into grouped-query attention by averaging the key and value heads of each
group, the starting point of the GQA paper's "uptraining".

Introduced in chapter 18.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import check_bool, check_float, check_int, check_tensor
from stepbytoken.nn.attention import MultiHeadAttention, scaled_dot_product_attention
from stepbytoken.nn.gpt import GPT
from stepbytoken.nn.positions import RotaryEmbedding

__all__ = ["GroupedQueryAttention", "kv_heads", "to_grouped"]


class GroupedQueryAttention(nn.Module):
    """Causal attention with ``n_head`` query heads and ``n_kv_head`` shared key/value heads.

    ``c_attn`` makes, for every token, the ``n_head`` queries followed by the ``n_kv_head``
    keys and the ``n_kv_head`` values (``d_model + 2 * n_kv_head * d_head`` numbers); query
    head ``h`` reads key/value head ``h // (n_head // n_kv_head)``. ``c_proj`` mixes the heads'
    outputs as in :class:`~stepbytoken.nn.attention.MultiHeadAttention`, which this layer
    equals when ``n_kv_head == n_head``.

    Introduced in chapter 18.

    Parameters
    ----------
    d_model : int
        Width of the input and output.
    n_head : int
        Number of query heads; must divide ``d_model``.
    n_kv_head : int
        Number of key/value heads; must divide ``n_head`` (1: multi-query attention).
    bias : bool, default True
        Whether ``c_attn`` and ``c_proj`` have biases.
    rope : RotaryEmbedding, optional
        Rotates queries and keys by position; its ``d_head`` must be ``d_model // n_head``.
    dropout : float, default 0.0
        Dropout on the output, in ``[0, 1)`` (training mode only).

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or the head counts do not divide.

    Examples
    --------
    >>> attn = GroupedQueryAttention(d_model=16, n_head=4, n_kv_head=2)
    >>> attn.c_attn.out_features  # 16 for queries + 2 * (2 heads * 4) for keys and values
    32
    >>> attn(torch.zeros(1, 3, 16)).shape
    torch.Size([1, 3, 16])
    """

    def __init__(
        self,
        d_model: int,
        n_head: int,
        n_kv_head: int,
        bias: bool = True,
        rope: RotaryEmbedding | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_int("d_model", d_model, minimum=1)
        check_int("n_head", n_head, minimum=1)
        check_int("n_kv_head", n_kv_head, minimum=1)
        if d_model % n_head != 0:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={d_model} and n_head={n_head}"
            )
        if n_head % n_kv_head != 0:
            raise ValueError(
                f"n_kv_head must divide n_head, got n_head={n_head} and n_kv_head={n_kv_head}"
            )
        check_bool("bias", bias)
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
        self.n_kv_head = n_kv_head
        self.d_head = d_model // n_head
        kv_dim = n_kv_head * self.d_head
        self.c_attn = nn.Linear(d_model, d_model + 2 * kv_dim, bias=bias)
        self.c_proj = nn.Linear(d_model, d_model, bias=bias)
        self.rope = rope
        self.resid_dropout = nn.Dropout(dropout)

    def project(self, x: Tensor, offset: int = 0) -> tuple[Tensor, Tensor, Tensor]:
        """Queries ``(B, n_head, T, d_head)``, keys and values ``(B, n_kv_head, T, d_head)``.

        Row ``t`` of ``x`` ``(B, T, d_model)`` sits at position ``offset + t`` (for RoPE).
        """
        check_tensor("x", x, integer=False)
        if x.ndim != 3 or x.shape[-1] != self.d_model or x.shape[1] == 0:
            raise ValueError(
                f"expected x of shape (B, T, d_model={self.d_model}) with T >= 1, "
                f"got {tuple(x.shape)}"
            )
        check_int("offset", offset, minimum=0)
        B, T, C = x.shape
        kv_dim = self.n_kv_head * self.d_head
        # (B, T, C + 2 kv_dim) -> (B, T, C), 2 x (B, T, kv_dim)
        q, k, v = self.c_attn(x).split([C, kv_dim, kv_dim], dim=2)
        q = q.view(B, T, self.n_head, self.d_head).transpose(1, 2)
        k = k.view(B, T, self.n_kv_head, self.d_head).transpose(1, 2)
        v = v.view(B, T, self.n_kv_head, self.d_head).transpose(1, 2)
        if self.rope is not None:
            q, k = self.rope(q, offset), self.rope(k, offset)
        return q, k, v

    def forward(
        self, x: Tensor, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Attend causally over ``x`` ``(B, T, d_model)``; also return the weights if asked."""
        return_weights = check_bool("return_weights", return_weights)
        q, k, v = self.project(x)
        group = self.n_head // self.n_kv_head
        # each key/value head serves `group` query heads: (B, n_kv_head, ...) -> (B, n_head, ...)
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        weights = None
        if return_weights:
            y, weights = scaled_dot_product_attention(q, k, v, causal=True)
        else:
            y = F.scaled_dot_product_attention(
                q,
                k,
                v,
                dropout_p=self.dropout if self.training else 0.0,
                is_causal=True,
            )
        B, T, C = x.shape
        y = (
            y.transpose(1, 2).contiguous().view(B, T, C)
        )  # (B, n_head, T, d_head) -> (B, T, C)
        y = self.resid_dropout(self.c_proj(y))
        if return_weights:
            return y, weights
        return y

    def extra_repr(self) -> str:
        return f"n_head={self.n_head}, n_kv_head={self.n_kv_head}, d_head={self.d_head}"


def _pool_heads(t: Tensor, n_head: int, n_kv_head: int) -> Tensor:
    """The mean of each group of consecutive heads, along the first dimension.

    ``(n_head * d_head, ...) -> (n_kv_head * d_head, ...)``; groups as in
    :class:`GroupedQueryAttention`.
    """
    rest = t.shape[1:]
    d_head = t.shape[0] // n_head
    grouped = t.reshape(n_kv_head, n_head // n_kv_head, d_head, *rest)
    return grouped.mean(dim=1).reshape(n_kv_head * d_head, *rest)


@torch.no_grad()
def to_grouped(model: GPT, n_kv_head: int) -> GPT:
    """A copy of ``model`` whose attention layers share ``n_kv_head`` key/value heads.

    Each group of ``n_head // n_kv_head`` consecutive key heads (and value heads) is replaced
    by their mean, as the GQA paper converts a multi-head checkpoint before a short
    "uptraining"; queries, ``c_proj``, the MLPs and everything else are copied unchanged.
    With ``n_kv_head == n_head`` the copy computes exactly what ``model`` does.

    Introduced in chapter 18.

    Parameters
    ----------
    model : GPT
        A GPT with ordinary multi-head attention (it is not changed).
    n_kv_head : int
        Key/value heads per layer; must divide ``model.config.n_head``.

    Returns
    -------
    GPT
        The converted copy, in the mode ``model`` was in.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a GPT with multi-head attention, or ``n_kv_head`` does not
        divide its number of heads.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=4, d_model=16))
    >>> mqa = to_grouped(model, 1)
    >>> kv_heads(mqa), mqa.blocks[0].attn.c_attn.out_features
    (1, 24)
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    n_head = model.config.n_head
    check_int("n_kv_head", n_kv_head, minimum=1, maximum=n_head)
    if n_head % n_kv_head != 0:
        raise ValueError(
            f"n_kv_head must divide the model's n_head={n_head}, got {n_kv_head}"
        )
    for block in model.blocks:
        if not isinstance(block.attn, MultiHeadAttention):
            raise TypeError(
                "model must use MultiHeadAttention in every block, got "
                f"{type(block.attn).__name__}"
            )
    converted = copy.deepcopy(model)
    C = model.config.d_model
    for block in converted.blocks:
        old = block.attn
        with torch.random.fork_rng(devices=[]):  # its default init is overwritten below
            new = GroupedQueryAttention(
                C,
                n_head,
                n_kv_head,
                bias=old.c_attn.bias is not None,
                rope=old.rope,
                dropout=old.dropout,
            )
        w = old.c_attn.weight  # (3C, C): queries, keys, values
        parts = [w[:C], w[C : 2 * C], w[2 * C :]]
        new.c_attn.weight.copy_(
            torch.cat(
                [parts[0], *(_pool_heads(p, n_head, n_kv_head) for p in parts[1:])]
            )
        )
        if old.c_attn.bias is not None:
            b = old.c_attn.bias
            pooled = [
                _pool_heads(b[i * C : (i + 1) * C], n_head, n_kv_head) for i in (1, 2)
            ]
            new.c_attn.bias.copy_(torch.cat([b[:C], *pooled]))
        new.c_proj.load_state_dict(old.c_proj.state_dict())
        new.train(old.training)
        block.attn = new
    return converted


def kv_heads(model: nn.Module) -> int:
    """Number of key/value heads per layer of a GPT (``n_head`` for multi-head attention).

    Introduced in chapter 18.

    Raises
    ------
    TypeError
        If ``model`` is not a GPT.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> kv_heads(GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=4, d_model=16)))
    4
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    attn = model.blocks[0].attn
    return int(getattr(attn, "n_kv_head", attn.n_head))
