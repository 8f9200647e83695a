"""Tests of prompt scoring: answers, choices, votes, Wilson intervals (evaluation.prompting)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.artifacts import load_reference
from stepbytoken.evaluation.prompting import (
    accuracy,
    answer_after,
    choose,
    complete,
    few_shot_accuracy,
    first_line,
    majority_vote,
    sample_completions,
    vote_accuracy,
    wilson_interval,
)


@pytest.fixture(scope="module")
def ref():
    torch.set_num_threads(1)
    return load_reference()


def test_wilson_matches_its_closed_form_at_the_edges():
    """At 0 successes the upper bound is z^2 / (n + z^2); at n, the lower is n / (n + z^2)."""
    z = 1.96
    for n in (1, 10, 127):
        assert wilson_interval(0, n)[0] == 0.0
        assert wilson_interval(0, n)[1] == pytest.approx(z * z / (n + z * z))
        assert wilson_interval(n, n)[0] == pytest.approx(n / (n + z * z))


@given(st.integers(1, 500), st.data())
def test_wilson_holds_the_share_and_is_symmetric(n, data):
    correct = data.draw(st.integers(0, n))
    low, high = wilson_interval(correct, n)
    assert 0 <= low <= correct / n <= high <= 1
    flipped = wilson_interval(n - correct, n)
    assert math.isclose(low, 1 - flipped[1], abs_tol=1e-9)
    wider = wilson_interval(correct, n, z=2.58)
    assert wider[0] <= low + 1e-12 and high <= wider[1] + 1e-12


def test_accuracy_counts_and_bounds():
    acc = accuracy([True] * 3 + [False])
    assert (acc.correct, acc.n, acc.value) == (3, 4, 0.75)
    assert acc.low < 0.75 < acc.high
    with pytest.raises(ValueError):
        accuracy([])


def test_answers_are_read_from_the_first_line_or_after_the_marker():
    assert first_line(" Kell<|endoftext|>\nQ") == "Kell"
    assert answer_after(" 7 + 5 = 12, write 2 carry 1.\nA: 12\n\nQ: 1") == "12"
    assert answer_after(" no answer line") == ""


def test_majority_vote_breaks_ties_by_first_answer_and_ignores_blanks():
    assert majority_vote(["3", "4", "4", "3"]) == "3"
    assert majority_vote(["", "", "5"]) == "5"
    accs = vote_accuracy([["1", "2", "2"], ["3", "3", "3"]], ["2", "3"], [1, 3])
    assert [a.value for a in accs] == [0.5, 1.0]
    with pytest.raises(ValueError):
        vote_accuracy([["1"]], ["1"], [2])  # more voters than samples


def test_batched_completion_equals_one_prompt_at_a_time(ref):
    prompts = [
        "<|endoftext|>\nQ: 3 + 4 = ?\nA:",
        "<|endoftext|>\nQ: 5 + 1 = ?\nA:",
        "<|endoftext|>\nQ: Who is the king of Arden?\nA:",
    ]
    together = complete(ref.model, ref.tokenizer, prompts, max_new_tokens=5)
    alone = [
        complete(ref.model, ref.tokenizer, [p], max_new_tokens=5)[0] for p in prompts
    ]
    assert together == alone
    with pytest.raises(ValueError, match="does not fit"):
        complete(ref.model, ref.tokenizer, ["a " * 130], max_new_tokens=5)


def test_choose_prefers_the_answer_the_model_knows(ref):
    prompt = "<|endoftext|>\nQ: What is the capital of Gorrund?\nA:"
    towns = ["Tolm", "Bexholm", "Kell"]
    assert choose(ref.model, ref.tokenizer, [prompt], [towns]) == ["Bexholm"]
    with pytest.raises(ValueError, match="one non-empty list per prompt"):
        choose(ref.model, ref.tokenizer, [prompt, prompt, prompt], [["7"], ["8"]])


def test_sampling_is_seeded(ref):
    prompt = "<|endoftext|>\nQ: 7 + 5 = ?\nThink:"
    a = sample_completions(
        ref.model, ref.tokenizer, prompt, 4, max_new_tokens=12, seed=3
    )
    b = sample_completions(
        ref.model, ref.tokenizer, prompt, 4, max_new_tokens=12, seed=3
    )
    assert a == b and len(a) == 4


def test_a_few_shot_point_on_a_slice_is_fast_and_checked(ref):
    acc, prompts, answers = few_shot_accuracy(ref.model, ref.tokenizer, "arrow", 2, n=5)
    assert acc.n == len(prompts) == len(answers) == 5
    assert all(p.count("\n") == 3 and p.endswith(" ->") for p in prompts)
    with pytest.raises(ValueError, match="'question'"):
        few_shot_accuracy(ref.model, ref.tokenizer, "questions", 0)
    with pytest.raises(ValueError, match="does not fit"):
        few_shot_accuracy(ref.model, ref.tokenizer, "question", 8, n=20)
