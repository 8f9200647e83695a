"""Skip-gram with negative sampling (word2vec): the pairs it learns from and its loss.

For each word (the *center*) and each word within a few positions of it (the *context*), the
dot product of the center's input vector and the context's output vector should be large, and
the dot products with ``K`` random *negative* words small (Mikolov et al., 2013). Training
(:func:`stepbytoken.training.train_word_vectors`) uses the gradients of :func:`sgns_grads`,
worked out by hand and checked against autograd in the tests.

Introduced in chapter 3.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from stepbytoken.checks import check_int, check_tensor


def skipgram_pairs(
    idx: torch.Tensor, window: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """All (center, context) pairs of a sequence, with a randomly shrunk window per center.

    Each center ``i`` draws a window ``b`` uniformly from ``1 .. window`` and pairs with every
    ``j != i`` with ``|i - j| <= b``, so near words count more than far ones.

    Parameters
    ----------
    idx
        Word ids, shape (N,).
    window
        Largest distance between a center and a context word (int >= 1).
    generator
        Source of the window sizes; with ``None`` the full window is used.

    Returns
    -------
    centers, contexts : torch.Tensor
        Two 1-D tensors of the same length, grouped by distance.

    Raises
    ------
    ValueError
        If ``idx`` is not a 1-D integer tensor or ``window`` is not an int >= 1.

    Examples
    --------
    >>> centers, contexts = skipgram_pairs(torch.tensor([10, 11, 12]), window=1)
    >>> list(zip(centers.tolist(), contexts.tolist()))
    [(10, 11), (11, 12), (11, 10), (12, 11)]

    Introduced in chapter 3.
    """
    check_tensor("idx", idx, dims=1, integer=True)
    window = check_int("window", window, minimum=1)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )
    N = idx.numel()
    if generator is None:
        reach = torch.full((N,), window, dtype=torch.long)
    else:
        reach = torch.randint(1, window + 1, (N,), generator=generator)
    centers, contexts = [], []
    for d in range(1, min(window, N - 1) + 1):
        right = reach[:-d] >= d  # center i, context i + d
        centers.append(idx[:-d][right])
        contexts.append(idx[d:][right])
        left = reach[d:] >= d  # center i, context i - d
        centers.append(idx[d:][left])
        contexts.append(idx[:-d][left])
    if not centers:
        empty = torch.empty(0, dtype=torch.long)
        return empty, empty.clone()
    return torch.cat(centers), torch.cat(contexts)


def _check_sgns(v: object, u_pos: object, u_neg: object) -> None:
    """Check the shapes (B, dim), (B, dim), (B, K, dim) of the skip-gram loss's inputs."""
    check_tensor("v", v, dims=2, integer=False)
    check_tensor("u_pos", u_pos, dims=2, integer=False)
    check_tensor("u_neg", u_neg, dims=3, integer=False)
    B, dim = v.shape
    if tuple(u_pos.shape) != (B, dim) or u_neg.shape[0] != B or u_neg.shape[2] != dim:
        raise ValueError(
            f"v, u_pos and u_neg must have shapes (B, dim), (B, dim) and (B, K, dim), got "
            f"{tuple(v.shape)}, {tuple(u_pos.shape)} and {tuple(u_neg.shape)}"
        )


def sgns_loss(
    v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor
) -> torch.Tensor:
    """Skip-gram negative-sampling loss, summed over a batch.

    ``-log sigmoid(v . u_pos) - sum_k log sigmoid(-v . u_neg_k)``: the true context word should
    score high and the random ones low.

    Parameters
    ----------
    v
        Input vectors of the center words, shape (B, dim).
    u_pos
        Output vectors of the true context words, shape (B, dim).
    u_neg
        Output vectors of the negative words, shape (B, K, dim).

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> v = torch.zeros(1, 2)
    >>> round(sgns_loss(v, torch.zeros(1, 2), torch.zeros(1, 3, 2)).item(), 4)  # 4 * log 2
    2.7726

    Introduced in chapter 3.
    """
    _check_sgns(v, u_pos, u_neg)
    pos = (v * u_pos).sum(-1)  # (B,)
    # (B, K, dim) @ (B, dim, 1) -> (B, K)
    neg = torch.bmm(u_neg, v.unsqueeze(-1)).squeeze(-1)
    return -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum())


def sgns_grads(
    v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The loss of :func:`sgns_loss` and its gradients, worked out by hand.

    With ``s = sigmoid``, the derivative of ``-log s(x)`` is ``s(x) - 1`` and that of
    ``-log s(-x)`` is ``s(x)``. Call them ``g_pos`` (one per pair) and ``g_neg`` (one
    per negative word); by the chain rule through the dot products:

    * ``grad_v = g_pos * u_pos + sum_k g_neg_k * u_neg_k``
    * ``grad_pos = g_pos * v``
    * ``grad_neg_k = g_neg_k * v``

    Parameters
    ----------
    v, u_pos, u_neg
        As in :func:`sgns_loss`: shapes (B, dim), (B, dim), (B, K, dim).

    Returns
    -------
    loss, grad_v, grad_pos, grad_neg : torch.Tensor
        The summed loss (a scalar) and gradients shaped like ``v``, ``u_pos`` and
        ``u_neg``.

    Examples
    --------
    >>> v, u_pos, u_neg = torch.zeros(1, 2), torch.ones(1, 2), torch.zeros(1, 3, 2)
    >>> loss, grad_v, _, _ = sgns_grads(v, u_pos, u_neg)
    >>> grad_v  # sigmoid(0) - 1 = -0.5, times u_pos
    tensor([[-0.5000, -0.5000]])

    Introduced in chapter 3.
    """
    _check_sgns(v, u_pos, u_neg)
    pos = (v * u_pos).sum(-1)  # (B,)
    # (B, K, dim) @ (B, dim, 1) -> (B, K)
    neg = torch.bmm(u_neg, v.unsqueeze(-1)).squeeze(-1)
    loss = -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum())
    g_pos = torch.sigmoid(pos) - 1.0  # (B,)
    g_neg = torch.sigmoid(neg)  # (B, K)
    grad_v = g_pos.unsqueeze(-1) * u_pos + torch.bmm(g_neg.unsqueeze(1), u_neg).squeeze(
        1
    )
    grad_pos = g_pos.unsqueeze(-1) * v  # (B, dim)
    # (B, K, 1) * (B, 1, dim) -> (B, K, dim)
    grad_neg = g_neg.unsqueeze(-1) * v.unsqueeze(1)
    return loss, grad_v, grad_pos, grad_neg
