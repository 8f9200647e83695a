"""Word vectors: skip-gram with negative sampling (word2vec), trained on the small world.

A one-hot id says nothing about a word. Skip-gram learns a vector for every word by asking it to
predict the words around it: for each word (the *center*) and each word within ``window``
positions of it (the *context*), the dot product of the center's input vector and the context's
output vector should be large, and the dot products with ``negatives`` random words should be
small. Words that appear in the same contexts end up with similar vectors, and regular
differences between contexts (he/she, a town and its kingdom) become regular differences
between vectors, which is why ``king - man + woman`` lands near ``queen``.

The training follows Mikolov et al. (2013): frequent words are randomly dropped (subsampling),
the window shrinks at random so that near words count more, negative words are drawn from the
unigram distribution raised to the power 0.75, and the learning rate falls linearly to zero.
Training runs on whole batches of (center, context) pairs at once; only the rows of the two
embedding matrices that a batch touches are updated, each by the mean of its gradients in the
batch. The gradients are written out by hand (:func:`sgns_grads`), and checked against autograd
in the tests.

Introduced in chapter 3.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import torch
import torch.nn.functional as F

__all__ = [
    "Vocab",
    "WordVectors",
    "build_vocab",
    "cosine_similarity",
    "sgns_grads",
    "sgns_loss",
    "skipgram_pairs",
    "train_word_vectors",
]


def cosine_similarity(u: torch.Tensor, v: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Cosine of the angle between vectors: ``u . v / (|u| |v|)``, along the last dimension.

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
    if u.shape[-1] != v.shape[-1]:
        raise ValueError(
            f"u and v must have the same last dimension, got {u.shape[-1]} and {v.shape[-1]}"
        )
    u_norm = u.norm(dim=-1).clamp_min(eps)
    v_norm = v.norm(dim=-1).clamp_min(eps)
    return (u * v).sum(-1) / (u_norm * v_norm)


class Vocab:
    """Words seen at least ``min_count`` times, most frequent first, with their counts.

    Build it with :func:`build_vocab`. ``itos[i]`` is the word with id ``i``, ``stoi`` the
    inverse mapping, and ``counts[i]`` how often word ``i`` was seen.

    Raises
    ------
    ValueError
        If ``itos`` and ``counts`` differ in length.

    Examples
    --------
    >>> vocab = Vocab(["the", "cat"], counts=[3, 1])
    >>> len(vocab), vocab.stoi["cat"], "dog" in vocab
    (2, 1, False)

    Introduced in chapter 3.
    """

    def __init__(self, itos: Sequence[str], counts: Sequence[int]) -> None:
        if len(itos) != len(counts):
            raise ValueError(
                f"itos and counts must have the same length, got {len(itos)} and {len(counts)}"
            )
        self.itos: list[str] = list(itos)
        self.counts: list[int] = [int(c) for c in counts]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: object) -> bool:
        return word in self.stoi

    def __repr__(self) -> str:
        return f"Vocab({len(self)} words, most frequent {self.itos[:3]})"

    def encode(self, words: Iterable[str]) -> list[int]:
        """Ids of the words that are in the vocabulary; the others are dropped.

        Examples
        --------
        >>> build_vocab("a b a c".split()).encode("a c d".split())
        [0, 2]
        """
        return [self.stoi[w] for w in words if w in self.stoi]


def build_vocab(words: Sequence[str], min_count: int = 1) -> Vocab:
    """Count words and keep those seen at least ``min_count`` times, most frequent first.

    Ties are broken alphabetically, so the vocabulary does not depend on the order of the text.

    Parameters
    ----------
    words
        The training words, e.g. from :func:`stepbytoken.world.world.words`.
    min_count
        Minimum count for a word to get a vector (int >= 1).

    Returns
    -------
    Vocab

    Raises
    ------
    ValueError
        If ``min_count`` is not an int >= 1, or no word is kept.

    Examples
    --------
    >>> vocab = build_vocab("the cat saw the dog and the cat ran".split(), min_count=2)
    >>> vocab.itos, vocab.counts
    (['the', 'cat'], [3, 2])

    Introduced in chapter 3.
    """
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
    counts = Counter(words)
    kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if not kept:
        raise ValueError(
            f"no word occurs at least min_count={min_count} times in {len(words)} words; "
            "lower min_count or pass more text"
        )
    return Vocab(kept, [counts[w] for w in kept])


def skipgram_pairs(
    idx: torch.Tensor, window: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """All (center, context) pairs of a sequence, with a randomly shrunk window per center.

    Each center position ``i`` draws a window ``b`` uniformly from ``1 .. window`` and pairs
    with every position ``j != i`` such that ``|i - j| <= b``. Shrinking the window at random
    weights near words more than far ones, as word2vec does.

    Parameters
    ----------
    idx
        1-D tensor of word ids, shape (N,).
    window
        Largest distance between a center and a context word (int >= 1).
    generator
        Source of randomness for the window sizes; with ``None`` the full window is used.

    Returns
    -------
    centers, contexts : torch.Tensor
        Two 1-D tensors of the same length, grouped by distance.

    Raises
    ------
    ValueError
        If ``idx`` is not 1-D or ``window`` is not an int >= 1.

    Examples
    --------
    >>> centers, contexts = skipgram_pairs(torch.tensor([10, 11, 12]), window=1)
    >>> list(zip(centers.tolist(), contexts.tolist()))
    [(10, 11), (11, 12), (11, 10), (12, 11)]

    Introduced in chapter 3.
    """
    if idx.dim() != 1:
        raise ValueError(f"idx must be a 1-D tensor of word ids, got shape {tuple(idx.shape)}")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ValueError(f"window must be an int >= 1, got {window!r}")
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


def sgns_loss(v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor) -> torch.Tensor:
    """Skip-gram negative-sampling loss, summed over a batch.

    ``-log sigmoid(v . u_pos) - sum_k log sigmoid(-v . u_neg_k)``: the true context word
    should score high and the random ones low.

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
    pos = (v * u_pos).sum(-1)  # (B,)
    neg = torch.bmm(u_neg, v.unsqueeze(-1)).squeeze(-1)  # (B, K, dim) @ (B, dim, 1) -> (B, K)
    return -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum())


