"""Trained word vectors and the questions one asks of them: similarity, neighbours, analogies.

Vectors are compared by cosine similarity, so only their directions matter. An analogy
``a : b :: c : ?`` is answered by the word nearest to ``b - a + c`` (3CosAdd, Mikolov et al.,
2013), with the three question words excluded.

Introduced in chapter 3.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch
import torch.nn.functional as F

from stepbytoken.checks import (
    check_float,
    check_int,
    check_str,
    check_strings,
    check_tensor,
)
from stepbytoken.tokenizers import WordVocab


def cosine_similarity(
    u: torch.Tensor, v: torch.Tensor, eps: float = 1e-8
) -> torch.Tensor:
    """Cosine of the angle between vectors, ``u . v / (|u| |v|)``, along the last dimension.

    Parameters
    ----------
    u, v
        Tensors whose last dimensions match; other dimensions broadcast.
    eps
        Lower bound on each norm, so that a zero vector gives 0 rather than NaN.

    Returns
    -------
    torch.Tensor
        Values in [-1, 1], with the broadcast shape of ``u`` and ``v`` minus the last dimension.

    Raises
    ------
    ValueError
        If the last dimensions differ.

    Examples
    --------
    >>> cosine_similarity(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0]))
    tensor(0.7071)

    Introduced in chapter 3.
    """
    check_tensor("u", u, integer=False)
    check_tensor("v", v, integer=False)
    eps = check_float("eps", eps, minimum=0, open_minimum=True)
    if u.dim() == 0 or v.dim() == 0 or u.shape[-1] != v.shape[-1]:
        raise ValueError(
            f"u and v must have the same last dimension, got shapes {tuple(u.shape)} and "
            f"{tuple(v.shape)}"
        )
    u_norm = u.norm(dim=-1).clamp_min(eps)
    v_norm = v.norm(dim=-1).clamp_min(eps)
    return (u * v).sum(-1) / (u_norm * v_norm)


class UnknownWordError(KeyError, ValueError):
    """A word that has no vector: a ``KeyError`` (a failed look-up) and a ``ValueError``.

    Introduced in chapter 3.
    """

    def __str__(self) -> str:  # the message, not the repr a KeyError shows
        return str(self.args[0]) if self.args else ""


class WordVectors:
    """One vector per word of a vocabulary, with similarity, neighbour and analogy queries.

    Parameters
    ----------
    vocab
        The words, one per row of ``weight``.
    weight
        The raw vectors, shape (vocab_size, dim); :attr:`vectors` gives them at length 1.

    Attributes
    ----------
    losses : list of float
        Mean loss per pair of each training epoch (empty if not trained here).

    Raises
    ------
    ValueError
        If ``weight`` is not of shape (len(vocab), dim).

    Examples
    --------
    >>> wv = WordVectors(WordVocab(["up", "down", "left"]), torch.eye(3))
    >>> wv.similarity("up", "down"), wv.nearest("up", k=1)
    (0.0, [('down', 0.0)])

    Introduced in chapter 3.
    """

    def __init__(self, vocab: WordVocab, weight: torch.Tensor) -> None:
        if not isinstance(vocab, WordVocab):
            raise TypeError(f"vocab must be a WordVocab, got {type(vocab).__name__}")
        check_tensor("weight", weight, dims=2)
        if not weight.is_floating_point():
            raise ValueError(
                f"weight must be a floating tensor, got dtype {weight.dtype}"
            )
        if weight.shape[0] != len(vocab):
            raise ValueError(
                f"weight must have shape (vocab_size={len(vocab)}, dim), got {tuple(weight.shape)}"
            )
        self.vocab = vocab
        self.weight = weight.detach().float()
        self.losses: list[float] = []

    @property
    def vocab_size(self) -> int:
        """Number of words."""
        return len(self.vocab)

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return self.weight.shape[1]

    @property
    def vectors(self) -> torch.Tensor:
        """All vectors, normalised to length 1, shape (vocab_size, dim)."""
        return F.normalize(self.weight, dim=-1)

    def __len__(self) -> int:
        return len(self.vocab)

    def __contains__(self, word: object) -> bool:
        return word in self.vocab

    def __repr__(self) -> str:
        return f"WordVectors({self.vocab_size} words, dim={self.dim})"

    def index(self, word: str) -> int:
        """Row of ``word``; :class:`UnknownWordError` (with a hint for capitalised words) if none.

        Raises ``TypeError`` if ``word`` is not a str.
        """
        try:
            return self.vocab.stoi[check_str("word", word)]
        except KeyError:
            hint = f"; try {word.lower()!r}" if word.lower() in self.vocab else ""
            raise UnknownWordError(
                f"word {word!r} is not in the vocabulary of {self.vocab_size} words (words are "
                f"lowercase and must occur at least min_count times in the training text){hint}"
            ) from None

    def _row(self, name: str, word: object) -> int:
        """:meth:`index`, with errors that name the caller's argument."""
        try:
            return self.index(word)  # type: ignore[arg-type]
        except UnknownWordError as err:
            raise UnknownWordError(f"{name}: {err}") from None
        except TypeError:
            raise TypeError(
                f"{name} must be a str, got {type(word).__name__}"
            ) from None

    def __getitem__(self, word: str) -> torch.Tensor:
        """The raw vector of ``word``, shape (dim,)."""
        return self.weight[self.index(word)]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of the vectors of two words, rounded to 6 decimals.

        Examples
        --------
        >>> wv = WordVectors(WordVocab(["cat", "dog"]), torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
        >>> wv.similarity("cat", "dog")
        0.707107
        """
        a_row, b_row = self._row("a", a), self._row("b", b)
        return round(
            cosine_similarity(self.weight[a_row], self.weight[b_row]).item(), 6
        )

    def nearest(
        self, query: str | torch.Tensor, k: int = 5, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors are closest (by cosine) to a word or a vector.

        Parameters
        ----------
        query
            A word (left out of the answer) or a vector of shape (dim,).
        k
            How many words to return (int >= 1); fewer if the vocabulary is smaller.
        exclude
            More words to leave out.

        Returns
        -------
        list of (word, cosine similarity)
            Best first; ties keep vocabulary order.

        Raises
        ------
        KeyError
            If ``query`` or a word of ``exclude`` is unknown.
        ValueError
            If ``k`` is not an int >= 1 or the query vector has the wrong shape.

        Examples
        --------
        >>> vocab = WordVocab(["cat", "dog", "sky"])
        >>> wv = WordVectors(vocab, torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
        >>> [word for word, _ in wv.nearest("cat", k=2)], wv.nearest(torch.tensor([0.0, 5.0]), k=1)
        (['dog', 'sky'], [('sky', 1.0)])
        """
        k = check_int("k", k, minimum=1)
        skip = {self._row("exclude", w) for w in check_strings("exclude", exclude)}
        if isinstance(query, str):
            skip.add(self._row("query", query))
            q = self.weight[self._row("query", query)]
        else:
            check_tensor("query", query, dims=1, integer=False)
            q = query.float()
            if q.shape != (self.dim,):
                raise ValueError(
                    f"query vector must have shape ({self.dim},), got {tuple(q.shape)}"
                )
        scores = self.vectors @ F.normalize(q, dim=0)  # (vocab_size,)
        if skip:
            scores[list(skip)] = -math.inf
        values, indices = torch.sort(scores, descending=True, stable=True)
        k = min(k, self.vocab_size - len(skip))
        return [
            (self.vocab.itos[i], round(s, 6))
            for s, i in zip(values[:k].tolist(), indices[:k].tolist(), strict=True)
        ]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """Words ``d`` that complete ``a : b :: c : d``: nearest to ``b - a + c`` (unit vectors).

        Examples
        --------
        >>> vocab = WordVocab(["king", "queen", "man", "woman"])
        >>> weight = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.1, 1.0], [0.1, -1.0]])
        >>> WordVectors(vocab, weight).analogy("king", "queen", "man")[0][0]
        'woman'
        """
        E = self.vectors
        q = E[self._row("b", b)] - E[self._row("a", a)] + E[self._row("c", c)]
        return self.nearest(q, k=k, exclude=(a, b, c))

    def neighbours(
        self, words: Sequence[str] | None = None, k: int = 5
    ) -> dict[str, list[tuple[str, float]]]:
        """``nearest(word, k)`` for many words at once (all of them when ``words`` is None).

        Examples
        --------
        >>> vocab = WordVocab(["cat", "dog", "sky"])
        >>> wv = WordVectors(vocab, torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
        >>> wv.neighbours(["cat", "sky"], k=1)
        {'cat': [('dog', 0.993884)], 'sky': [('dog', 0.110432)]}
        """
        k = check_int("k", k, minimum=1)
        words = self.vocab.itos if words is None else check_strings("words", words)
        ids = torch.tensor([self._row("words", w) for w in words], dtype=torch.long)
        E = self.vectors
        scores = E[ids] @ E.T  # (n, vocab_size)
        # a word is not its own neighbour
        scores[torch.arange(len(words)), ids] = -math.inf
        k = min(k, self.vocab_size - 1)
        values, indices = torch.sort(scores, dim=1, descending=True, stable=True)
        return {
            w: [(self.vocab.itos[i], round(s, 6)) for s, i in zip(vs, js, strict=True)]
            for w, vs, js in zip(
                words, values[:, :k].tolist(), indices[:, :k].tolist(), strict=True
            )
        }
