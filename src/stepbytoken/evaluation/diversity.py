"""Measuring what a sampler wrote: how varied a set of texts is, and how much one repeats itself.

Introduced in chapter 7.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch

from stepbytoken.checks import check_int

__all__ = ["distinct_n", "repeated_ngram_fraction"]


def _ngrams(
    ids: Sequence[int] | torch.Tensor, n: int, name: str
) -> list[tuple[int, ...]]:
    """The n-grams of one sequence of token ids, in order of their start position."""
    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.is_floating_point() or ids.is_complex():
            raise TypeError(
                f"{name} must be a 1-D tensor of token ids or a list of ints"
            )
        ids = ids.tolist()
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise TypeError(
            f"{name} must be a sequence of token ids, got {type(ids).__name__}"
        )
    if not all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in ids
    ):
        raise TypeError(f"{name} must hold int token ids")
    return [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]


def distinct_n(sequences: Sequence[Sequence[int]] | torch.Tensor, n: int = 2) -> float:
    """Diversity of a set of generations: distinct n-grams divided by all n-grams (Li et al. 2016).

    The n-grams of every sequence are pooled: 1.0 means no n-gram occurs twice anywhere,
    values near 0 mean the generations keep saying the same things.

    Introduced in chapter 7.

    Parameters
    ----------
    sequences : list of lists of int, or torch.Tensor
        Token id sequences (or a 2-D tensor, one per row), e.g. continuations of one prompt.
    n : int, default 2
        Length of the n-grams, >= 1.

    Returns
    -------
    float
        In ``(0, 1]``.

    Raises
    ------
    TypeError, ValueError
        If a sequence does not hold int token ids, ``n < 1``, or no sequence has ``n`` tokens.

    Examples
    --------
    The bigrams are (1, 2), (2, 3) and (1, 2), (2, 4): 3 distinct out of 4.

    >>> distinct_n([[1, 2, 3], [1, 2, 4]], n=2)
    0.75
    """
    n = check_int("n", n, minimum=1)
    if isinstance(sequences, torch.Tensor):
        if sequences.dim() != 2:
            raise TypeError(
                f"a tensor of sequences must be 2-D, got {sequences.dim()}-D"
            )
        sequences = sequences.tolist()
    if isinstance(sequences, str) or not isinstance(sequences, Sequence):
        raise TypeError(
            f"sequences must be a list of token id lists, got {type(sequences)}"
        )
    grams = [
        g for k, seq in enumerate(sequences) for g in _ngrams(seq, n, f"sequences[{k}]")
    ]
    if not grams:
        raise ValueError(
            f"no sequence is at least n = {n} tokens long, so there are no n-grams"
        )
    return len(set(grams)) / len(grams)


def repeated_ngram_fraction(ids: Sequence[int] | torch.Tensor, n: int = 4) -> float:
    """How much a text repeats itself: the fraction of its n-grams that already occurred in it.

    A text stuck in a loop scores close to 1, varied text near 0.

    Introduced in chapter 7.

    Parameters
    ----------
    ids : list of int or torch.Tensor
        One sequence of token ids.
    n : int, default 4
        Length of the n-grams, >= 1.

    Returns
    -------
    float
        In ``[0, 1)``: the first n-gram can never be a repeat.

    Raises
    ------
    TypeError, ValueError
        If ``ids`` does not hold int token ids, ``n < 1``, or ``ids`` is shorter than ``n``.

    Examples
    --------
    ``a b c a b c a b c`` with n = 3: of its 7 trigrams, the last 4 repeat earlier ones.

    >>> repeated_ngram_fraction([1, 2, 3, 1, 2, 3, 1, 2, 3], n=3)
    0.5714285714285714
    """
    n = check_int("n", n, minimum=1)
    grams = _ngrams(ids, n, "ids")
    if not grams:
        raise ValueError(f"ids must hold at least n = {n} tokens, got {len(ids)}")
    seen: set[tuple[int, ...]] = set()
    repeats = 0
    for gram in grams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(grams)