def sgns_grads(
    v: torch.Tensor, u_pos: torch.Tensor, u_neg: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The loss of :func:`sgns_loss` and its gradients, worked out by hand.

    With ``s = sigmoid``, the derivative of ``-log s(x)`` is ``s(x) - 1`` and that of
    ``-log s(-x)`` is ``s(x)``. Call them ``g_pos`` (one per pair) and ``g_neg`` (one per
    negative word); by the chain rule through the dot products:

    * ``grad_v = g_pos * u_pos + sum_k g_neg_k * u_neg_k``
    * ``grad_pos = g_pos * v``
    * ``grad_neg_k = g_neg_k * v``

    This is what autograd would compute (a test checks it), in about half the time.

    Parameters
    ----------
    v, u_pos, u_neg
        As in :func:`sgns_loss`: shapes (B, dim), (B, dim), (B, K, dim).

    Returns
    -------
    loss, grad_v, grad_pos, grad_neg : torch.Tensor
        The summed loss (a scalar) and gradients shaped like ``v``, ``u_pos``, ``u_neg``.

    Examples
    --------
    >>> loss, grad_v, _, _ = sgns_grads(torch.zeros(1, 2), torch.ones(1, 2), torch.zeros(1, 3, 2))
    >>> grad_v  # sigmoid(0) - 1 = -0.5, times u_pos
    tensor([[-0.5000, -0.5000]])

    Introduced in chapter 3.
    """
    pos = (v * u_pos).sum(-1)  # (B,)
    neg = torch.bmm(u_neg, v.unsqueeze(-1)).squeeze(-1)  # (B, K, dim) @ (B, dim, 1) -> (B, K)
    loss = -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum())
    g_pos = torch.sigmoid(pos) - 1.0  # (B,)
    g_neg = torch.sigmoid(neg)  # (B, K)
    grad_v = g_pos.unsqueeze(-1) * u_pos + torch.bmm(g_neg.unsqueeze(1), u_neg).squeeze(1)
    grad_pos = g_pos.unsqueeze(-1) * v  # (B, dim)
    grad_neg = g_neg.unsqueeze(-1) * v.unsqueeze(1)  # (B, K, 1) * (B, 1, dim) -> (B, K, dim)
    return loss, grad_v, grad_pos, grad_neg


class WordVectors:
    """Trained word vectors with similarity, nearest-neighbour and analogy queries.

    Parameters
    ----------
    vocab
        The words, one per row of ``weight``.
    weight
        The raw vectors, shape (vocab_size, dim).

    Attributes
    ----------
    vocab : Vocab
    weight : torch.Tensor
        The raw vectors; :attr:`vectors` gives them normalised to length 1.
    losses : list of float
        Mean loss per pair of each epoch of training (empty if not trained here).

    Examples
    --------
    >>> wv = WordVectors(build_vocab(["up", "down", "left"]), torch.eye(3))
    >>> wv.similarity("up", "down"), wv.nearest("up", k=1)
    (0.0, [('down', 0.0)])

    Introduced in chapter 3.
    """

    def __init__(self, vocab: Vocab, weight: torch.Tensor) -> None:
        if weight.dim() != 2 or weight.shape[0] != len(vocab):
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
        """Row of ``word``.

        Raises
        ------
        KeyError
            If the word has no vector (not seen ``min_count`` times, or not lowercase).
        """
        try:
            return self.vocab.stoi[word]
        except KeyError:
            hint = f"; try {word.lower()!r}" if word.lower() in self.vocab else ""
            raise KeyError(
                f"{word!r} is not in the vocabulary of {self.vocab_size} words (words are "
                f"lowercase and must occur at least min_count times in the training text){hint}"
            ) from None

    def __getitem__(self, word: str) -> torch.Tensor:
        """The raw vector of ``word``, shape (dim,). Raises KeyError for unknown words."""
        return self.weight[self.index(word)]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of the vectors of two words.

        Raises
        ------
        KeyError
            If either word is unknown.

        Examples
        --------
        >>> wv = WordVectors(Vocab(["cat", "dog"], [1, 1]), torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
        >>> wv.similarity("cat", "dog")
        0.707107

        Introduced in chapter 3.
        """
        return round(cosine_similarity(self[a], self[b]).item(), 6)

    def nearest(
        self, query: str | torch.Tensor, k: int = 5, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors are closest (by cosine) to a word or a vector.

        Parameters
        ----------
        query
            A word (it is left out of the answer) or a vector of shape (dim,).
        k
            How many words to return (int >= 1).
        exclude
            More words to leave out.

        Returns
        -------
        list of (word, cosine similarity)
            Best first; ties keep vocabulary order. Fewer than ``k`` when the vocabulary is
            smaller.

        Raises
        ------
        KeyError
            If ``query`` or a word of ``exclude`` is unknown.
        ValueError
            If ``k`` is not an int >= 1 or the query vector has the wrong shape.

        Examples
        --------
        >>> vocab = Vocab(["cat", "dog", "sky"], [1, 1, 1])
        >>> wv = WordVectors(vocab, torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
        >>> [word for word, _ in wv.nearest("cat", k=2)]
        ['dog', 'sky']
        >>> wv.nearest(torch.tensor([0.0, 5.0]), k=1)
        [('sky', 1.0)]

        Introduced in chapter 3.
        """
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}")
        skip = {self.index(w) for w in exclude}
        if isinstance(query, str):
            skip.add(self.index(query))
            q = self.weight[self.index(query)]
        else:
            q = torch.as_tensor(query, dtype=torch.float32)
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
        """Words ``d`` that complete ``a : b :: c : d``, nearest to ``b - a + c``.

        Vectors are normalised before the sum (3CosAdd, as in Mikolov et al.), and ``a``, ``b``
        and ``c`` themselves are excluded from the answer.

        Raises
        ------
        KeyError
            If a word is unknown.

        Examples
        --------
        >>> vocab = Vocab(["king", "queen", "man", "woman"], counts=[1, 1, 1, 1])
        >>> weight = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.1, 1.0], [0.1, -1.0]])
        >>> WordVectors(vocab, weight).analogy("king", "queen", "man")[0][0]
        'woman'

        Introduced in chapter 3.
        """
        E = self.vectors
        q = E[self.index(b)] - E[self.index(a)] + E[self.index(c)]
        return self.nearest(q, k=k, exclude=(a, b, c))

    def neighbours(
        self, words: Sequence[str] | None = None, k: int = 5
    ) -> dict[str, list[tuple[str, float]]]:
        """The ``k`` nearest words of many words at once: ``nearest(word, k)`` for each.

        Parameters
        ----------
        words
            The words to look up; ``None`` means the whole vocabulary.
        k
            Neighbours per word (int >= 1).

        Returns
        -------
        dict of str to list of (word, cosine similarity)
            In the order of ``words``; each list as :meth:`nearest` returns it.

        Raises
        ------
        KeyError
            If a word is unknown.
        ValueError
            If ``k`` is not an int >= 1.

        Examples
        --------
        >>> vocab = Vocab(["cat", "dog", "sky"], [1, 1, 1])
        >>> wv = WordVectors(vocab, torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
        >>> wv.neighbours(["cat", "sky"], k=1)
        {'cat': [('dog', 0.993884)], 'sky': [('dog', 0.110432)]}

        Introduced in chapter 3.
        """
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}")
        words = self.vocab.itos if words is None else list(words)
        ids = torch.tensor([self.index(w) for w in words], dtype=torch.long)
        E = self.vectors
        scores = E[ids] @ E.T  # (n, vocab_size)
        scores[torch.arange(len(words)), ids] = -math.inf  # a word is not its own neighbour
        k = min(k, self.vocab_size - 1)
        values, indices = torch.sort(scores, dim=1, descending=True, stable=True)
        return {
            w: [(self.vocab.itos[i], round(s, 6)) for s, i in zip(vs, js, strict=True)]
            for w, vs, js in zip(
                words, values[:, :k].tolist(), indices[:, :k].tolist(), strict=True
            )
        }

    def answer_analogies(
        self, questions: Sequence[Sequence[str]], method: str = "offset"
    ) -> list[str]:
        """The top answer to each question ``(a, b, c)``: ``a`` is to ``b`` as ``c`` is to what?

        ``method="offset"`` answers like :meth:`analogy`, with the word nearest to
        ``b - a + c``. ``method="only-c"`` is a baseline that ignores ``a`` and ``b`` and answers
        with the word nearest to ``c`` (Linzen, 2016): when it scores well, the relation need
        not be a direction in the space. Either way ``a``, ``b`` and ``c`` cannot be the answer.

        Parameters
        ----------
        questions
            Tuples ``(a, b, c)``; a fourth word (the expected answer, as in
            :meth:`evaluate_analogies`) is allowed and ignored.
        method
            ``"offset"`` or ``"only-c"``.

        Returns
        -------
        list of str
            One answer per question.

        Raises
        ------
        KeyError
            If a word is unknown.
        ValueError
            If ``method`` is unknown, a question has fewer than 3 or more than 4 words, or the
            vocabulary has no word besides ``a``, ``b`` and ``c``.

        Examples
        --------
        >>> vocab = Vocab(["king", "queen", "man", "woman", "boy"], counts=[1] * 5)
        >>> weight = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.1, 1.0], [0.1, -1.0], [0.2, 1.0]])
        >>> wv = WordVectors(vocab, weight)
        >>> wv.answer_analogies([("king", "queen", "man")])
        ['woman']
        >>> wv.answer_analogies([("king", "queen", "man", "woman")], method="only-c")
        ['boy']

        Introduced in chapter 3.
        """
        if method not in ("offset", "only-c"):
            raise ValueError(f'method must be "offset" or "only-c", got {method!r}')
        if not questions:
            return []
        rows = []
        for q in questions:
            if len(q) not in (3, 4):
                raise ValueError(f"each question must have 3 words (a, b, c), got {q!r}")
            rows.append([self.index(w) for w in q[:3]])
        if any(len(set(r)) >= self.vocab_size for r in rows):
            raise ValueError("the vocabulary has no word left to answer with")
        ids = torch.tensor(rows)  # (n, 3)
        E = self.vectors
        if method == "offset":
            q = E[ids[:, 1]] - E[ids[:, 0]] + E[ids[:, 2]]  # (n, dim)
        else:
            q = E[ids[:, 2]]
        scores = F.normalize(q, dim=-1) @ E.T  # (n, vocab_size)
        scores.scatter_(1, ids, -math.inf)
        return [self.vocab.itos[i] for i in scores.argmax(dim=1).tolist()]

    def evaluate_analogies(
        self, analogies: Sequence[Sequence[str]] | Mapping[str, Sequence[Sequence[str]]]
    ) -> dict:
        """Accuracy of :meth:`analogy` (top 1) on a set of analogies ``(a, b, c, d)``.

        Parameters
        ----------
        analogies
            A list of 4-tuples, or a mapping from relation name to such a list (then the
            result also has a per-relation breakdown). Analogies with a word outside the
            vocabulary are skipped and counted.

        Returns
        -------
        dict
            ``accuracy`` (correct / n, 0.0 when n is 0), ``n`` (analogies evaluated),
            ``correct``, ``skipped``, ``chance`` (accuracy of guessing one of the other
            ``vocab_size - 3`` words) and, for a mapping, ``by_relation``: relation -> dict
            with ``accuracy``, ``n``, ``correct``, ``skipped``.

        Raises
        ------
        ValueError
            If an analogy does not have 4 words.

        Examples
        --------
        >>> vocab = Vocab(["king", "queen", "man", "woman"], counts=[1, 1, 1, 1])
        >>> weight = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.1, 1.0], [0.1, -1.0]])
        >>> result = WordVectors(vocab, weight).evaluate_analogies(
        ...     {"gender": [("king", "queen", "man", "woman"), ("man", "woman", "boy", "girl")]})
        >>> result["accuracy"], result["n"], result["skipped"]
        (1.0, 1, 1)

        Introduced in chapter 3.
        """
        groups = dict(analogies) if isinstance(analogies, Mapping) else {"all": analogies}
        by_relation = {}
        total_correct = total_n = total_skipped = 0
        E = self.vectors
        for relation, items in groups.items():
            rows = []
            skipped = 0
            for item in items:
                if len(item) != 4:
                    raise ValueError(f"each analogy must have 4 words (a, b, c, d), got {item!r}")
                if all(w in self.vocab for w in item):
                    rows.append([self.vocab.stoi[w] for w in item])
                else:
                    skipped += 1
            correct = 0
            if rows:
                ids = torch.tensor(rows)  # (n, 4)
                q = E[ids[:, 1]] - E[ids[:, 0]] + E[ids[:, 2]]  # (n, dim)
                scores = F.normalize(q, dim=-1) @ E.T  # (n, vocab_size)
                scores.scatter_(1, ids[:, :3], -math.inf)
                correct = int((scores.argmax(dim=1) == ids[:, 3]).sum())
            n = len(rows)
            by_relation[relation] = {
                "accuracy": correct / n if n else 0.0,
                "n": n,
                "correct": correct,
                "skipped": skipped,
            }
            total_correct += correct
            total_n += n
            total_skipped += skipped
        result = {
            "accuracy": total_correct / total_n if total_n else 0.0,
            "n": total_n,
            "correct": total_correct,
            "skipped": total_skipped,
            "chance": 1 / max(self.vocab_size - 3, 1),
        }
        if isinstance(analogies, Mapping):
            result["by_relation"] = by_relation
        return result


def train_word_vectors(
    words: Sequence[str],
    *,
    dim: int = 64,
    window: int = 2,
    negatives: int = 5,
    epochs: int = 5,
    lr: float = 0.1,
    min_count: int = 5,
    subsample: float = 1e-3,
    batch_size: int = 1024,
    seed: int = 0,
    progress: bool = False,
) -> WordVectors:
    """Train skip-gram word vectors with negative sampling.

    Parameters
    ----------
    words
        The training text as a list of words (e.g. :func:`stepbytoken.world.world.words`).
    dim
        Length of each word vector.
    window
        Largest distance between a center word and a context word.
    negatives
        Random negative words per (center, context) pair, drawn from unigram counts ** 0.75.
    epochs
        Passes over the text.
    lr
        Starting learning rate of plain SGD; it falls linearly to 0. Each row of the two
        embedding matrices moves by ``lr`` times the mean of its gradients in the batch.
    min_count
        Words seen fewer times get no vector and are removed from the text.
    subsample
        Threshold ``t`` for dropping frequent words: a word of frequency ``f`` is kept with
        probability ``min(1, sqrt(t / f) + t / f)``. ``0`` keeps every word.
    batch_size
        Pairs per update.
    seed
        Seeds the initial vectors, subsampling, windows, negatives and order (results are
        reproducible on CPU).
    progress
        Show a progress bar (tqdm) over epochs.

    Training runs on one CPU thread (the previous setting is restored afterwards): the batches
    are small, so more threads only add overhead, and on a busy machine a lot of it.

    Returns
    -------
    WordVectors
        The input (center) vectors, with ``losses`` holding the mean loss per pair of each
        epoch.

    Raises
    ------
    ValueError
        If an argument is out of range or the text has fewer than two words in the vocabulary.
    TypeError
        If ``words`` is a str rather than a list of words.
    FloatingPointError
        If the loss stops being finite (learning rate too large).

    Examples
    --------
    >>> text = "the cat sat on the mat . the dog sat on the rug .".split() * 20
    >>> wv = train_word_vectors(text, dim=8, epochs=2, min_count=1, seed=0)
    >>> wv.vocab_size, wv.dim, len(wv.losses)
    (8, 8, 2)

    Introduced in chapter 3.
    """
    for label, value in (("dim", dim), ("window", window), ("negatives", negatives),
                         ("epochs", epochs), ("batch_size", batch_size)):  # fmt: skip
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{label} must be an int >= 1, got {value!r}")
    if not (isinstance(lr, (int, float)) and 0 < lr < math.inf):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not (isinstance(subsample, (int, float)) and subsample >= 0):
        raise ValueError(f"subsample must be a number >= 0 (0 turns it off), got {subsample!r}")
    if isinstance(words, str):
        raise TypeError("words must be a list of words, not a str; split it with world.words()")
    vocab = build_vocab(words, min_count=min_count)
    idx = torch.tensor(vocab.encode(words), dtype=torch.long)
    if idx.numel() < 2:
        raise ValueError(f"need at least 2 words in the vocabulary to train, got {idx.numel()}")
    V = len(vocab)
    counts = torch.tensor(vocab.counts, dtype=torch.float64)
    freq = counts / counts.sum()
    if subsample > 0:
        keep_prob = ((subsample / freq).sqrt() + subsample / freq).clamp(max=1.0).float()
    else:
        keep_prob = torch.ones(V)
    neg_probs = (counts**0.75 / (counts**0.75).sum()).float()

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the matrices are small: threads only add overhead and noise
    try:
        wv = _train(idx, vocab, keep_prob, neg_probs, dim, window, negatives, epochs, lr,
                    batch_size, seed, progress)  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    return wv


def _train(
    idx: torch.Tensor,
    vocab: Vocab,
    keep_prob: torch.Tensor,
    neg_probs: torch.Tensor,
    dim: int,
    window: int,
    negatives: int,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    progress: bool,
) -> WordVectors:
    """The training loop of :func:`train_word_vectors` (arguments already checked)."""
    V = len(vocab)
    g = torch.Generator().manual_seed(seed)
    W_in = (torch.rand(V, dim, generator=g) - 0.5) / dim  # input (center) vectors
    W_out = torch.zeros(V, dim)  # output (context) vectors

    # Estimate the number of updates so that the learning rate reaches 0 at the very end.
    expected_pairs = float((keep_prob[idx].sum() * (window + 1)).item())
    total_steps = max(1, epochs * math.ceil(expected_pairs / batch_size))
    step = 0
    losses = []
    bar = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(bar, desc="epochs")
    for _ in bar:
        kept = idx[torch.rand(idx.numel(), generator=g) < keep_prob[idx]]
        centers, contexts = skipgram_pairs(kept, window, g)
        order = torch.randperm(centers.numel(), generator=g)
        centers, contexts = centers[order], contexts[order]
        negs = torch.multinomial(
            neg_probs, centers.numel() * negatives, replacement=True, generator=g
        )
        negs = negs.view(-1, negatives)  # (P, K)
        epoch_loss = 0.0
        for start in range(0, centers.numel(), batch_size):
            c = centers[start : start + batch_size]  # (B,)
            o = contexts[start : start + batch_size]  # (B,)
            n = negs[start : start + batch_size]  # (B, K)
            v = F.embedding(c, W_in)  # (B, dim)
            u_pos = F.embedding(o, W_out)  # (B, dim)
            u_neg = F.embedding(n, W_out)  # (B, K, dim)
            loss, grad_v, grad_pos, grad_neg = sgns_grads(v, u_pos, u_neg)
            rate = lr * max(1.0 - step / total_steps, 1e-4)
            # SGD on just the rows this batch used. A word seen many times in one batch gets the
            # mean of its gradients, not their sum, so its step stays small in large batches.
            seen_in = torch.bincount(c, minlength=V).clamp_min(1).unsqueeze(-1)  # (V, 1)
            seen_out = torch.bincount(torch.cat([o, n.reshape(-1)]), minlength=V)
            seen_out = seen_out.clamp_min(1).unsqueeze(-1)  # (V, 1)
            grad_v = grad_v / seen_in[c]
            grad_pos = grad_pos / seen_out[o]
            grad_neg = grad_neg / seen_out[n]  # (B, K, dim) / (B, K, 1)
            W_in.index_add_(0, c, grad_v, alpha=-rate)
            W_out.index_add_(0, o, grad_pos, alpha=-rate)
            W_out.index_add_(0, n.reshape(-1), grad_neg.reshape(-1, dim), alpha=-rate)
            epoch_loss += loss.item()
            step += 1
        if not math.isfinite(epoch_loss):
            raise FloatingPointError(
                f"training diverged (the loss became {epoch_loss}); lower lr (got {lr})"
            )
        losses.append(epoch_loss / max(centers.numel(), 1))
    wv = WordVectors(vocab, W_in)
    wv.losses = losses
    return wv
