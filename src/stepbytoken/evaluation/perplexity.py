"""Perplexity: how surprised a language model is by text it has not seen.

Introduced in chapter 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from stepbytoken.checks import check_int, check_ints
from stepbytoken.nn.interface import LanguageModel, check_language_model, eval_mode
from stepbytoken.nn.ngram import NGramModel

__all__ = ["token_probs", "perplexity"]


@torch.no_grad()
def token_probs(
    model: LanguageModel, ids: Sequence[int], *, chunk: int = 4096
) -> torch.Tensor:
    """Probability the model gives each of ``ids[1:]``, given the tokens before it.

    Positions are scored ``chunk`` at a time; each forward pass also reads the
    ``block_size - 1`` tokens before its first position (all of them for an unlimited
    ``block_size``), so a model must accept inputs of ``chunk + block_size - 1`` tokens. A GPT
    refuses more than ``block_size`` tokens: score it with ``chunk=1``. An
    :class:`~stepbytoken.nn.ngram.NGramModel` is scored exactly from its counts, in float64.

    Introduced in chapter 1.

    Parameters
    ----------
    model : LanguageModel
        Any model of the book.
    ids : sequence of int
        At least two token ids.
    chunk : int, default 4096
        Positions scored per forward pass (bounds memory).

    Returns
    -------
    torch.Tensor
        Shape ``(len(ids) - 1,)``.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a language model, ``ids`` has fewer than two ids, or ``chunk`` is
        not an int >= 1.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=3, smoothing="add-k", k=1.0).fit([0, 1, 0, 1])
    >>> token_probs(model, [0, 1, 0])
    tensor([0.6000, 0.5000], dtype=torch.float64)
    """
    check_language_model(model)
    ids = check_ints("ids", ids, minimum=0, maximum=model.vocab_size - 1)
    check_language_model(model)
    chunk = check_int("chunk", chunk, minimum=1)
    if len(ids) < 2:
        raise ValueError(f"ids must hold at least two token ids, got {len(ids)}")
    if isinstance(model, NGramModel):
        return torch.from_numpy(model.token_probs(ids))
    idx = torch.as_tensor(list(ids), dtype=torch.long)
    out = []
    with eval_mode(model):
        for start in range(0, idx.numel() - 1, chunk):
            lo = 0 if model.block_size is None else max(start - model.block_size + 1, 0)
            window = idx[lo : start + chunk]
            logits, _ = model(window[None])
            # predictions for start+1...
            probs = torch.softmax(logits[0, start - lo :], dim=-1)
            targets = idx[start + 1 : start + 1 + chunk]
            out.append(probs[: targets.numel()].gather(1, targets[:, None])[:, 0])
    return torch.cat(out)


def perplexity(model: LanguageModel, ids: Sequence[int], *, chunk: int = 4096) -> float:
    """Perplexity of ``model`` on ``ids``: exp of the mean negative log-probability per token.

    Introduced in chapter 1.

    Parameters
    ----------
    model : LanguageModel
        Any model of the book.
    ids : sequence of int
        At least two token ids.
    chunk : int, default 4096
        As in :func:`token_probs`.

    Returns
    -------
    float
        At least 1; a model guessing uniformly scores its vocabulary size.

    Raises
    ------
    TypeError, ValueError
        As :func:`token_probs`.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=1, vocab_size=4, smoothing="add-k", k=1e-9).fit([0, 1, 2, 3])
    >>> round(perplexity(model, [0, 1, 2, 3, 0]), 3)
    4.0
    """
    return math.exp(-token_probs(model, ids, chunk=chunk).log().mean().item())
