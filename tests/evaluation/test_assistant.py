"""Tests of grading helpers (stepbytoken.evaluation.assistant): the win rate."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation.assistant import WinRate, win_rate


def test_win_rate_counts_wins_ties_and_losses():
    w = win_rate([1.0, 0.6, 0.2, 0.4, 0.4], [0.5, 0.6, 0.8, 0.4, 0.0])
    assert (w.wins, w.ties, w.losses) == (2, 2, 1)
    assert w.rate == pytest.approx((2 + 0.5 * 2) / 5)


def test_a_model_against_itself_wins_half_with_no_spread():
    scores = [0.2, 0.8, 1.0]
    assert win_rate(scores, scores) == WinRate(0, 3, 0, 0.5, 0.0)


def test_the_interval_is_the_normal_approximation():
    # outcomes 1, 1, 0, 0: mean 0.5, population sd 0.5, so 1.96 * 0.5 / 2
    w = win_rate([1, 1, 0, 0], [0, 0, 1, 1])
    assert w.half_width == pytest.approx(1.96 * 0.5 / math.sqrt(4), abs=1e-4)


@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.4, 0.6, 1.0]), st.sampled_from([0.0, 0.6])),
        min_size=1,
        max_size=40,
    )
)
def test_swapping_the_models_mirrors_the_result(pairs):
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    ab, ba = win_rate(a, b), win_rate(b, a)
    assert (ab.wins, ab.ties, ab.losses) == (ba.losses, ba.ties, ba.wins)
    assert ab.rate + ba.rate == pytest.approx(1.0, abs=1e-4)
    assert ab.half_width == ba.half_width


@pytest.mark.parametrize(
    ("a", "b", "error", "match"),
    [
        ([1.0], [1.0, 0.0], ValueError, "same prompts"),
        ([], [], ValueError, "scores_a"),
        ("ab", [1.0, 0.0], TypeError, "scores_a"),
        ([1.0], [None], TypeError, "scores_b"),
    ],
)
def test_bad_scores_are_refused(a, b, error, match):
    with pytest.raises(error, match=match):
        win_rate(a, b)
