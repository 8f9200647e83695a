"""Count-based n-gram language models: the next token's probability from counts.

An n-gram model predicts token ``t`` from the ``n - 1`` tokens before it, by counting how
often each token followed that context in the training text. Two ways of handling contexts
that were never seen are implemented:

* ``"add-k"``: pretend every token was seen ``k`` extra times after every context (Laplace
  smoothing when ``k = 1``);
* ``"interpolated"``: mix the estimates of every order from unigram up to ``n``, giving the
  weight of orders whose context was never seen to the shorter ones (Jelinek-Mercer style).

Introduced in chapter 1.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_int,
    check_targets,
    check_tensor,
    check_token_ids,
)

SMOOTHINGS = ("add-k", "interpolated")


class NGramModel:
    """An n-gram language model over integer token ids.

    Follows :class:`~stepbytoken.nn.interface.LanguageModel`: calling it gives the logarithm
    of :meth:`next_token_probs` at every position as logits.

    Introduced in chapter 1.

    Parameters
    ----------
    order
        ``n``: the model conditions on the ``n - 1`` previous tokens (1 = unigram).
    vocab_size
        Number of distinct token ids; ids must be in ``0 .. vocab_size - 1``.
    smoothing
        ``"add-k"`` or ``"interpolated"`` (see the module docstring).
    k
        The pseudo-count of add-k smoothing, also used for the unigram of the interpolated
        model so that no token has probability zero.
    lambdas
        Interpolation weights from unigram to order ``n`` (normalised to sum to 1); by default
        each order weighs twice the one below it.

    Examples
    --------
    >>> model = NGramModel(order=2, vocab_size=3, smoothing="add-k", k=1.0).fit([0, 1, 0, 1, 0, 2])
    >>> [round(float(p), 3) for p in model.next_token_probs([0])]
    [0.167, 0.5, 0.333]
    """

    def __init__(
        self,
        order: int,
        vocab_size: int,
        *,
        smoothing: str = "interpolated",
        k: float = 0.1,
        lambdas: Sequence[float] | None = None,
    ) -> None:
        check_int("order", order, minimum=1)
        check_int("vocab_size", vocab_size, minimum=1)
        check_choice("smoothing", smoothing, SMOOTHINGS)
        check_float("k", k, minimum=0, open_minimum=True)
        if lambdas is None:
            lambdas = [2.0**m for m in range(order)]
        if isinstance(lambdas, (str, bytes)) or not isinstance(lambdas, Sequence):
            raise TypeError(
                f"lambdas must be a sequence of {order} weights, got {type(lambdas).__name__}"
            )
        lambdas = [
            check_float(f"lambdas[{m}]", w, minimum=0) for m, w in enumerate(lambdas)
        ]
        if len(lambdas) != order or sum(lambdas) <= 0:
            raise ValueError(
                f"lambdas must be {order} finite non-negative weights, not all 0, got {lambdas!r}"
            )
        self.order = order
        self.vocab_size = vocab_size
        self.smoothing = smoothing
        self.k = float(k)
        total = sum(lambdas)
        if not math.isfinite(total):
            raise ValueError(f"lambdas must have a finite sum, got {lambdas!r}")
        self.lambdas = [w / total for w in lambdas]
        # counts[m][context] counts the tokens that followed ``context`` (a tuple of m ids).
        self.counts: list[dict[tuple[int, ...], Counter[int]]] = [
            defaultdict(Counter) for _ in range(order)
        ]
        self._n_tokens = 0
        self._totals: list[dict[tuple[int, ...], int]] = [{} for _ in range(order)]
        self._unigram = np.full(vocab_size, self.k)  # unigram counts + k, kept by fit

    @property
    def block_size(self) -> int:
        """How many previous tokens the model looks at (``order - 1``, at least 1)."""
        return max(self.order - 1, 1)

    def _ids(self, name: str, ids: object) -> list[int]:
        """``ids`` (a sequence or 1-D tensor of ints) as a list, checked against the vocabulary."""
        if isinstance(ids, torch.Tensor):
            ids = check_tensor(name, ids, dims=1, integer=True).tolist()
        elif isinstance(ids, np.ndarray):
            if ids.ndim != 1 or ids.dtype.kind not in "iu":
                raise ValueError(
                    f"{name} must be a 1-D array of integer ids, got {ids.dtype} of shape "
                    f"{ids.shape}"
                )
            ids = ids.tolist()
        elif isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
            raise TypeError(
                f"{name} must be a sequence of int token ids, got {type(ids).__name__}"
            )
        out = list(ids)
        if not all(type(i) is int for i in out):  # a fast path for plain ints
            out = [check_int(f"{name}[{t}]", i) for t, i in enumerate(out)]
        if out and not 0 <= min(out) <= max(out) < self.vocab_size:
            raise ValueError(
                f"{name} must hold token ids in [0, {self.vocab_size}), "
                f"got values from {min(out)} to {max(out)}"
            )
        return out

    def _context(self, context: object) -> tuple[int, ...]:
        """The checked last ``order - 1`` ids of ``context``."""
        ids = self._ids("context", context)
        return tuple(ids[max(len(ids) - (self.order - 1), 0) :])

    def fit(self, ids: Sequence[int]) -> NGramModel:
        """Count every n-gram of every order up to ``order`` in ``ids``; returns ``self``.

        Raises ``TypeError``/``ValueError`` unless ``ids`` holds ints in ``[0, vocab_size)``.
        """
        ids = self._ids("ids", ids)
        for m in range(self.order):
            # every (m + 1)-gram, counted at once; contexts and tokens keep first-seen order
            grams = Counter(
                zip(*(ids[i : len(ids) - m + i] for i in range(m + 1)), strict=True)
            )
            counts = self.counts[m]
            # [0, 1, 0, 1], m = 1: (0,): {1: 2}, (1,): {0: 1}
            for gram, count in grams.items():
                counts[gram[:-1]][gram[-1]] += count
        self._n_tokens = sum(self.counts[0][()].values())
        self._totals = [
            {ctx: sum(c.values()) for ctx, c in counts.items()}
            for counts in self.counts
        ]
        # counts + k, for next_token_probs
        self._unigram = np.full(self.vocab_size, self.k)
        for token, count in self.counts[0][()].items():
            self._unigram[token] += count
        return self

    def _order_probs(self, m: int, context: tuple[int, ...]) -> np.ndarray | None:
        """Maximum-likelihood distribution after the last ``m`` tokens, or None if unseen."""
        counter = self.counts[m].get(context[len(context) - m :] if m else ())
        if not counter:
            return None
        probs = np.zeros(self.vocab_size)
        probs[list(counter.keys())] = list(counter.values())
        return probs / probs.sum()

    def next_token_probs(self, context: Sequence[int]) -> np.ndarray:
        """The model's distribution over the next token after ``context``.

        Parameters
        ----------
        context
            Previous token ids; only the last ``order - 1`` are used.

        Returns
        -------
        numpy.ndarray
            Shape ``(vocab_size,)``, non-negative, sums to 1.
        """
        context = self._context(context)
        if self.smoothing == "add-k":
            counter = self.counts[len(context)].get(context, Counter())
            probs = np.full(self.vocab_size, self.k)
            probs[list(counter.keys())] += list(counter.values())
            return probs / probs.sum()
        unigram = self._unigram
        mixture = self.lambdas[0] * unigram / unigram.sum()
        weight_left = 1.0 - self.lambdas[0]
        for m in range(len(context), 0, -1):  # longest context first
            probs = self._order_probs(m, context)
            if probs is not None:
                share = self.lambdas[m] / sum(self.lambdas[1 : m + 1]) * weight_left
                mixture += share * probs
                weight_left -= share
        mixture += weight_left * unigram / unigram.sum()
        return mixture

    def prob(self, context: Sequence[int], token: int) -> float:
        """Probability of one ``token`` after ``context``: ``next_token_probs()[token]``.

        Examples
        --------
        >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 0, 1, 0, 2])
        >>> bool(abs(model.prob([0], 1) - model.next_token_probs([0])[1]) < 1e-12)
        True
        """
        context = self._context(context)
        token = check_int("token", token, minimum=0, maximum=self.vocab_size - 1)
        return self._prob(context, token)

    def _prob(self, context: tuple[int, ...], token: int) -> float:
        """:meth:`prob` for a checked context (at most ``order - 1`` ids) and token."""
        if self.smoothing == "add-k":
            counter = self.counts[len(context)].get(context)
            if not counter:  # an unseen context: k for every token
                return self.k / (self.k * self.vocab_size)
            # sum(counter.values()), kept by fit
            total = self._totals[len(context)][context]
            return (counter[token] + self.k) / (total + self.k * self.vocab_size)
        unigram = self.counts[0][()]
        p_unigram = (unigram[token] + self.k) / (
            self._n_tokens + self.k * self.vocab_size
        )
        total = self.lambdas[0] * p_unigram
        weight_left = 1.0 - self.lambdas[0]
        for m in range(len(context), 0, -1):
            suffix = context[len(context) - m :]
            counter = self.counts[m].get(suffix)
            if counter:
                share = self.lambdas[m] / sum(self.lambdas[1 : m + 1]) * weight_left
                total += share * counter[token] / self._totals[m][suffix]
                weight_left -= share
        return total + weight_left * p_unigram

    def token_probs(self, ids: Sequence[int]) -> np.ndarray:
        """Probability of each of ``ids[1:]`` given the tokens before it.

        Examples
        --------
        >>> model = NGramModel(order=2, vocab_size=3, smoothing="add-k", k=1.0).fit([0, 1, 0, 1])
        >>> model.token_probs([0, 1, 0]).round(3).tolist()
        [0.6, 0.5]
        """
        ids = self._ids("ids", ids)  # checked once, not at every position
        n_ctx = self.order - 1
        probs = [
            self._prob(tuple(ids[max(t - n_ctx, 0) : t]), ids[t])
            for t in range(1, len(ids))
        ]
        return np.array(probs, dtype=np.float64)

    def __call__(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Log-probabilities as logits, ``(B, T) -> (B, T, vocab_size)``, and the loss if asked.

        Examples
        --------
        >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 2, 0, 1, 2])
        >>> logits, _ = model(torch.tensor([[0, 1]]))
        >>> logits.exp().sum(dim=-1)
        tensor([[1., 1.]])
        """
        check_tensor("idx", idx, dims=2, integer=True)
        check_token_ids("idx", idx, self.vocab_size)
        if targets is not None:
            check_targets(targets, idx.shape, self.vocab_size)
        rows = idx.tolist()
        logits = torch.empty(len(rows), idx.shape[1], self.vocab_size)
        for b, row in enumerate(rows):
            for t in range(len(row)):
                logits[b, t] = torch.from_numpy(
                    np.log(self.next_token_probs(row[: t + 1]))
                )
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, self.vocab_size),
                targets.reshape(-1).long(),
                ignore_index=-1,
            )
        return logits, loss
