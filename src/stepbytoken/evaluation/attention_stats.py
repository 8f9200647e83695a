"""Summary numbers of attention scores: how spread out, how responsive, how position-free.

Chapter 4 measures why scores are divided by the square root of the width: unscaled scores
make the softmax pick one key (:func:`effective_keys` falls towards 1) and stop responding to
its input (:func:`softmax_jacobian_norm` falls towards 0). Chapter 5 measures that rotary
positions make a score depend only on the distance between query and key
(:func:`diagonal_spread` is rounding error).

Introduced in chapter 4.
"""

from __future__ import annotations

import torch
from torch import Tensor

from stepbytoken.checks import check_tensor

__all__ = ["diagonal_spread", "effective_keys", "softmax_jacobian_norm"]


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
    check_tensor("scores", scores, dims=2, integer=False)
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
    check_tensor("scores", scores, dims=2, integer=False)
    p = torch.softmax(scores, dim=-1)  # (n, T)
    jacobian = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]  # (n, T, T)
    return jacobian.norm(dim=(1, 2)).mean().item()


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
        (scores.diagonal(o).max() - scores.diagonal(o).min()).item() for o in range(-T + 1, T)
    )
