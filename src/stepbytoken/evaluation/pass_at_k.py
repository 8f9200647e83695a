"""pass@k: the chance that at least one of ``k`` tries at a problem is right.

A model that writes code (or works out a sum) can be given ``k`` tries; the problem counts
as solved if any try passes its check. Drawing exactly ``k`` samples and counting gives a
noisy estimate, so Chen et al. (2021, "Evaluating Large Language Models Trained on Code",
arXiv:2107.03374, §2.1) draw ``n >= k`` samples, count the ``c`` that pass, and estimate

    pass@k = 1 - C(n - c, k) / C(n, k),

the probability that ``k`` samples drawn without replacement from the ``n`` include at
least one of the ``c`` correct ones. Averaged over problems it is unbiased: its expectation
is the true pass@k. :func:`pass_at_k` computes it as a product (the paper's Figure 3), since
the binomial coefficients themselves overflow for ``n`` in the hundreds.
:func:`naive_pass_at_k` is the plug-in estimate ``1 - (1 - c/n)^k`` that the paper's
Appendix A shows to be biased (it underestimates pass@k).

Introduced in chapter 16.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_int, check_ints

__all__ = [
    "PassCurve",
    "mean_pass_at_k",
    "naive_pass_at_k",
    "pass_at_k",
    "pass_at_k_curve",
]


def _check(n: object, c: object, k: object) -> tuple[int, int, int]:
    n = check_int("n", n, minimum=1)
    c = check_int("c", c, minimum=0, maximum=n)
    k = check_int("k", k, minimum=1, maximum=n)
    return n, c, k


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of pass@k from ``n`` samples of which ``c`` are correct.

    ``1 - C(n - c, k) / C(n, k)``, computed as ``1 - prod_{i = n-c+1}^{n} (1 - k / i)``
    (the ratio of binomial coefficients written as a product, term by term, so it never
    forms a huge number); exactly ``1.0`` when ``n - c < k`` (every choice of ``k`` holds a
    correct sample).

    Parameters
    ----------
    n : int
        Samples drawn for the problem (>= 1).
    c : int
        How many of them are correct, in ``[0, n]``.
    k : int
        Tries allowed, in ``[1, n]``.

    Returns
    -------
    float
        In ``[0, 1]``; ``c / n`` for ``k = 1``.

    Raises
    ------
    TypeError, ValueError
        For counts that are not ints or are out of range (``c > n``, ``k > n``).

    Examples
    --------
    >>> round(pass_at_k(10, 3, 1), 4)  # c / n
    0.3
    >>> round(pass_at_k(10, 3, 2), 4)  # 1 - C(7, 2) / C(10, 2) = 1 - 21 / 45
    0.5333
    >>> pass_at_k(10, 9, 2)
    1.0

    Introduced in chapter 16.
    """
    n, c, k = _check(n, c, k)
    if n - c < k:
        return 1.0
    miss = 1.0  # C(n - c, k) / C(n, k): the chance that all k draws are wrong
    for i in range(n - c + 1, n + 1):
        miss *= 1.0 - k / i
    return 1.0 - miss


def naive_pass_at_k(n: int, c: int, k: int) -> float:
    """The biased plug-in estimate ``1 - (1 - c/n)^k`` (draws with replacement).

    It treats ``c / n`` as the true chance ``p`` of one correct sample. Since
    ``1 - (1 - p)^k`` is concave in ``p``, the estimate is below the true pass@k on average
    (Jensen), most for small ``n`` and large ``k``.

    Parameters
    ----------
    n, c, k
        As for :func:`pass_at_k`.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`pass_at_k`.

    Examples
    --------
    >>> naive_pass_at_k(10, 3, 2)  # 1 - 0.7 ** 2, below the unbiased 0.5333
    0.51

    Introduced in chapter 16.
    """
    n, c, k = _check(n, c, k)
    return 1.0 - (1.0 - c / n) ** k


def mean_pass_at_k(counts: Sequence[int], n: int, k: int) -> float:
    """pass@k of a benchmark: the mean of :func:`pass_at_k` over its problems.

    Parameters
    ----------
    counts : sequence of int
        Correct samples per problem, each in ``[0, n]`` (at least one problem).
    n : int
        Samples drawn per problem (the same for every problem).
    k : int
        Tries allowed, in ``[1, n]``.

    Returns
    -------
    float
        The mean estimate, in ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        For bad counts (none, or one out of ``[0, n]``), ``n`` or ``k``.

    Examples
    --------
    >>> mean_pass_at_k([0, 5, 10], n=10, k=1)
    0.5

    Introduced in chapter 16.
    """
    n = check_int("n", n, minimum=1)
    k = check_int("k", k, minimum=1, maximum=n)
    counts = check_ints("counts", counts, minimum=0, maximum=n)
    if not counts:
        raise ValueError("counts must hold at least one problem's count")
    return sum(pass_at_k(n, c, k) for c in counts) / len(counts)


class PassCurve(NamedTuple):
    """pass@k of a benchmark for ``k = 1 .. n``, by both estimators.

    Fields:

    k : tuple of int
        The tries allowed, ``1`` to ``n``.
    unbiased : tuple of float
        :func:`mean_pass_at_k` at each ``k``.
    naive : tuple of float
        The mean of :func:`naive_pass_at_k` at each ``k``.

    Introduced in chapter 16.
    """

    k: tuple[int, ...]
    unbiased: tuple[float, ...]
    naive: tuple[float, ...]


def pass_at_k_curve(counts: Sequence[int], n: int) -> PassCurve:
    """Both estimates of a benchmark's pass@k, for every ``k`` from 1 to ``n``.

    Parameters
    ----------
    counts : sequence of int
        Correct samples per problem, each in ``[0, n]`` (at least one problem).
    n : int
        Samples drawn per problem (>= 1).

    Returns
    -------
    PassCurve
        The two curves; they agree at ``k = 1`` and the naive one is never above.

    Raises
    ------
    TypeError, ValueError
        As for :func:`mean_pass_at_k`.

    Examples
    --------
    >>> curve = pass_at_k_curve([0, 1, 4], n=4)
    >>> curve.k, [round(v, 3) for v in curve.unbiased]
    ((1, 2, 3, 4), [0.417, 0.5, 0.583, 0.667])
    >>> [round(v, 3) for v in curve.naive]
    [0.417, 0.479, 0.526, 0.561]

    Introduced in chapter 16.
    """
    n = check_int("n", n, minimum=1)
    counts = check_ints("counts", counts, minimum=0, maximum=n)
    if not counts:
        raise ValueError("counts must hold at least one problem's count")
    ks = tuple(range(1, n + 1))
    unbiased = tuple(mean_pass_at_k(counts, n, k) for k in ks)
    naive = tuple(
        sum(naive_pass_at_k(n, c, k) for c in counts) / len(counts) for k in ks
    )
    return PassCurve(ks, unbiased, naive)
