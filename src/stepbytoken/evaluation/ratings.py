"""Ratings from pairwise battles: Bradley-Terry by maximum likelihood, and online Elo.

An arena shows two models' answers to one prompt and records which was better (or a tie).
The **Bradley-Terry** model (Bradley & Terry 1952) gives each player a strength ``gamma``
and says ``a`` beats ``b`` with probability ``gamma_a / (gamma_a + gamma_b)``. On Elo's
scale, with ``R = 400 log10(gamma)``, that is ``1 / (1 + 10^((R_b - R_a) / 400))``: 400
points apart means 10 to 1 odds. :func:`bradley_terry` fits the strengths to all battles at
once, by maximum likelihood: a logistic regression on the rating differences, solved by
Newton's method in a few steps (Hunter 2004, "MM algorithms for generalized Bradley-Terry
models", gives the classic, slower iteration). The result depends only on how often each
pair met and who won, never on the order of the battles. :func:`bootstrap_ratings` gives
each rating a percentile interval by refitting on battles resampled with replacement.

**Elo** (Elo 1978, "The Rating of Chessplayers, Past and Present") updates two ratings after
each game, ``R_a += K (S_a - E_a)`` with ``E_a`` the expected score above: made for players
whose strength changes over time, it weighs recent games more, so the same battles in
another order give other ratings (:func:`elo_order_spread`). Chatbot Arena (Chiang et al.
2024, arXiv:2403.04132, §4 "From Pairwise Comparisons to Rankings") ranks models, whose
strength does not change, with the Bradley-Terry maximum-likelihood fit and bootstrap
intervals for that reason, after first publishing online Elo ratings.

Ties count as half a win for each player, in both methods (a chess draw).

Introduced in chapter 16.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_int,
    check_str,
    check_strings,
)

__all__ = [
    "BASE_RATING",
    "OUTCOMES",
    "SCALE",
    "Battle",
    "bootstrap_ratings",
    "bradley_terry",
    "elo",
    "elo_order_spread",
    "expected_score",
]

#: Who won a battle: player ``a``, player ``b``, or neither.
OUTCOMES = ("a", "b", "tie")
#: Rating points per factor of 10 in the odds of winning (Elo's scale).
SCALE = 400.0
#: The mean rating of the players (Bradley-Terry) and a new player's rating (Elo).
BASE_RATING = 1000.0


class Battle(NamedTuple):
    """One comparison of two players: ``winner`` is ``"a"``, ``"b"`` or ``"tie"``.

    Examples
    --------
    >>> Battle("small", "large", "b")
    Battle(a='small', b='large', winner='b')

    Introduced in chapter 16.
    """

    a: str
    b: str
    winner: str


def expected_score(rating_a: float, rating_b: float) -> float:
    """The chance that a player rated ``rating_a`` beats one rated ``rating_b``.

    ``1 / (1 + 10^((rating_b - rating_a) / 400))``; a tie counts as half a win.

    Examples
    --------
    >>> expected_score(1000, 1000)
    0.5
    >>> round(expected_score(1400, 1000), 4)  # 400 points: odds of 10 to 1
    0.9091

    Introduced in chapter 16.
    """
    rating_a = check_float("rating_a", rating_a)
    rating_b = check_float("rating_b", rating_b)
    return 1.0 / (1.0 + 10.0 ** ((rating_b - rating_a) / SCALE))


def _check_battles(battles: object) -> list[Battle]:
    if isinstance(battles, (str, bytes)) or not isinstance(battles, Sequence):
        raise TypeError(
            "battles must be a sequence of Battle(a, b, winner), "
            f"got {type(battles).__name__}"
        )
    out = []
    for i, battle in enumerate(battles):
        if not isinstance(battle, tuple) or len(battle) != 3:
            raise TypeError(
                f"battles[{i}] must be a Battle(a, b, winner), got {battle!r}"
            )
        a = check_str(f"battles[{i}].a", battle[0], allow_empty=False)
        b = check_str(f"battles[{i}].b", battle[1], allow_empty=False)
        winner = check_choice(f"battles[{i}].winner", battle[2], OUTCOMES)
        if a == b:
            raise ValueError(f"battles[{i}] pits {a!r} against itself")
        out.append(Battle(a, b, winner))
    return out


def _players(battles: list[Battle], players: object) -> list[str]:
    seen = sorted({p for battle in battles for p in battle[:2]})
    if players is None:
        return seen
    names = check_strings("players", players, allow_empty=False)
    if len(set(names)) != len(names):
        raise ValueError(f"players must not repeat a name, got {names!r}")
    if missing := sorted(set(seen) - set(names)):
        raise ValueError(f"players lacks {missing!r}, who fought in battles")
    if idle := [p for p in names if p not in set(seen)]:
        raise ValueError(
            f"players {idle!r} have no battles: their ratings are undefined"
        )
    return names


def _counts(
    battles: list[Battle], index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per battle: the index of ``a``, of ``b``, and ``a``'s score (1, 0.5 or 0)."""
    i = np.array([index[b.a] for b in battles], dtype=np.int64)
    j = np.array([index[b.b] for b in battles], dtype=np.int64)
    score = np.array([{"a": 1.0, "b": 0.0, "tie": 0.5}[b.winner] for b in battles])
    return i, j, score


