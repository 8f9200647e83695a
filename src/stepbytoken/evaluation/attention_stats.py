"""Summary numbers of attention scores: how spread out, how responsive, how position-free.

Chapter 4 measures why scores are divided by the square root of the width: unscaled scores
make the softmax pick one key (:func:`effective_keys` falls towards 1) and stop responding to
its input (:func:`softmax_jacobian_norm` falls towards 0); it also asks how strongly a trained
head attends to the token just before each query (:func:`previous_token_share`). Chapter 5
measures that rotary positions make a score depend only on the distance between query and key
(:func:`diagonal_spread` is rounding error).

Introduced in chapter 4.
"""

from __future__ import annotations

import torch
from torch import Tensor

from stepbytoken.checks import check_tensor

__all__ = [
    "diagonal_spread",
    "effective_keys",
    "previous_token_share",
    "softmax_jacobian_norm",
]


def _check_scores(scores: object) -> None:
    """Raise unless ``scores`` is a 2-D floating tensor whose rows have a finite maximum."""
    check_tensor("scores", scores, dims=2, integer=False)
    if scores.numel() == 0:
        raise ValueError(f"scores must not be empty, got shape {tuple(scores.shape)}")
    if not bool(torch.isfinite(scores.max(dim=-1).values).all()):
        raise ValueError(
            "each row of scores needs a finite maximum (no NaN, +inf or all -inf)"
        )


def effective_keys(scores: Tensor) -> float:
    """Mean over rows of ``exp(entropy)`` of ``softmax(scores)``: how many keys a query uses.

    Parameters
    ----------
    scores : Tensor
        Attention scores, shape ``(n, T)``: ``n`` queries, each against ``T`` keys.

    Returns
    -------
    float
        ``T`` for uniform weights, 1 when one key takes all the weight.

    Raises
    ------
    TypeError, ValueError
        If ``scores`` is not a 2-D floating tensor.

    Examples
    --------
    >>> round(effective_keys(torch.zeros(3, 8)), 3)  # uniform weights over 8 keys
    8.0
    >>> round(effective_keys(torch.tensor([[100.0, 0.0, 0.0]])), 3)
    1.0

    Introduced in chapter 4.
    """
    _check_scores(scores)
    p = torch.softmax(scores, dim=-1)  # (n, T)
    entropy = -(p * p.clamp_min(1e-30).log()).sum(dim=-1)
    return entropy.exp().mean().item()


def softmax_jacobian_norm(scores: Tensor) -> float:
    """Mean over rows of the Frobenius norm of the softmax's Jacobian at ``scores``.

    The Jacobian of ``p = softmax(s)`` is ``diag(p) - p pᵀ``: how much each weight moves when
    a score moves. Every gradient to the queries and keys passes through it.

    Parameters
    ----------
    scores : Tensor
        Attention scores, shape ``(n, T)``.

    Returns
    -------
    float
        Near 0 when the softmax is saturated (one weight near 1).

    Raises
    ------
    TypeError, ValueError
        If ``scores`` is not a 2-D floating tensor.

    Examples
    --------
    >>> round(softmax_jacobian_norm(torch.zeros(1, 2)), 4)  # [[.25, -.25], [-.25, .25]]
    0.5
    >>> softmax_jacobian_norm(torch.tensor([[100.0, 0.0]])) < 1e-6
    True

    Introduced in chapter 4.
    """
    _check_scores(scores)
    p = torch.softmax(scores, dim=-1)  # (n, T)
    jacobian = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]  # (n, T, T)
    return jacobian.norm(dim=(1, 2)).mean().item()


