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

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from stepbytoken.checks import check_choice, check_float, check_int, check_tensor

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
        if len(lambdas) != order or any(w < 0 for w in lambdas) or sum(lambdas) <= 0:
            raise ValueError(f"lambdas must be {order} non-negative weights, got {lambdas!r}")
        self.order = order
        self.vocab_size = vocab_size
        self.smoothing = smoothing
        self.k = float(k)
        self.lambdas = [w / sum(lambdas) for w in lambdas]
        # counts[m][context] counts the tokens that followed ``context`` (a tuple of m ids).
        self.counts: list[dict[tuple[int, ...], Counter[int]]] = [
            defaultdict(Counter) for _ in range(order)
        ]
        self._n_tokens = 0
        self._totals: list[dict[tuple[int, ...], int]] = [{} for _ in range(order)]

    @property
    def block_size(self) -> int:
        """How many previous tokens the model looks at (``order - 1``, at least 1)."""
        return max(self.order - 1, 1)

    def fit(self, ids: Sequence[int]) -> NGramModel:
        """Count every n-gram of every order up to ``order`` in ``ids``; returns ``self``."""
        ids = [int(i) for i in ids]
        if ids and not 0 <= min(ids) <= max(ids) < self.vocab_size:
            raise ValueError(f"token ids must be in 0..{self.vocab_size - 1}")
        for t, token in enumerate(ids):
            for m in range(min(self.order, t + 1)):
                self.counts[m][tuple(ids[t - m : t])][token] += 1
        self._n_tokens = sum(self.counts[0][()].values())
        self._totals = [
            {ctx: sum(c.values()) for ctx, c in counts.items()} for counts in self.counts
        ]
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
        context = tuple(int(i) for i in context)[max(len(context) - (self.order - 1), 0) :]
        if self.smoothing == "add-k":
            counter = self.counts[len(context)].get(context, Counter())
            probs = np.full(self.vocab_size, self.k)
            probs[list(counter.keys())] += list(counter.values())
            return probs / probs.sum()
        unigram = np.full(self.vocab_size, self.k)
        for token, count in self.counts[0][()].items():
            unigram[token] += count
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
        """Probability of one ``token`` after ``context`` (same as ``next_token_probs()[token]``).

        Examples
        --------
        >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 0, 1, 0, 2])
        >>> bool(abs(model.prob([0], 1) - model.next_token_probs([0])[1]) < 1e-12)
        True
        """
        context = tuple(int(i) for i in context)[max(len(context) - (self.order - 1), 0) :]
        token = int(token)
        if self.smoothing == "add-k":
            counter = self.counts[len(context)].get(context, Counter())
            return (counter[token] + self.k) / (sum(counter.values()) + self.k * self.vocab_size)
        unigram = self.counts[0][()]
        p_unigram = (unigram[token] + self.k) / (self._n_tokens + self.k * self.vocab_size)
        total = self.lambdas[0] * p_unigram
        weight_left = 1.0 - self.lambdas[0]
        for m in range(len(context), 0, -1):
            counter = self.counts[m].get(context[len(context) - m :])
            if counter:
                share = self.lambdas[m] / sum(self.lambdas[1 : m + 1]) * weight_left
                total += share * counter[token] / self._totals[m][context[len(context) - m :]]
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
        ids = [int(i) for i in ids]
        n_ctx = self.order - 1
        probs = [self.prob(ids[max(t - n_ctx, 0) : t], ids[t]) for t in range(1, len(ids))]
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
        rows = idx.tolist()
        logits = torch.empty(len(rows), idx.shape[1], self.vocab_size)
        for b, row in enumerate(rows):
            for t in range(len(row)):
                logits[b, t] = torch.from_numpy(np.log(self.next_token_probs(row[: t + 1])))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, self.vocab_size), targets.reshape(-1))
        return logits, loss