def _connected(games: np.ndarray, wins: np.ndarray) -> bool:
    """Whether every player has beaten (or tied), through a chain, every other one.

    Ford's condition: without it some strengths run off to infinity. ``wins[i, j]`` is
    ``i``'s score against ``j``.
    """
    beat = wins > 0  # (P, P): i scored against j

    def reach(adjacency: np.ndarray) -> set[int]:
        seen, todo = {0}, [0]
        while todo:
            for nxt in np.flatnonzero(adjacency[todo.pop()]):
                if int(nxt) not in seen:
                    seen.add(int(nxt))
                    todo.append(int(nxt))
        return seen

    n = games.shape[0]
    return len(reach(beat)) == n and len(reach(beat.T)) == n


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


def _fit(
    i: np.ndarray,
    j: np.ndarray,
    score: np.ndarray,
    n_players: int,
    prior: float,
    iterations: int,
    tol: float,
) -> np.ndarray:
    """Bradley-Terry ratings (mean BASE_RATING) by Newton's method on the log-likelihood.

    With ``theta = ln(gamma)``, the log-likelihood is
    ``sum_pq W_pq log sigmoid(theta_p - theta_q)`` (``W_pq``: ``p``'s score against
    ``q``), plus ``prior`` virtual games, half won, of each player against a player with
    ``theta = 0``. It is concave; each step solves ``H d = -g`` and halves ``d`` until the
    likelihood rises.
    """
    games = np.zeros((n_players, n_players))
    wins = np.zeros((n_players, n_players))
    np.add.at(games, (i, j), 1.0)
    np.add.at(games, (j, i), 1.0)
    np.add.at(wins, (i, j), score)
    np.add.at(wins, (j, i), 1.0 - score)
    if prior == 0 and not _connected(games, wins):
        raise ValueError(
            "battles have no maximum-likelihood ratings: some player never beat or tied "
            "anyone, or a group of players never lost to the rest; use prior > 0"
        )
    total = wins.sum(axis=1)  # (P,)

    def loglik(theta: np.ndarray) -> float:
        diff = theta[:, None] - theta[None, :]  # (P, P)
        value = -(wins * np.logaddexp(0.0, -diff)).sum()
        return (
            value
            - prior / 2 * (np.logaddexp(0.0, -theta) + np.logaddexp(0.0, theta)).sum()
        )

    free = slice(1, None) if prior == 0 else slice(None)  # theta_0 = 0 fixes the scale
    theta = np.zeros(n_players)
    current = loglik(theta)
    for _ in range(iterations):
        s = _sigmoid(theta[:, None] - theta[None, :])  # (P, P): P(p beats q)
        grad = total - (games * s).sum(axis=1) + prior * (0.5 - _sigmoid(theta))
        w = games * s * (1.0 - s)
        s0 = _sigmoid(theta)
        hess = w - np.diag(w.sum(axis=1) + prior * s0 * (1.0 - s0))
        step = np.zeros(n_players)
        step[free] = np.linalg.solve(hess[free, free], -grad[free])
        t = 1.0
        while t > 1e-10:
            trial = loglik(theta + t * step)
            if trial >= current - 1e-12:
                break
            t /= 2
        theta, current = theta + t * step, trial
        if SCALE / np.log(10) * np.abs(t * step).max() < tol:
            break
    ratings = SCALE / np.log(10) * theta
    return ratings - ratings.mean() + BASE_RATING