def previous_token_share(
    weights: Tensor, real: Tensor | None = None
) -> tuple[Tensor, Tensor, float]:
    """How much each head attends to the token just before each query.

    Every query after the first position counts (and, if ``real`` is given, only queries it
    marks). For a query at position ``t`` the previous token is ``t - 1``.

    Parameters
    ----------
    weights : Tensor
        Causal attention weights ``(B, ..., T, T)``, e.g. ``(B, n_layer, n_head, T, T)``:
        entry ``[b, ..., i, j]`` is how much query ``i`` attends to key ``j``.
    real : Tensor, optional
        Bool ``(B, T)``: which positions are real text (``False`` for padding).

    Returns
    -------
    mean_weight : Tensor
        Shape ``weights.shape[1:-2]``: the weight on the previous token, averaged over the
        counted queries.
    top_share : Tensor
        Same shape: the share of counted queries whose largest weight is on the previous token.
    uniform : float
        What both would be for a head that spreads its weight evenly over the ``t + 1`` tokens
        it may see (or picks its strongest one at random): the mean of ``1 / (t + 1)``.

    Raises
    ------
    TypeError, ValueError
        If ``weights`` is not a floating tensor ``(B, ..., T, T)`` with ``T >= 2``, or ``real``
        is not a bool ``(B, T)`` tensor marking at least one query after the first position.

    Examples
    --------
    >>> w = torch.tensor([[[1.0, 0.0, 0.0], [0.1, 0.9, 0.0], [0.2, 0.7, 0.1]]])  # (1, 3, 3)
    >>> mean_weight, top_share, uniform = previous_token_share(w)  # queries 1 and 2 count
    >>> round(mean_weight.item(), 2), top_share.item(), round(uniform, 3)  # (1/2 + 1/3) / 2
    (0.4, 0.5, 0.417)

    Introduced in chapter 4.
    """
    check_tensor("weights", weights, integer=False)
    if (
        weights.ndim < 3
        or weights.shape[-1] != weights.shape[-2]
        or weights.shape[-1] < 2
    ):
        raise ValueError(
            f"weights must have shape (B, ..., T, T) with T >= 2, got {tuple(weights.shape)}"
        )
    B, T = weights.shape[0], weights.shape[-1]
    if real is None:
        real = torch.ones(B, T, dtype=torch.bool)
    check_tensor("real", real)
    if real.dtype != torch.bool or tuple(real.shape) != (B, T):
        raise ValueError(
            f"real must be a bool tensor of shape ({B}, {T}), got {real.dtype} {tuple(real.shape)}"
        )
    counted = real[:, 1:].to(weights.device)  # (B, T-1): queries 1..T-1
    if not counted.any():
        raise ValueError("real must mark at least one query after the first position")
    extra = weights.ndim - 3  # head dimensions between B and (T, T)
    keep = counted.view(B, *([1] * extra), T - 1).float()  # broadcasts over the heads
    # (B, ..., T-1): t -> t-1
    on_previous = weights.diagonal(offset=-1, dim1=-2, dim2=-1)
    is_top = weights[..., 1:, :].argmax(dim=-1) == torch.arange(
        T - 1, device=weights.device
    )
    n = counted.sum()
    mean_weight = (on_previous * keep).sum(dim=0).sum(dim=-1) / n
    top_share = (is_top.float() * keep).sum(dim=0).sum(dim=-1) / n
    # query t sees t + 1 tokens
    t = torch.arange(1, T, device=weights.device).expand(B, T - 1)
    uniform = (1 / (t[counted] + 1)).mean().item()
    return mean_weight, top_share, uniform


def diagonal_spread(scores: Tensor) -> float:
    """Largest ``max - min`` along any diagonal of a square score matrix.

    Entry ``[m, n]`` is the score of a query at position ``m`` and a key at position ``n``;
    a diagonal holds the pairs at one distance ``m - n``. A spread of 0 means the score
    depends only on that distance.

    Parameters
    ----------
    scores : Tensor
        Shape ``(T, T)``.

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        If ``scores`` is not a square 2-D floating tensor.

    Examples
    --------
    >>> diagonal_spread(torch.tensor([[0.0, 1.0], [-1.0, 0.0]]))  # constant diagonals
    0.0
    >>> diagonal_spread(torch.tensor([[0.0, 1.0], [-1.0, 5.0]]))
    5.0

    Introduced in chapter 5.
    """
    check_tensor("scores", scores, dims=2, integer=False)
    T = scores.shape[0]
    if scores.shape[1] != T:
        raise ValueError(f"scores must be square, got shape {tuple(scores.shape)}")
    return max(
        (scores.diagonal(o).max() - scores.diagonal(o).min()).item()
        for o in range(-T + 1, T)
    )
