"""Tests of the thinking metrics (stepbytoken.evaluation.thinking)."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation.thinking import (
    budget_curve,
    direct_accuracy,
    forward_flops,
    is_correct,
    majority_vote,
    vote_curve,
)
from stepbytoken.generation.thinking import thinking_tokenizer
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world.corpus import DOC_SEPARATOR
from stepbytoken.world.thinking_tasks import sum_problem


@pytest.fixture(scope="module")
def setup():
    tok = thinking_tokenizer(BPETokenizer(special_tokens=[DOC_SEPARATOR]))
    config = GPTConfig(
        vocab_size=tok.vocab_size, block_size=96, n_layer=1, n_head=1, d_model=8
    )
    return GPT(config, seed=0).eval(), tok, [sum_problem(1, 2), sum_problem(3, 4)]


def test_votes_and_answers():
    assert majority_vote(["a", "b", "b"]) == "b" and majority_vote(["x", "y"]) == "x"
    assert is_correct("Immer.", "Immer") and not is_correct("Imme", "Immer")
    assert forward_flops(10, 3) == 60.0
    with pytest.raises(ValueError):
        majority_vote([])


def test_a_budget_curve_has_one_point_per_budget(setup):
    model, tok, problems = setup
    curve = budget_curve(model, tok, problems, [0, 2, 6], max_tokens=6)
    assert len(curve.accuracy) == len(curve.tokens) == len(curve.answers) == 3
    assert curve.tokens[0] <= curve.tokens[1] <= curve.tokens[2]
    assert all(0 <= a <= 1 for a in curve.accuracy)


def test_a_vote_curve_costs_more_with_more_votes(setup):
    model, tok, problems = setup
    votes = vote_curve(model, tok, problems, [1, 3], max_tokens=4, seed=0)
    assert votes.tokens[1] > votes.tokens[0]
    accuracy, tokens, answers = direct_accuracy(model, tok, problems)
    assert 0 <= accuracy <= 1 and tokens > 0 and len(answers) == 2


def test_bad_problems_are_refused(setup):
    model, tok, _ = setup
    with pytest.raises(ValueError):
        budget_curve(model, tok, [], [0])
    with pytest.raises(TypeError):
        direct_accuracy(model, tok, "problems")