def bradley_terry(
    battles: Sequence[Battle],
    players: Sequence[str] | None = None,
    *,
    prior: float = 1.0,
    iterations: int = 100,
    tol: float = 1e-6,
) -> dict[str, float]:
    """Bradley-Terry ratings of the players, fitted to all battles at once.

    The ratings maximise the likelihood of the battles' outcomes under
    ``P(a beats b) = 1 / (1 + 10^((R_b - R_a) / 400))``, a tie counting half a win for
    each; they are shifted so that their mean is 1000 (only differences are identified).
    ``prior`` adds that many virtual ties of each player against a player rated at the
    middle, which keeps every rating finite when a player won or lost every battle (and
    pulls ratings from few battles toward the middle); ``prior=0`` is plain maximum
    likelihood, which exists only if every player has beaten or tied, through a chain of
    battles, every other one (Ford's condition). The battles enter only through counts, so
    their order does not matter.

    Parameters
    ----------
    battles : sequence of Battle
        The outcomes (``Battle(a, b, winner)`` or plain 3-tuples).
    players : sequence of str, optional
        The players to rate, in the order of the result; by default everyone in
        ``battles``, sorted. Each must have fought at least once.
    prior : float, default 1.0
        Virtual ties per player against the middle (>= 0).
    iterations : int, default 100
        Most Newton steps (>= 1; a few suffice); the fit stops there even if not
        converged.
    tol : float, default 1e-6
        Stop once no rating moves by more than this many points in an iteration (> 0).

    Returns
    -------
    dict of str to float
        Rating per player; empty if there are no battles and no players.

    Raises
    ------
    TypeError, ValueError
        For bad battles, a player without battles, a player in battles missing from
        ``players``, bad settings, or ``prior=0`` with no maximum-likelihood solution.

    Examples
    --------
    >>> battles = [Battle("x", "y", "a")] * 10 + [Battle("x", "y", "b")] * 10
    >>> bradley_terry(battles)
    {'x': 1000.0, 'y': 1000.0}
    >>> r = bradley_terry([Battle("x", "y", "a")] * 10 + [Battle("x", "y", "b")], prior=0)
    >>> round(r["x"] - r["y"])  # 10 wins to 1: 400 points
    400

    Introduced in chapter 16.
    """
    battles = _check_battles(battles)
    names = _players(battles, players)
    prior = check_float("prior", prior, minimum=0.0)
    iterations = check_int("iterations", iterations, minimum=1)
    tol = check_float("tol", tol, minimum=0.0, open_minimum=True)
    if not names:
        return {}
    index = {p: n for n, p in enumerate(names)}
    i, j, score = _counts(battles, index)
    ratings = _fit(i, j, score, len(names), prior, iterations, tol)
    return {p: float(r) for p, r in zip(names, ratings, strict=True)}


