"""One token, many vectors: a Transformer's vector for a token depends on the text around it.

A word2vec model, and a Transformer's embedding table, give a token one vector whatever the
sentence. After the attention blocks the vector at a position has mixed in the tokens before
it. :func:`contextual_vectors` collects a token's vector after a chosen block at many places in
a text, and :func:`mean_pairwise_cosine` says how alike those vectors are.

Introduced in chapter 3.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from stepbytoken.checks import check_int, check_tensor
from stepbytoken.nn import GPT

__all__ = ["contextual_vectors", "mean_pairwise_cosine"]


@torch.no_grad()
def contextual_vectors(
    model: GPT, ids: Sequence[int], token: int, *, layer: int = -1, max_count: int = 50
) -> torch.Tensor:
    """The residual-stream vector of ``token`` after block ``layer``, at its places in ``ids``.

    Each occurrence is read with the ``block_size - 1`` tokens before it as context, so only
    occurrences with that much text before them are used (the first ``max_count`` of them).
    Layer 0 is the input of the first block (token plus position embedding).

    Introduced in chapter 3.

    Parameters
    ----------
    model : GPT
        The Transformer.
    ids : sequence of int
        A long text as token ids.
    token : int
        The token id to look for.
    layer : int, default -1
        0 for the embeddings, ``i`` for the output of block ``i`` (1 to ``n_layer``), -1 for
        the last block.
    max_count : int, default 50
        Most occurrences to use (>= 1).

    Returns
    -------
    torch.Tensor
        Shape ``(n, d_model)``, one row per occurrence used, in text order.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a GPT, ``token`` is outside the vocabulary, ``layer`` is out of
        range, ``max_count`` < 1, or ``token`` never occurs with a full context before it.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=1, d_model=8))
    >>> contextual_vectors(model, [1, 2, 3, 4, 1, 2, 4, 3, 4], token=4).shape
    torch.Size([3, 8])
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    n_layer, block_size = model.config.n_layer, model.config.block_size
    token = check_int("token", token, minimum=0, maximum=model.config.vocab_size - 1)
    layer = check_int("layer", layer, minimum=-1, maximum=n_layer)
    max_count = check_int("max_count", max_count, minimum=1)
    idx = torch.as_tensor(list(ids), dtype=torch.long)
    places = [t for t in range(block_size - 1, idx.numel()) if idx[t] == token][
        :max_count
    ]
    if not places:
        raise ValueError(
            f"token {token} never occurs with {block_size - 1} tokens before it in ids"
        )
    # (n, block_size)
    windows = torch.stack([idx[t - block_size + 1 : t + 1] for t in places])
    was_training = model.training
    model.eval()
    try:
        # n_layer + 1 of (n, T, C)
        states = model.hidden_states(windows, include_embeddings=True)
    finally:
        model.train(was_training)
    return states[layer][:, -1]  # (n, T, C) -> (n, C), the token's own position


def mean_pairwise_cosine(vectors: torch.Tensor) -> float:
    """Average cosine similarity between every two different rows of ``vectors``.

    Introduced in chapter 3.

    Parameters
    ----------
    vectors : torch.Tensor
        Shape ``(n, d)`` with ``n >= 2``.

    Returns
    -------
    float
        1.0 when all rows point the same way.

    Raises
    ------
    TypeError, ValueError
        If ``vectors`` is not a 2-D float tensor with at least two rows.

    Examples
    --------
    >>> round(mean_pairwise_cosine(torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])), 3)
    0.333
    """
    check_tensor("vectors", vectors, dims=2, integer=False)
    n = vectors.shape[0]
    if n < 2:
        raise ValueError(f"vectors must have at least two rows, got {n}")
    unit = F.normalize(vectors.double(), dim=1)
    cos = unit @ unit.T
    return float((cos.sum() - cos.diagonal().sum()) / (n * (n - 1)))
