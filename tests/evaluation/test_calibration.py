"""Tests of confidence and calibration (stepbytoken.evaluation.calibration)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation.calibration import (
    confidence_histogram,
    coverage_accuracy,
    expected_calibration_error,
    reliability_bins,
)


def brute_force_ece(conf, right, n_bins):
    """ECE written out bin by bin, with explicit interval tests (the last bin closed)."""
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        rows = [
            i
            for i, c in enumerate(conf)
            if (lo <= c < hi) or (b == n_bins - 1 and c == 1.0)
        ]
        if rows:
            acc = sum(right[i] for i in rows) / len(rows)
            mean = sum(conf[i] for i in rows) / len(rows)
            total += len(rows) / len(conf) * abs(acc - mean)
    return total


pairs = st.lists(
    st.tuples(st.floats(0, 1, allow_nan=False), st.booleans()), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(pairs, st.integers(1, 20))
def test_ece_matches_a_brute_force_reference(rows, n_bins):
    conf = [c for c, _ in rows]
    right = [r for _, r in rows]
    # at a bin's edge, int(c * n) and c < (b + 1) / n may disagree by one ulp: skip those
    if any(0 < c < 1 and abs(c * n_bins - round(c * n_bins)) < 1e-9 for c in conf):
        return
    assert expected_calibration_error(conf, right, n_bins=n_bins) == pytest.approx(
        brute_force_ece(conf, right, n_bins), abs=1e-9
    )


@settings(max_examples=100, deadline=None)
@given(pairs, st.integers(1, 12))
def test_bins_hold_every_answer_once_and_bound_the_ece(rows, n_bins):
    conf = [c for c, _ in rows]
    right = [r for _, r in rows]
    bins = reliability_bins(conf, right, n_bins=n_bins)
    assert len(bins) == n_bins and sum(b.n for b in bins) == len(conf)
    assert confidence_histogram(conf, n_bins=n_bins) == [b.n for b in bins]
    for b in bins:
        if b.n:
            assert b.lo <= b.confidence <= b.hi + 1e-12
    assert 0 <= expected_calibration_error(conf, right, n_bins=n_bins) <= 1


def test_ece_of_known_cases():
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0
    assert expected_calibration_error([1.0, 1.0], [False, False]) == 1.0
    assert expected_calibration_error([0.55] * 10, [True] * 5 + [False] * 5) == (
        pytest.approx(0.05)
    )
    # one bin: the ECE is the gap between mean confidence and accuracy
    conf = [0.2, 0.9, 0.6]
    assert expected_calibration_error(conf, [True, False, True], n_bins=1) == (
        pytest.approx(abs(2 / 3 - sum(conf) / 3))
    )
    assert expected_calibration_error([], []) == 0.0


@settings(max_examples=100, deadline=None)
@given(pairs, st.lists(st.booleans(), min_size=60, max_size=60))
def test_coverage_falls_as_the_threshold_rises(rows, abstain):
    conf = [c for c, _ in rows]
    right = [r for _, r in rows]
    skip = abstain[: len(rows)]
    thresholds = [0.0, 0.25, 0.5, 0.75, 1.0]
    curve = coverage_accuracy(conf, right, thresholds, abstained=skip)
    covered = [r.coverage for r in curve]
    assert covered == sorted(covered, reverse=True)
    assert covered[0] == pytest.approx(1 - sum(skip) / len(skip))
    for row, t in zip(curve, thresholds, strict=True):
        kept = [
            r for c, r, s in zip(conf, right, skip, strict=True) if c >= t and not s
        ]
        assert row.accuracy == (sum(kept) / len(kept) if kept else None)


def test_mismatched_or_out_of_range_inputs_are_refused():
    with pytest.raises(ValueError, match="same length"):
        expected_calibration_error([0.5], [True, False])
    with pytest.raises(ValueError, match=r"confidences\[0\]"):
        reliability_bins([1.5], [True])
    with pytest.raises(TypeError, match="correct"):
        coverage_accuracy([0.5], "y", [0.5])
    with pytest.raises(ValueError, match="abstained"):
        coverage_accuracy([0.5], [True], [0.5], abstained=[True, False])