def bootstrap_ratings(
    battles: Sequence[Battle],
    players: Sequence[str] | None = None,
    *,
    rounds: int = 200,
    confidence: float = 0.95,
    prior: float = 1.0,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """A percentile interval for each Bradley-Terry rating, by the bootstrap.

    Each round draws ``len(battles)`` battles with replacement and refits
    :func:`bradley_terry`; a player's interval runs between the ``(1 - confidence) / 2``
    and ``(1 + confidence) / 2`` quantiles of its ratings over the rounds. A player who
    drew no battle in a round is rated from its prior ties alone there, so ``prior`` must
    be > 0.

    Parameters
    ----------
    battles, players
        As for :func:`bradley_terry`.
    rounds : int, default 200
        Resamples (>= 2).
    confidence : float, default 0.95
        Share of the resampled ratings inside the interval, in ``(0, 1)``.
    prior : float, default 1.0
        As for :func:`bradley_terry`, but > 0.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    dict of str to (float, float)
        ``(low, high)`` per player.

    Raises
    ------
    TypeError, ValueError
        For bad arguments (as for :func:`bradley_terry`).

    Examples
    --------
    >>> battles = [Battle("x", "y", "a")] * 30 + [Battle("x", "y", "b")] * 10
    >>> low, high = bootstrap_ratings(battles, rounds=50)["x"]
    >>> low < bradley_terry(battles)["x"] < high
    True

    Introduced in chapter 16.
    """
    battles = _check_battles(battles)
    names = _players(battles, players)
    rounds = check_int("rounds", rounds, minimum=2)
    confidence = check_float(
        "confidence", confidence, minimum=0.0, maximum=1.0, open_minimum=True
    )
    if confidence >= 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    prior = check_float("prior", prior, minimum=0.0, open_minimum=True)
    seed = check_int("seed", seed, minimum=0)
    if not names:
        return {}
    index = {p: n for n, p in enumerate(names)}
    i, j, score = _counts(battles, index)
    rng = np.random.default_rng(seed)
    fits = np.empty((rounds, len(names)))
    for r in range(rounds):
        pick = rng.integers(0, len(battles), size=len(battles))
        fits[r] = _fit(i[pick], j[pick], score[pick], len(names), prior, 100, 1e-6)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(fits, [tail, 100 - tail], axis=0)
    return {
        p: (float(lo), float(hi)) for p, lo, hi in zip(names, low, high, strict=True)
    }


def elo(
    battles: Sequence[Battle],
    *,
    k: float = 32.0,
    initial: float = BASE_RATING,
) -> dict[str, float]:
    """Online Elo ratings: start everyone at ``initial`` and update after each battle.

    After a battle, ``R_a += k (S_a - E_a)`` and ``R_b -= k (S_a - E_a)``, with ``S_a`` the
    score of ``a`` (1, 0.5 for a tie, 0) and ``E_a`` its :func:`expected_score`. The
    result depends on the order of the battles.

    Parameters
    ----------
    battles : sequence of Battle
        The outcomes, in the order they are played.
    k : float, default 32
        The K-factor: the most points one battle moves a rating (> 0).
    initial : float, default 1000
        Every player's starting rating.

    Returns
    -------
    dict of str to float
        Final rating per player, players sorted by name.

    Raises
    ------
    TypeError, ValueError
        For bad battles or settings.

    Examples
    --------
    >>> elo([Battle("x", "y", "a")])
    {'x': 1016.0, 'y': 984.0}

    Introduced in chapter 16.
    """
    battles = _check_battles(battles)
    k = check_float("k", k, minimum=0.0, open_minimum=True)
    initial = check_float("initial", initial)
    ratings = dict.fromkeys(sorted({p for b in battles for p in b[:2]}), initial)
    for a, b, winner in battles:
        s_a = {"a": 1.0, "b": 0.0, "tie": 0.5}[winner]
        delta = k * (s_a - expected_score(ratings[a], ratings[b]))
        ratings[a] += delta
        ratings[b] -= delta
    return ratings


def elo_order_spread(
    battles: Sequence[Battle],
    *,
    shuffles: int = 100,
    seed: int = 0,
    k: float = 32.0,
    initial: float = BASE_RATING,
) -> dict[str, tuple[float, float]]:
    """How far online Elo moves with the order of the same battles.

    Runs :func:`elo` on ``shuffles`` random orders of ``battles`` and returns, per player,
    the lowest and the highest final rating. :func:`bradley_terry` gives one answer for
    every order.

    Parameters
    ----------
    battles : sequence of Battle
        The outcomes.
    shuffles : int, default 100
        Random orders tried (>= 1).
    seed : int, default 0
        Seed of the shuffles.
    k, initial
        As for :func:`elo`.

    Returns
    -------
    dict of str to (float, float)
        ``(lowest, highest)`` final Elo rating per player.

    Raises
    ------
    TypeError, ValueError
        For bad battles or settings.

    Examples
    --------
    >>> battles = [Battle("x", "y", "a"), Battle("x", "y", "b")]
    >>> low, high = elo_order_spread(battles, shuffles=20)["x"]
    >>> round(low, 2), round(high, 2)
    (998.53, 1001.47)

    Introduced in chapter 16.
    """
    battles = _check_battles(battles)
    shuffles = check_int("shuffles", shuffles, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    k = check_float("k", k, minimum=0.0, open_minimum=True)
    initial = check_float("initial", initial)
    rng = np.random.default_rng(seed)
    finals: dict[str, list[float]] = {}
    for _ in range(shuffles):
        order = rng.permutation(len(battles))
        result = elo([battles[o] for o in order], k=k, initial=initial)
        for p, r in result.items():
            finals.setdefault(p, []).append(r)
    return {p: (min(rs), max(rs)) for p, rs in finals.items()}
