"""Best-of-n (stepbytoken.evaluation.best_of_n) against brute force over every subset."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation.best_of_n import (
    best_of_n_kl_bound,
    expected_best_of_n,
    sample_replies,
)
from stepbytoken.recipes.sft import load_sft
from stepbytoken.world.conversation import Message


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-50, 50), st.integers(0, 5)),
        min_size=1,
        max_size=7,
        unique_by=lambda t: t[0],  # distinct proxy scores: no ties to break
    ),
    st.data(),
)
def test_expected_best_of_n_is_the_mean_over_every_subset(rows, data):
    proxy = [float(p) for p, _ in rows]
    gold = [float(g) for _, g in rows]
    n = data.draw(st.integers(1, len(rows)))
    subsets = list(itertools.combinations(range(len(rows)), n))
    best = [max(s, key=lambda i: proxy[i]) for s in subsets]
    expected = (
        sum(proxy[i] for i in best) / len(best),
        sum(gold[i] for i in best) / len(best),
    )
    assert expected_best_of_n(proxy, gold, n) == pytest.approx(expected)


def test_the_kl_bound():
    assert best_of_n_kl_bound(1) == 0
    assert best_of_n_kl_bound(2) == pytest.approx(math.log(2) - 0.5)
    values = [best_of_n_kl_bound(n) for n in (1, 2, 4, 8, 16, 32)]
    assert values == sorted(values)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([1.0], [1.0, 2.0], 1), "same answers"),
        (([], [], 1), "same answers"),
        (([1.0, 2.0], [1.0, 2.0], 3), "n"),
        (([1.0, float("nan")], [1.0, 2.0], 1), "proxy"),
    ],
)
def test_bad_scores_are_refused(args, match):
    with pytest.raises(ValueError, match=match):
        expected_best_of_n(*args)


def test_sampled_replies_are_seeded_and_varied():
    assistant = load_sft()
    chat = [Message("user", "Where does Britta live?")]
    one = sample_replies(assistant.model, assistant.tokenizer, chat, 8, seed=3)
    again = sample_replies(assistant.model, assistant.tokenizer, chat, 8, seed=3)
    assert one == again and len(one) == 8
    assert len(set(one)) > 1  # temperature 1: not all the same
    assert all("<|" not in r for r in one)
