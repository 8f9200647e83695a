"""Tests of stepbytoken.evaluation.repetition: repeated phrases, their trends, and loops."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation import copy_probabilities
from stepbytoken.evaluation.repetition import Loop, copy_trend, find_loop
from stepbytoken.nn import GPT, GPTConfig


@pytest.fixture(scope="module")
def model():
    config = GPTConfig(vocab_size=12, block_size=16, n_layer=1, n_head=2, d_model=16)
    return GPT(config, seed=0).eval()


def test_each_copy_is_the_geometric_mean_of_its_probabilities(model):
    prefix, phrase = [0, 1, 2], [5, 6, 7, 8]
    per_copy = copy_probabilities(model, prefix, phrase)
    assert per_copy.shape == (3,)  # (16 - 3) // 4 copies fit
    ids = torch.tensor([prefix + phrase * 3])
    with torch.no_grad():
        probs = torch.softmax(model(ids[:, :-1])[0][0], dim=-1)  # (T - 1, vocab_size)
    for k in range(3):
        positions = range(2 + 4 * k, 2 + 4 * (k + 1))  # predictions of the k-th copy
        p = torch.stack([probs[t, ids[0, t + 1]] for t in positions])
        assert per_copy[k] == pytest.approx(p.prod().item() ** (1 / 4), rel=1e-5)


def test_refuses_what_cannot_be_measured(model):
    with pytest.raises(ValueError, match="at least one token id"):
        copy_probabilities(model, [], [1])
    with pytest.raises(ValueError, match="no copy of a 20-token phrase fits"):
        copy_probabilities(model, [0], [1] * 20)

    class Unlimited:  # a language model without a context limit
        vocab_size, block_size = 12, None

        def __call__(self, idx, targets=None):
            return torch.zeros(*idx.shape, 12), None

    with pytest.raises(ValueError, match="model must have a block_size"):
        copy_probabilities(Unlimited(), [0], [1])


@pytest.mark.parametrize(
    ("probs", "trend"),
    [
        ([0.254, 0.597, 0.597, 0.594, 0.588, 0.573, 0.573], "rises then stays"),
        (
            [0.241, 0.524, 0.519, 0.466, 0.418, 0.396, 0.366, 0.353, 0.357],
            "rises then falls",
        ),
        # doubles, still never copied
        ([0.0016, 0.0024, 0.0029, 0.0033, 0.0027], "never copied"),
        ([0.2, 0.4, 0.6, 0.8], "keeps rising"),
        # last is the peak, but within the tolerance
        ([0.2, 0.6, 0.64], "rises then stays"),
        ([0.9, 0.905], "never copied"),  # 0.905 < 0.9 + 0.1 * (1 - 0.9)
        ([0.5, 0.6, 0.7], "keeps rising"),
        ([0.5, 0.2, 0.1], "never copied"),
    ],
)
def test_copy_trend_names_each_shape(probs, trend):
    assert copy_trend(probs) == trend


def test_copy_trend_options_and_checks():
    probs = [0.2, 0.3, 0.3]  # closes 0.125 of the distance to certainty
    assert copy_trend(probs) == "rises then stays"
    assert copy_trend(probs, min_gain=0.2) == "never copied"
    assert copy_trend([0.2, 0.6, 0.5]) == "rises then falls"
    assert copy_trend([0.2, 0.6, 0.5], tolerance=0.2) == "rises then stays"
    with pytest.raises(ValueError, match="at least 2 copies"):
        copy_trend([0.5])
    with pytest.raises(ValueError, match=r"probabilities in \(0, 1\]"):
        copy_trend([0.5, 0.0])
    with pytest.raises(
        ValueError, match=r"min_gain must be a finite number in \(0, 1\]"
    ):
        copy_trend([0.2, 0.4], min_gain=0)
    with pytest.raises(ValueError, match="tolerance must be a finite number"):
        copy_trend([0.2, 0.4], tolerance=1.0)


def _brute_force_loop(ids, min_turns=2):
    """The earliest start of a periodic tail with at least min_turns turns, by definition."""
    n = len(ids)
    for start in range(n):
        for period in range(1, (n - start) // min_turns + 1):
            if all(ids[i] == ids[i + period] for i in range(start, n - period)):
                return start, period
    return None


@given(
    st.lists(st.integers(0, 3), max_size=8),
    st.lists(st.integers(0, 3), min_size=1, max_size=5),
    st.integers(0, 4),
    st.integers(0, 4),
)
def test_find_loop_matches_the_definition(prefix, block, turns, extra):
    ids = prefix + block * turns + block[: extra % len(block)]
    loop = find_loop(ids)
    expected = _brute_force_loop(ids)
    if expected is None:
        assert loop is None
    else:
        assert (loop.start, loop.period, loop.length) == (
            *expected,
            len(ids) - expected[0],
        )
        tail = ids[loop.start :]
        assert all(
            tail[i] == tail[i + loop.period] for i in range(len(tail) - loop.period)
        )
    if turns >= 2:  # the planted loop is found, or one that starts earlier
        assert loop is not None and loop.start <= len(prefix)


def test_find_loop_finds_the_whole_loop_not_a_phrase_inside_it():
    phrase, other = [1, 2, 3], [9]
    # a loop of 10 tokens that repeats a 3-token phrase inside it
    turn = other + phrase * 3
    ids = [5, 6] + turn * 3
    loop = find_loop(ids)
    assert loop == Loop(start=2, period=10, length=30)
    assert loop.turns == 3.0
    assert find_loop(torch.tensor(ids)) == loop
    assert find_loop([5, 6] + phrase * 3) == Loop(start=2, period=3, length=9)
    assert find_loop(list(range(10))) is None
    assert find_loop([1, 1], min_turns=2) == Loop(start=0, period=1, length=2)
    assert find_loop([1, 2, 1, 2], min_turns=3) is None


def test_loop_is_closed_once_the_window_comes_round():
    loop = Loop(start=99, period=91, length=231)
    assert loop.is_closed(128)  # 231 >= 128 + 91
    assert not loop.is_closed(141)  # 231 < 141 + 91
    with pytest.raises(ValueError, match="block_size must be an int >= 1"):
        loop.is_closed(0)


def test_find_loop_checks_its_arguments():
    with pytest.raises(TypeError, match="ids must hold int token ids"):
        find_loop([1, 2.0])
    with pytest.raises(TypeError, match="ids must be a sequence of token ids"):
        find_loop("abab")
    with pytest.raises(TypeError, match="1-D tensor"):
        find_loop(torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="min_turns must be an int >= 2"):
        find_loop([1, 1], min_turns=1)
