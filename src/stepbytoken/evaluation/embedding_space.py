"""Measuring an embedding space by its neighbours: what stays near what, and what agrees.

Each function takes similarity matrices or word vectors and returns one number, so that two
spaces (word vectors and a model's token embeddings, or vectors and their 2-D map) can be
compared on the same footing.

Introduced in chapter 3.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from stepbytoken.checks import check_instance, check_int, check_strings, check_tensor
from stepbytoken.nn import WordVectors
from stepbytoken.tokenizers import WordVocab


def _check_square(name: str, similarity: torch.Tensor) -> torch.Tensor:
    check_tensor(name, similarity, dims=2, integer=False)
    if similarity.shape[0] != similarity.shape[1] or similarity.shape[0] < 2:
        raise ValueError(
            f"{name} must be a square (n, n) matrix with n >= 2, got shape "
            f"{tuple(similarity.shape)}"
        )
    return similarity


def nearest_neighbours(similarity: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Each row's ``k`` most similar other rows, most similar first.

    Parameters
    ----------
    similarity
        Pairwise similarities, shape (n, n): ``E @ E.T`` for unit vectors (cosine), or
        ``-torch.cdist(x, x)`` to rank by distance. Left unchanged.
    k
        Neighbours per row, between 1 and n - 1.

    Returns
    -------
    torch.Tensor
        Indices of shape (n, k); a row is never its own neighbour.

    Examples
    --------
    >>> x = torch.tensor([[0.0], [1.0], [3.0]])
    >>> nearest_neighbours(-torch.cdist(x, x), k=1).tolist()
    [[1], [0], [1]]

    Introduced in chapter 3.
    """
    similarity = _check_square("similarity", similarity)
    k = check_int("k", k, minimum=1, maximum=len(similarity) - 1)
    return similarity.clone().fill_diagonal_(-math.inf).topk(k, dim=1).indices


def neighbour_overlap(a: torch.Tensor, b: torch.Tensor) -> float:
    """The share of each row's neighbours in ``a`` that are also among its neighbours in ``b``.

    Parameters
    ----------
    a, b
        Neighbour indices of the same rows, shape (n, k), as :func:`nearest_neighbours`
        returns them for two spaces.

    Returns
    -------
    float
        In [0, 1]: 1 when every row has the same neighbours in both spaces; about
        ``k / (n - 1)`` for unrelated spaces.

    Examples
    --------
    >>> neighbour_overlap(torch.tensor([[1, 2], [0, 2]]), torch.tensor([[2, 3], [3, 4]]))
    0.25

    Introduced in chapter 3.
    """
    check_tensor("a", a, dims=2, integer=True)
    check_tensor("b", b, dims=2, integer=True)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    # (n, k): a's neighbour found in b
    kept = (a.unsqueeze(2) == b.unsqueeze(1)).any(dim=2)
    return kept.float().mean().item()


def similarity_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    """Pearson correlation of two spaces' similarities over all pairs of different rows.

    Parameters
    ----------
    a, b
        Pairwise similarities of the same n rows in two spaces, shape (n, n) each (only the
        pairs ``i < j`` are read).

    Returns
    -------
    float
        1 when the two spaces rank every pair alike, up to a linear rescaling.

    Examples
    --------
    >>> x = torch.tensor([[0.0], [1.0], [3.0]])
    >>> round(similarity_correlation(-torch.cdist(x, x), -2 * torch.cdist(x, x)), 4)
    1.0

    Introduced in chapter 3.
    """
    _check_square("a", a)
    _check_square("b", b)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    i, j = torch.triu_indices(len(a), len(a), offset=1)
    return torch.corrcoef(torch.stack([a[i, j], b[i, j]]))[0, 1].item()


def same_label_share(
    wv: WordVectors, labels: Mapping[str, Hashable], k: int = 10
) -> float:
    """Among the ``k`` labelled words nearest to each labelled word, the share with its label.

    Only words that have a vector take part; neighbours are searched among them by cosine.

    Parameters
    ----------
    wv
        Word vectors.
    labels
        Word -> label (e.g. each person's name -> gender).
    k
        Neighbours per word, fewer than the labelled words with a vector.

    Returns
    -------
    float
        In [0, 1]; compare with the share of same-label pairs among all pairs.

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> weight = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> wv = WordVectors(WordVocab(["ann", "eve", "bob", "tom"]), weight)
    >>> same_label_share(wv, {"ann": "f", "eve": "f", "bob": "m", "tom": "m", "zoe": "f"}, k=1)
    1.0

    Introduced in chapter 3.
    """
    label = {w: lab for w, lab in labels.items() if w in wv}
    words = list(label)
    if len(words) < 2:
        raise ValueError(
            f"labels must name at least 2 words that have vectors, got {words}"
        )
    ids = torch.tensor([wv.index(w) for w in words])
    vectors = wv.vectors[ids]  # (n_words, dim), unit rows
    nearest = nearest_neighbours(vectors @ vectors.T, k).tolist()
    same = [
        label[words[j]] == label[w]
        for w, row in zip(words, nearest, strict=True)
        for j in row
    ]
    return float(np.mean(same))


def offset_consistency(wv: WordVectors, pairs: Sequence[tuple[str, str]]) -> float:
    """Mean cosine between the offsets ``b - a`` of two different pairs ``(a, b)`` of a relation.

    Near 1 when the relation is one direction in the space; near 0 for unrelated directions.

    Parameters
    ----------
    wv
        Word vectors (offsets are taken between unit vectors).
    pairs
        At least two pairs of words.

    Returns
    -------
    float

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> weight = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.1], [0.1, 2.0]])
    >>> wv = WordVectors(WordVocab(["man", "woman", "king", "queen"]), weight)
    >>> round(offset_consistency(wv, [("man", "woman"), ("king", "queen")]), 3)
    1.0

    Introduced in chapter 3.
    """
    n = len(pairs)
    if n < 2:
        raise ValueError(f"pairs must hold at least 2 pairs, got {n}")
    E = wv.vectors
    offsets = torch.stack([E[wv.index(b)] - E[wv.index(a)] for a, b in pairs])
    offsets = F.normalize(offsets, dim=1)  # (n_pairs, dim)
    return ((offsets @ offsets.T).sum().item() - n) / (n * (n - 1))


def word_token_vectors(words: Sequence[str], tokens: WordVectors) -> WordVectors:
    """The vectors of the ``words`` that are single tokens, written ``" word"`` or ``" Word"``.

    A tokenizer that keeps the space before a word makes ``" king"`` one token; this finds the
    token of each lowercase word, so that word vectors and a model's token embeddings can be
    compared word by word.

    Parameters
    ----------
    words
        Lowercase words, e.g. ``wv.vocab.itos``.
    tokens
        One vector per token, named by the token's text (e.g. a model's embedding table).

    Returns
    -------
    WordVectors
        One row per word that has a token (``" word"`` preferred), in the order of ``words``.

    Examples
    --------
    >>> tokens = WordVectors(WordVocab([" king", " Mira", "ing"]), torch.eye(3))
    >>> word_token_vectors(["king", "mira", "sing"], tokens).vocab.itos
    ['king', 'mira']

    Introduced in chapter 3.
    """
    words = check_strings("words", words)
    check_instance("tokens", tokens, WordVectors)
    token_of = {}
    for w in words:
        forms = [t for t in (" " + w, " " + w.capitalize()) if t in tokens]
        if forms:
            token_of[w] = forms[0]
    rows = [tokens.index(t) for t in token_of.values()]
    return WordVectors(WordVocab(list(token_of)), tokens.weight[rows])
