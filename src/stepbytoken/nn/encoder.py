"""Text embeddings from a language model: one vector per text, for dense retrieval.

:func:`mean_pooled` runs a text through a GPT and averages the residual stream of one layer
over the text's tokens: a vector of ``d_model`` numbers that depends on every token. Texts are
batched with padding on the right, which a causal model never looks at, so each text's vector
is the same as if it ran alone. :func:`embed` maps pooled vectors through an optional linear
projection (learned contrastively by :func:`~stepbytoken.training.contrastive.train_projection`)
and scales them to unit length, so that a dot product is a cosine similarity.

Introduced in chapter 10.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from stepbytoken.checks import check_int, check_strings, check_tensor
from stepbytoken.nn.gpt import GPT
from stepbytoken.tokenizers import BPETokenizer

__all__ = ["embed", "mean_pooled"]


@torch.no_grad()
def mean_pooled(
    model: GPT,
    tokenizer: BPETokenizer,
    texts: Sequence[str],
    *,
    layer: int = -1,
    batch_size: int = 64,
) -> Tensor:
    """The mean of one layer's hidden states over each text's tokens, ``(len(texts), d_model)``.

    Parameters
    ----------
    model
        The language model (its mode is left as it is; dropout off gives reproducible vectors).
    tokenizer
        The model's tokenizer.
    texts
        Non-empty strings; each is cut to the model's first ``block_size`` tokens.
    layer
        Which block's output (``-1``: the last; ``0``: the first).
    batch_size
        Texts run together (>= 1).

    Raises
    ------
    TypeError, ValueError
        For a bad argument, or a text with no tokens.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> vectors = mean_pooled(ref.model, ref.tokenizer, ["Mira is a baker.", "Hello."])
    >>> tuple(vectors.shape)
    (2, 128)

    Introduced in chapter 10.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    texts = check_strings("texts", texts, allow_empty=False)
    if not texts:
        raise ValueError("texts must hold at least one text")
    n_layer = len(model.blocks)
    layer = check_int("layer", layer, minimum=-n_layer, maximum=n_layer - 1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    encoded = [tokenizer.encode(t)[: model.block_size] for t in texts]
    for text, ids in zip(texts, encoded, strict=True):
        if not ids:
            raise ValueError(f"the text {text!r} has no tokens")
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(encoded), batch_size):
        batch = encoded[start : start + batch_size]
        width = max(len(ids) for ids in batch)
        idx = torch.zeros(len(batch), width, dtype=torch.long, device=device)
        mask = torch.zeros(len(batch), width, 1, device=device)
        for row, ids in enumerate(batch):
            idx[row, : len(ids)] = torch.tensor(ids, device=device)
            mask[row, : len(ids)] = 1.0
        states = model.hidden_states(idx)[layer]
        out.append((states * mask).sum(1) / mask.sum(1))
    return torch.cat(out).float().cpu()


def embed(pooled: Tensor, projection: Tensor | None = None) -> Tensor:
    """Unit-length embeddings: ``pooled`` times ``projection`` transposed, then normalised.

    Parameters
    ----------
    pooled
        ``(n, d)`` vectors (:func:`mean_pooled`).
    projection
        An optional ``(k, d)`` matrix; without it the pooled vectors are only normalised.

    Examples
    --------
    >>> embed(torch.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])

    Introduced in chapter 10.
    """
    check_tensor("pooled", pooled, dims=2, integer=False)
    if not torch.isfinite(pooled).all():
        raise ValueError("pooled must hold finite numbers (no NaN or infinity)")
    if projection is not None:
        check_tensor("projection", projection, dims=2, integer=False)
        if projection.shape[1] != pooled.shape[1]:
            raise ValueError(
                f"projection must have {pooled.shape[1]} columns (the pooled vectors' "
                f"size), got shape {tuple(projection.shape)}"
            )
        pooled = pooled @ projection.T
    return torch.nn.functional.normalize(pooled, dim=-1)
