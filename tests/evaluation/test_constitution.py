"""Tests for the constitution: each principle on answers that keep and break it, the critic's
functions, and agreement with the gold judge where they check the same thing."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation.constitution import (
    CONSTITUTION,
    Revision,
    critique,
    prefer,
    revise,
    violation_rates,
)
from stepbytoken.evaluation.judge import MAX_WORDS, RULES, judge
from stepbytoken.evaluation.preferences import preference_pairs
from stepbytoken.recipes.sft import load_sft
from stepbytoken.world import make_world
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.instructions import make_examples

PRINCIPLES = {p.name: p for p in CONSTITUTION}


def example(kind="fact", constraint=None, answer="Tolm"):
    return ChatExample(
        kind,
        (Message("user", "Question?"),),
        (Message("assistant", "ok"),),
        answer,
        constraint,
        "t",
        (),
    )


def test_the_constitution_is_a_few_plain_sentences_without_correctness():
    assert 3 <= len(CONSTITUTION) <= 5
    assert list(PRINCIPLES) == ["polite", "concise", "follows_instruction", "honest"]
    assert "correct" not in PRINCIPLES
    for p in CONSTITUTION:
        assert p.text.endswith(".") and "\n" not in p.text and callable(p.check)
    assert str(MAX_WORDS) in PRINCIPLES["concise"].text


@pytest.mark.parametrize(
    ("name", "ex", "keeps", "breaks"),
    [
        ("polite", example(), "The capital is Tolm.", "Tolm, obviously."),
        ("polite", example(), "Tolm, though it is small.", "UGH. Tolm."),
        ("concise", example(), "It is Tolm.", "It is Tolm. It is Tolm."),
        ("concise", example(), "Tolm " * MAX_WORDS, "Tolm " * (MAX_WORDS + 1)),
        (
            "concise",
            example("scratchpad"),
            "Think: " + "1 + 1 = 2. " * 10 + "\nAnswer: 2",
            "Think: " + "1 + 1 = 2. " * 10,  # no answer line: all of it is the answer
        ),
        ("follows_instruction", example(constraint="one_word"), "Tolm", "It is Tolm."),
        ("follows_instruction", example(constraint="capitals"), "TOLM.", "Tolm."),
        ("follows_instruction", example(constraint="list_three"), "A, B, C", "A, B"),
        ("honest", example("unknown"), "I don't know.", "Zed lives in Tolm."),
        ("honest", example(), "The capital is Tolm.", "I don't know."),
        ("honest", example(), "Brel.", "I dont know who that is."),
    ],
)
def test_each_principle_on_answers_that_keep_and_break_it(name, ex, keeps, breaks):
    check = PRINCIPLES[name].check
    assert check(ex, keeps) is True
    assert check(ex, breaks) is False
    assert name not in critique(ex, keeps) and name in critique(ex, breaks)


def test_no_instruction_is_always_followed():
    assert PRINCIPLES["follows_instruction"].check(example(), "any words at all")


def test_the_checks_agree_with_the_judge_on_flawed_answers():
    """Where a principle checks what one of the judge's rules checks, they agree."""
    pairs = preference_pairs(make_world(0), 240, split="heldout", templates="all")
    same = {"polite": "polite", "concise": "concise"}
    same["follows_instruction"] = "follows_instruction"
    assert set(same.values()) < set(RULES)
    for pair in pairs:
        for text in (pair.chosen, pair.rejected):
            rules = judge(pair.example, text).rules
            for name, rule in same.items():
                assert PRINCIPLES[name].check(pair.example, text) == rules[rule]
            if pair.example.kind == "unknown":  # there, honest is what correct means
                honest = PRINCIPLES["honest"].check(pair.example, text)
                assert honest == rules["correct"]


def test_the_worlds_own_answers_break_nothing():
    world = make_world(0)
    for kind in ("fact", "format", "passage", "scratchpad", "unknown", "tool"):
        for ex in make_examples(world, kind, 40, seed=3):
            assert critique(ex, ex.final) == (), ex


def test_prefer_picks_the_answer_with_fewer_violations():
    ex = example(constraint="one_word")
    assert prefer(ex, "Brel", "Obviously Tolm.") == ("Brel", "Obviously Tolm.")
    assert prefer(ex, "Obviously Tolm.", "Brel") == ("Brel", "Obviously Tolm.")
    assert prefer(ex, "Tolm.", "Brel") is None  # the truth is not the constitution's
    assert prefer(ex, "Tolm is it.", "Obviously") is None  # one violation each


def test_violation_rates_count_each_principle_and_any():
    ex = example(constraint="one_word")
    rates = violation_rates([ex] * 4, ["Tolm", "Tolm is it", "Obviously", "ugh, it is"])
    assert rates == {
        "polite": 0.5,
        "concise": 0.0,
        "follows_instruction": 0.5,
        "honest": 0.0,
        "any": 0.75,
    }


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: critique("Tolm", "Tolm"), TypeError, "example"),
        (lambda: critique(example(), None), TypeError, "answer"),
        (lambda: prefer(example(), "a", 3), TypeError, "second"),
        (lambda: violation_rates([], []), ValueError, "at least one"),
        (lambda: violation_rates([example()], ["a", "b"]), ValueError, "pair up"),
        (lambda: violation_rates(example(), ["a"]), TypeError, "examples"),
        (lambda: violation_rates([example()], "a"), TypeError, "answers"),
        (lambda: violation_rates(["x"], ["a"]), TypeError, r"examples\[0\]"),
        (lambda: violation_rates([example()], [1]), TypeError, r"answers\[0\]"),
    ],
)
def test_bad_input_is_refused_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.fixture(scope="module")
def assistant():
    return load_sft()


def test_revise_keeps_an_accepted_answer_or_one_the_constitution_accepts(assistant):
    examples = make_examples(make_world(0), "format", 6, seed=4)
    for i, ex in enumerate(examples):
        done = revise(assistant.model, assistant.tokenizer, ex, draws=3, seed=i)
        assert isinstance(done, Revision)
        assert done.critique == critique(ex, done.initial)
        if done.draws == 1:
            assert done.critique == () and done.revision == done.initial
        else:
            assert done.draws == 4 and done.critique
        if done.revision is not None:
            assert done.revision.strip() and critique(ex, done.revision) == ()
        again = revise(assistant.model, assistant.tokenizer, ex, draws=3, seed=i)
        assert again == done  # seeded


def test_revise_drops_a_prompt_no_answer_can_satisfy(assistant):
    # "I don't know" in one word cannot be written: every draw breaks a principle
    ex = make_examples(make_world(0), "unknown", 1)[0]
    impossible = ChatExample(
        "unknown", ex.prompt, ex.reply, ex.answer, "one_word", "t", ex.entities
    )
    done = revise(assistant.model, assistant.tokenizer, impossible, draws=2)
    assert done.revision is None and done.draws == 3 and done.critique


def test_revise_refuses_bad_arguments(assistant):
    ex = example()
    with pytest.raises(ValueError, match="draws"):
        revise(assistant.model, assistant.tokenizer, ex, draws=0)
    with pytest.raises(TypeError, match="example"):
        revise(assistant.model, assistant.tokenizer, "Question?")
