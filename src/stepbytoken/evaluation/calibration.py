"""Whether a model's confidence can be trusted: reliability diagrams, ECE, abstention.

A model is **calibrated** when, among the answers it gives with confidence about ``p``, a share
``p`` is right. :func:`reliability_bins` groups answers into equal-width bins of confidence
(the data of a reliability diagram); :func:`expected_calibration_error` (ECE) is the mean gap
between each bin's accuracy and confidence, weighted by the bin's share of answers.
:func:`coverage_accuracy` measures the simplest countermeasure: answer only above a
threshold, and say what share is answered (coverage) and how many of those are right. The
confidences come from :mod:`~stepbytoken.evaluation.confidence`.

Introduced in chapter 13.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_bool, check_float, check_floats, check_int

__all__ = [
    "Bin",
    "Coverage",
    "confidence_histogram",
    "coverage_accuracy",
    "expected_calibration_error",
    "reliability_bins",
]


class Bin(NamedTuple):
    """One bin of a reliability diagram: ``[lo, hi)`` (the last bin includes 1).

    ``confidence`` and ``accuracy`` are the means over the bin's ``n`` answers (None when
    the bin is empty).

    Introduced in chapter 13.
    """

    lo: float
    hi: float
    n: int
    confidence: float | None
    accuracy: float | None


class Coverage(NamedTuple):
    """Answering only at confidence >= ``threshold``: the share answered, and its accuracy.

    ``accuracy`` is None when nothing is answered.

    Introduced in chapter 13.
    """

    threshold: float
    coverage: float
    accuracy: float | None


def _check_pairs(confidences: object, correct: object) -> tuple[list, list]:
    conf = check_floats("confidences", confidences)
    for i, c in enumerate(conf):
        check_float(f"confidences[{i}]", c, minimum=0, maximum=1)
    if isinstance(correct, (str, bytes)) or not isinstance(correct, Sequence):
        raise TypeError(
            f"correct must be a sequence of bools, got {type(correct).__name__}"
        )
    right = [check_bool(f"correct[{i}]", c) for i, c in enumerate(correct)]
    if len(conf) != len(right):
        raise ValueError(
            f"confidences and correct must have the same length, got {len(conf)} "
            f"and {len(right)}"
        )
    return conf, right


def _bin_of(confidence: float, n_bins: int) -> int:
    return min(int(confidence * n_bins), n_bins - 1)


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], *, n_bins: int = 10
) -> list[Bin]:
    """The data of a reliability diagram: answers grouped by confidence into equal bins.

    Bin ``i`` holds confidences in ``[i / n_bins, (i + 1) / n_bins)``; the last also holds 1.

    Introduced in chapter 13.

    Examples
    --------
    >>> [b.n for b in reliability_bins([0.1, 0.15, 0.9], [False, True, True], n_bins=2)]
    [2, 1]
    >>> reliability_bins([0.1, 0.15, 0.9], [False, True, True], n_bins=2)[0].accuracy
    0.5
    """
    conf, right = _check_pairs(confidences, correct)
    n_bins = check_int("n_bins", n_bins, minimum=1)
    groups: list[list[int]] = [[] for _ in range(n_bins)]
    for i, c in enumerate(conf):
        groups[_bin_of(c, n_bins)].append(i)
    return [
        Bin(
            b / n_bins,
            (b + 1) / n_bins,
            len(rows),
            sum(conf[i] for i in rows) / len(rows) if rows else None,
            sum(right[i] for i in rows) / len(rows) if rows else None,
        )
        for b, rows in enumerate(groups)
    ]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], *, n_bins: int = 10
) -> float:
    """ECE: the mean of ``|accuracy - confidence|`` over equal-width bins, weighted by size.

    ``sum over bins of (n_b / n) * |accuracy_b - confidence_b|``; 0 for a perfectly
    calibrated model (and for no answers at all).

    Introduced in chapter 13.

    Examples
    --------
    >>> expected_calibration_error([0.9, 0.9], [True, False], n_bins=10)
    0.4
    >>> expected_calibration_error([0.75, 0.75, 0.75, 0.75], [True, True, True, False])
    0.0
    """
    bins = reliability_bins(confidences, correct, n_bins=n_bins)
    total = sum(b.n for b in bins)
    if total == 0:
        return 0.0
    gap = sum(b.n * abs(b.accuracy - b.confidence) for b in bins if b.n)
    return round(gap / total, 12)


def confidence_histogram(
    confidences: Sequence[float], *, n_bins: int = 10
) -> list[int]:
    """How many confidences fall in each of ``n_bins`` equal bins of ``[0, 1]``.

    Introduced in chapter 13.

    Examples
    --------
    >>> confidence_histogram([0.05, 0.5, 0.99, 1.0], n_bins=2)
    [1, 3]
    """
    conf = check_floats("confidences", confidences)
    for i, c in enumerate(conf):
        check_float(f"confidences[{i}]", c, minimum=0, maximum=1)
    n_bins = check_int("n_bins", n_bins, minimum=1)
    counts = [0] * n_bins
    for c in conf:
        counts[_bin_of(c, n_bins)] += 1
    return counts


def coverage_accuracy(
    confidences: Sequence[float],
    correct: Sequence[bool],
    thresholds: Sequence[float],
    *,
    abstained: Sequence[bool] | None = None,
) -> list[Coverage]:
    """Answer only when confidence >= threshold: coverage and accuracy for each threshold.

    Coverage is the share of all questions answered; accuracy the share of those answers
    that are right. Questions in ``abstained`` (the model said "I don't know" itself) are
    never answered, whatever the threshold.

    Introduced in chapter 13.

    Examples
    --------
    >>> rows = coverage_accuracy([0.2, 0.6, 0.9], [False, True, True], [0.0, 0.5, 0.95])
    >>> [(round(r.coverage, 2), r.accuracy) for r in rows]
    [(1.0, 0.6666666666666666), (0.67, 1.0), (0.0, None)]
    >>> rows = coverage_accuracy([0.2, 0.9], [False, False], [0.0], abstained=[False, True])
    >>> rows[0].coverage, rows[0].accuracy
    (0.5, 0.0)
    """
    conf, right = _check_pairs(confidences, correct)
    ts = check_floats("thresholds", thresholds)
    if abstained is None:
        skip = [False] * len(conf)
    else:
        if isinstance(abstained, (str, bytes)) or not isinstance(abstained, Sequence):
            raise TypeError(
                f"abstained must be a sequence of bools, got {type(abstained).__name__}"
            )
        skip = [check_bool(f"abstained[{i}]", a) for i, a in enumerate(abstained)]
        if len(skip) != len(conf):
            raise ValueError(
                f"abstained must have one entry per confidence ({len(conf)}), "
                f"got {len(skip)}"
            )
    rows = []
    for t in ts:
        kept = [
            r for c, r, s in zip(conf, right, skip, strict=True) if c >= t and not s
        ]
        rows.append(
            Coverage(
                t,
                len(kept) / len(conf) if conf else 0.0,
                sum(kept) / len(kept) if kept else None,
            )
        )
    return rows
