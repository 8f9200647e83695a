"""Does repetition feed itself? How likely a model finds each copy of a phrase, and loops.

Holtzman and colleagues found that the more often GPT-2 has seen a phrase repeated, the
likelier it finds the next repeat, which is why greedy text falls into loops.
:func:`copy_probabilities` runs their test on any model and :func:`copy_trend` names the
shape of the result; :func:`find_loop` finds where a text starts repeating itself for good.

Introduced in chapter 7.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from stepbytoken.checks import check_float, check_int, check_ints
from stepbytoken.evaluation.decoding import token_log_probs
from stepbytoken.nn import LanguageModel, check_language_model

__all__ = ["Loop", "copy_probabilities", "copy_trend", "find_loop"]


def copy_probabilities(
    model: LanguageModel, prefix: Sequence[int], phrase: Sequence[int]
) -> np.ndarray:
    """The average probability per token of each copy of ``phrase``, repeated after ``prefix``.

    The phrase is written as many times as fit in the model's context after the prefix;
    each copy's score is the exponential of its tokens' mean log-probability (a geometric
    mean of their probabilities).

    Parameters
    ----------
    model : LanguageModel
        The model; it needs a ``block_size``.
    prefix : sequence of int
        Token ids before the first copy (at least one).
    phrase : sequence of int
        The phrase's token ids (at least one).

    Returns
    -------
    numpy.ndarray
        One probability per copy, first copy first.

    Raises
    ------
    ValueError
        If ``prefix`` or ``phrase`` is empty, or not even one copy fits in the context.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=3, block_size=6, n_layer=1, n_head=1, d_model=4))
    >>> copy_probabilities(model, [0], [1, 2]).shape  # (6 - 1) // 2 copies fit after [0]
    (2,)

    Introduced in chapter 7.
    """
    check_language_model(model)
    prefix = check_ints("prefix", prefix, minimum=0, maximum=model.vocab_size - 1)
    phrase = check_ints("phrase", phrase, minimum=0, maximum=model.vocab_size - 1)
    check_language_model(model)
    if not prefix or not phrase:
        raise ValueError("prefix and phrase must each hold at least one token id")
    if model.block_size is None:
        raise ValueError(
            "model must have a block_size: it sets how many copies are written"
        )
    copies = (model.block_size - len(prefix)) // len(phrase)
    if copies < 1:
        raise ValueError(
            f"no copy of a {len(phrase)}-token phrase fits after {len(prefix)} tokens in "
            f"block_size {model.block_size}"
        )
    ids = torch.tensor([list(prefix) + list(phrase) * copies])  # (1, T)
    log_probs = token_log_probs(model, ids)[0, len(prefix) - 1 :]  # the copies' tokens
    return log_probs.view(copies, len(phrase)).mean(dim=1).exp().numpy()


def copy_trend(
    probs: Sequence[float], *, min_gain: float = 0.1, tolerance: float = 0.1
) -> str:
    """Name the shape of a phrase's copy probabilities (from :func:`copy_probabilities`).

    The rules, in order, with ``p1`` the first copy's probability:

    - ``"never copied"``: no later copy gets ``min_gain`` of the way from ``p1`` to
      certainty (``p >= p1 + min_gain * (1 - p1)``), so the model does not take the phrase
      up from its context;
    - ``"keeps rising"``: the last copy is the likeliest, and more than ``1 + tolerance``
      times as likely as the second;
    - ``"rises then stays"``: the last copy keeps at least ``1 - tolerance`` of the peak;
    - ``"rises then falls"``: otherwise.

    Parameters
    ----------
    probs : sequence of float
        Probability per token of each copy, first copy first (at least 2, all in (0, 1]).
    min_gain : float, default 0.1
        Share of the distance to certainty a later copy must close to count as copied,
        in ``(0, 1]``.
    tolerance : float, default 0.1
        Relative change counted as level, in ``[0, 1)``.

    Returns
    -------
    str
        One of the four names above.

    Raises
    ------
    ValueError
        If fewer than 2 probabilities are given, one is not in ``(0, 1]``, or an option is
        out of range.

    Examples
    --------
    >>> copy_trend([0.25, 0.6, 0.6, 0.59])
    'rises then stays'
    >>> copy_trend([0.24, 0.52, 0.42, 0.36])
    'rises then falls'
    >>> copy_trend([0.2, 0.4, 0.6, 0.8])
    'keeps rising'
    >>> copy_trend([0.0016, 0.0024, 0.0033])  # twice as likely, but still far from copied
    'never copied'

    Introduced in chapter 7.
    """
    min_gain = check_float(
        "min_gain", min_gain, minimum=0, maximum=1, open_minimum=True
    )
    tolerance = check_float(
        "tolerance", tolerance, minimum=0, maximum=1, open_maximum=True
    )
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"probs must hold at least 2 copies, got shape {p.shape}")
    if not np.all((p > 0) & (p <= 1)):
        raise ValueError("probs must all be probabilities in (0, 1]")
    peak, last = p[1:].max(), p[-1]
    if peak < p[0] + min_gain * (1 - p[0]):
        return "never copied"
    if last == peak and last > (1 + tolerance) * p[1]:
        return "keeps rising"
    if last >= (1 - tolerance) * peak:
        return "rises then stays"
    return "rises then falls"


@dataclass(frozen=True)
class Loop:
    """A text's periodic tail: from ``start`` to its end it repeats every ``period`` tokens.

    Attributes
    ----------
    start : int
        Index of the loop's first token.
    period : int
        Length of one turn of the loop, in tokens.
    length : int
        Tokens from ``start`` to the end of the text.

    Introduced in chapter 7.
    """

    start: int
    period: int
    length: int

    @property
    def turns(self) -> float:
        """How many times the loop goes round before the text ends (``length / period``)."""
        return self.length / self.period

    def is_closed(self, block_size: int) -> bool:
        """Whether a greedy decoder reading its last ``block_size`` tokens can never leave it.

        Greedy decoding picks the next token from the last ``block_size`` tokens alone. Once
        the loop has run for ``block_size + period`` tokens, the window it reads has come
        back to one it read ``period`` tokens earlier, so every later choice repeats too.
        """
        block_size = check_int("block_size", block_size, minimum=1)
        return self.length >= block_size + self.period


def find_loop(ids: Sequence[int] | torch.Tensor, *, min_turns: int = 2) -> Loop | None:
    """Find the loop a text ends in: its earliest-starting periodic tail.

    For every period ``p``, the tail that repeats with period ``p`` (``ids[i] == ids[i + p]``
    up to the end) is extended back as far as it goes; a tail counts if it holds at least
    ``min_turns`` full turns. Of those, the one starting earliest wins (the shortest period
    on a tie), so a long loop that contains a short repeated phrase is found whole.

    Parameters
    ----------
    ids : sequence of int or torch.Tensor
        One sequence of token ids.
    min_turns : int, default 2
        Full turns a tail needs to count as a loop (>= 2).

    Returns
    -------
    Loop or None
        ``None`` if the text does not end in a loop.

    Raises
    ------
    TypeError, ValueError
        If ``ids`` does not hold int token ids, or ``min_turns < 2``.

    Examples
    --------
    ``x y`` then ``a b c`` three times: the loop starts at index 2 with period 3.

    >>> find_loop([7, 8, 1, 2, 3, 1, 2, 3, 1, 2, 3])
    Loop(start=2, period=3, length=9)
    >>> find_loop([1, 2, 3, 4]) is None
    True

    Introduced in chapter 7.
    """
    min_turns = check_int("min_turns", min_turns, minimum=2)
    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.is_floating_point() or ids.is_complex():
            raise TypeError("ids must be a 1-D tensor of token ids or a list of ints")
        ids = ids.tolist()
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise TypeError(
            f"ids must be a sequence of token ids, got {type(ids).__name__}"
        )
    if not all(
        isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in ids
    ):
        raise TypeError("ids must hold int token ids")
    n, best = len(ids), None
    for period in range(1, n // min_turns + 1):
        i = n - period - 1
        # extend the periodic tail backwards
        while i >= 0 and ids[i] == ids[i + period]:
            i -= 1
        start = i + 1
        if n - start >= min_turns * period and (best is None or start < best.start):
            best = Loop(start=start, period=period, length=n - start)
    return best
