"""Bradley-Terry recovers known strengths in any order; online Elo depends on the order."""

from __future__ import annotations

import numpy as np
import pytest

from stepbytoken.evaluation.ratings import (
    Battle,
    bootstrap_ratings,
    bradley_terry,
    elo,
    elo_order_spread,
    expected_score,
)

TRUE = {"p0": 1200.0, "p1": 1100.0, "p2": 1000.0, "p3": 900.0, "p4": 800.0}


def synthetic(n: int, seed: int = 0, tie_share: float = 0.0) -> list[Battle]:
    """Battles between random pairs, each won with the Bradley-Terry chance of TRUE."""
    rng = np.random.default_rng(seed)
    names = sorted(TRUE)
    out = []
    for _ in range(n):
        a, b = rng.choice(len(names), size=2, replace=False)
        a, b = names[a], names[b]
        if rng.random() < tie_share:
            out.append(Battle(a, b, "tie"))
            continue
        win = rng.random() < expected_score(TRUE[a], TRUE[b])
        out.append(Battle(a, b, "a" if win else "b"))
    return out


@pytest.fixture(scope="module")
def battles() -> list[Battle]:
    return synthetic(4000)


def test_recovers_known_strengths(battles):
    fitted = bradley_terry(battles, prior=0)
    assert np.mean(list(fitted.values())) == pytest.approx(1000.0)
    for p, rating in TRUE.items():
        # about 1600 battles per player: a standard error near 10 points
        assert fitted[p] == pytest.approx(rating, abs=35), p
    assert sorted(fitted, key=fitted.get) == sorted(TRUE, key=TRUE.get)


def test_order_does_not_matter(battles):
    shuffled = [battles[i] for i in np.random.default_rng(1).permutation(len(battles))]
    assert bradley_terry(shuffled) == bradley_terry(battles)


def test_maximum_likelihood_of_two_players():
    # 3 wins to 1: gamma ratio 3, so 400 log10(3) points apart
    battles = [Battle("x", "y", "a")] * 3 + [Battle("y", "x", "a")]
    r = bradley_terry(battles, prior=0)
    assert r["x"] - r["y"] == pytest.approx(400 * np.log10(3), abs=1e-3)
    assert (r["x"] + r["y"]) / 2 == pytest.approx(1000)


def test_ties_count_half_a_win():
    with_ties = [Battle("x", "y", "a")] * 2 + [Battle("x", "y", "tie")] * 2
    halves = [Battle("x", "y", "a")] * 3 + [Battle("x", "y", "b")]
    assert bradley_terry(with_ties, prior=0) == pytest.approx(
        bradley_terry(halves, prior=0)
    )
    assert elo([Battle("x", "y", "tie")]) == {"x": 1000.0, "y": 1000.0}


def test_prior_keeps_an_unbeaten_player_finite():
    battles = [Battle("x", "y", "a")] * 5
    with pytest.raises(ValueError, match="prior"):
        bradley_terry(battles, prior=0)
    r = bradley_terry(battles)
    assert 1000 < r["x"] < 1500 and r["y"] == pytest.approx(2000 - r["x"])


def test_bootstrap_interval_holds_the_fit(battles):
    fitted = bradley_terry(battles[:600])
    intervals = bootstrap_ratings(battles[:600], rounds=60, seed=0)
    for p, (low, high) in intervals.items():
        assert low < fitted[p] < high, p
        assert 10 < high - low < 200, p  # about 240 battles per player
    assert bootstrap_ratings(battles[:600], rounds=60, seed=0) == intervals


def test_elo_depends_on_the_order():
    forward = [Battle("x", "y", "a"), Battle("x", "y", "b")]
    one, other = elo(forward), elo(forward[::-1])
    assert one["x"] == pytest.approx(998.5305, abs=1e-3)
    assert one != other and one["x"] == pytest.approx(other["y"])
    low, high = elo_order_spread(forward, shuffles=20)["x"]
    assert (low, high) == pytest.approx((one["x"], other["x"]))


def test_elo_spread_over_orders_of_real_battles(battles):
    spread = elo_order_spread(battles[:500], shuffles=20, seed=0)
    assert max(high - low for low, high in spread.values()) > 20
    assert elo_order_spread([Battle("x", "y", "a")] * 3, shuffles=5)["x"][0] == (
        pytest.approx(elo([Battle("x", "y", "a")] * 3)["x"])
    )


def test_plain_tuples_and_players():
    r = bradley_terry([("x", "y", "a"), ("y", "x", "a")], players=["y", "x"])
    assert list(r) == ["y", "x"]


def test_no_battles():
    assert bradley_terry([]) == {} and elo([]) == {} and bootstrap_ratings([]) == {}
    with pytest.raises(ValueError, match="no battles"):
        bradley_terry([Battle("x", "y", "a")], players=["x", "y", "z"])


@pytest.mark.parametrize(
    ("battles", "error", "match"),
    [
        ("xy", TypeError, "battles"),
        ([("x", "y")], TypeError, r"battles\[0\]"),
        ([("x", "y", "draw")], ValueError, r"battles\[0\].winner"),
        ([("x", "x", "a")], ValueError, "itself"),
        ([("x", "", "a")], ValueError, r"battles\[0\].b"),
        ([(1, "y", "a")], TypeError, r"battles\[0\].a"),
    ],
)
def test_bad_battles(battles, error, match):
    for fn in (bradley_terry, elo, bootstrap_ratings, elo_order_spread):
        with pytest.raises(error, match=match):
            fn(battles)


def test_bad_settings():
    b = [Battle("x", "y", "a"), Battle("x", "y", "b")]
    with pytest.raises(ValueError, match="players lacks"):
        bradley_terry(b, players=["x"])
    with pytest.raises(ValueError, match="repeat"):
        bradley_terry(b, players=["x", "y", "x"])
    with pytest.raises(ValueError, match="prior"):
        bradley_terry(b, prior=-1)
    with pytest.raises(ValueError, match="prior"):
        bootstrap_ratings(b, prior=0)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ratings(b, confidence=1.0)
    with pytest.raises(ValueError, match="k"):
        elo(b, k=0)
    with pytest.raises(ValueError, match="shuffles"):
        elo_order_spread(b, shuffles=0)
