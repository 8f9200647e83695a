"""Tests for the gold judge: each rule on examples that pass and fail it, and the score."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation.judge import (
    MAX_WORDS,
    RULES,
    WEIGHTS,
    final_answer,
    follows_constraint,
    judge,
)
from stepbytoken.world import make_world
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.instructions import KINDS, make_examples


def example(answer, constraint=None, final="ok"):
    return ChatExample(
        "format",
        (Message("user", "Question?"),),
        (Message("assistant", final),),
        answer,
        constraint,
        "t",
        (),
    )


@pytest.mark.parametrize(
    ("text", "correct"),
    [
        ("The capital is Tolm.", True),
        ("TOLM", True),
        ("Tolmbury is the capital.", False),  # a whole word, not a prefix
        ("It is Brel.", False),
        ("I don't know, maybe Tolm.", False),  # hedging is not an answer
    ],
)
def test_correct_means_the_gold_word_and_no_hedge(text, correct):
    assert judge(example("Tolm"), text).rules["correct"] is correct


def test_numbers_and_lists_and_dont_know():
    assert judge(example("34"), "Mira is 34 years old.").rules["correct"]
    assert not judge(example("34"), "Mira is 340 years old.").rules["correct"]
    towns = example("Tolm, Brel, Lisk", "list_three")
    assert judge(towns, "Lisk, Tolm, Brel").rules["correct"]
    assert not judge(towns, "Lisk, Tolm, Holt").rules["correct"]
    idk = example("I don't know")
    assert judge(idk, "I don't know.").rules["correct"]
    assert judge(idk, "I dont know who that is.").rules["correct"]
    assert not judge(idk, "Zed lives in Tolm.").rules["correct"]


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        ("one_word", "Tolm", "Tolm it is"),
        ("capitals", "THE CAPITAL IS TOLM.", "The capital is TOLM."),
        ("lowercase", "the capital is tolm.", "the capital is Tolm."),
        ("sentence", "The capital is Tolm.", "Tolm"),
        ("list_three", "Tolm, Brel, Lisk", "Tolm, Brel"),
        (None, "anything at all", None),
    ],
)
def test_each_instruction_rule(constraint, good, bad):
    assert follows_constraint(good, constraint)
    if bad is not None:
        assert not follows_constraint(bad, constraint)


def test_unknown_constraint_is_an_error():
    with pytest.raises(ValueError, match="constraint must be"):
        follows_constraint("x", "haiku")


def test_politeness_and_concision():
    ex = example("Tolm")
    assert not judge(ex, "Tolm. Obviously.").rules["polite"]
    assert not judge(ex, "Tolm, what a SILLY question.").rules["polite"]
    # "ugh" only as a word
    assert judge(ex, "Tolm, though it is small.").rules["polite"]
    long = "Tolm " + "is a fine town " * (MAX_WORDS // 4 + 1)
    assert not judge(ex, long).rules["concise"]
    assert not judge(ex, "It is Tolm. It is Tolm.").rules["concise"]
    assert judge(ex, "It is Tolm.").rules["concise"]


def test_scratchpads_are_judged_on_the_answer_line():
    assert final_answer("Think: a lot of steps here.\nAnswer: 71") == "71"
    ex = example("71", final="Think: 1 + 70 = 71, write 71. So 71.\nAnswer: 71")
    assert judge(ex).score == 1.0


def test_score_weights_correctness_twice():
    assert set(WEIGHTS) == set(RULES) and WEIGHTS["correct"] == 2
    verdict = judge(example("Tolm", "one_word"), "Brel")
    assert verdict.rules == {
        "correct": False,
        "follows_instruction": True,
        "polite": True,
        "concise": True,
    }
    assert verdict.score == pytest.approx(3 / 5)
    assert judge(example("Tolm"), "Obviously Brel.").score == pytest.approx(2 / 5)


def test_every_generated_answer_passes_every_rule():
    world = make_world(0)
    for kind in KINDS:
        split = "heldout" if kind != "unknown" else "unseen"
        for ex in make_examples(world, kind, 80, split=split, templates="all", seed=2):
            verdict = judge(ex)
            assert verdict.score == 1.0, (verdict, ex)


def test_argument_checks():
    with pytest.raises(TypeError, match="ChatExample"):
        judge("Tolm")
    with pytest.raises(TypeError, match="text"):
        judge(example("Tolm"), 3)
