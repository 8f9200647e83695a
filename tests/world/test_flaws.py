"""Tests for flawed answers: each flaw changes what it should and nothing else."""

from __future__ import annotations

import random

import pytest

from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.flaws import (
    RAMBLE,
    RUDE_REMARKS,
    applicable_flaws,
    flawed_answer,
)


def example(final, answer, constraint=None, relation="capital"):
    return ChatExample(
        "format",
        (Message("user", "What is the capital of Varnia?"),),
        (Message("assistant", final),),
        answer,
        constraint,
        "t",
        ("Varnia",),
        relation=relation,
    )


POOL = ["Tolm", "Brel", "Lisk", "Varnia"]


def test_applicable_flaws_depend_on_the_instruction():
    assert applicable_flaws(example("Tolm is the capital.", "Tolm")) == (
        "wrong",
        "rude",
        "rambling",
    )
    assert applicable_flaws(example("Tolm", "Tolm", "one_word")) == (
        "wrong",
        "ignores_instruction",
    )
    with pytest.raises(ValueError, match="flaw"):
        flawed_answer(
            example("Tolm", "Tolm", "one_word"), "rude", random.Random(0), POOL
        )


def test_wrong_answers_swap_the_gold_word_for_another():
    rng = random.Random(0)
    for _ in range(20):
        out = flawed_answer(
            example("TOLM IS IT.", "Tolm", "capitals"), "wrong", rng, POOL
        )
        word = out.split()[0]
        assert word in {"BREL", "LISK"} and out.endswith(" IS IT.")  # never the subject
    out = flawed_answer(
        example("Tolm, Brel, Lisk", "Tolm, Brel, Lisk", "list_three"),
        "wrong",
        random.Random(1),
        ["Tolm", "Brel", "Lisk", "Holt"],
    )
    assert out.count(",") == 2 and "Holt" in out
    num = ChatExample(
        "tool",
        (Message("user", "2+2?"),),
        (Message("assistant", "It is 4."),),
        "4",
        None,
        "calc/0",
        (),
    )
    assert all(
        flawed_answer(num, "wrong", random.Random(s)) != "It is 4." for s in range(10)
    )
    with pytest.raises(ValueError, match="another answer"):
        flawed_answer(
            example("Tolm is it.", "Tolm"), "wrong", random.Random(0), ["Tolm"]
        )


def test_made_up_answers_for_unknown_questions():
    idk = ChatExample(
        "unknown",
        (Message("user", "Where does Zed live?"),),
        (Message("assistant", "I don't know."),),
        "I don't know",
        None,
        "ask/0",
        ("Zed",),
        relation="home",
    )
    assert (
        flawed_answer(idk, "wrong", random.Random(0), ["Tolm"]) == "Zed lives in Tolm."
    )


def test_instruction_rude_and_rambling_flaws():
    rng = random.Random(0)
    assert flawed_answer(
        example("Tolm", "Tolm", "one_word"), "ignores_instruction", rng
    ) == ("The answer is Tolm.")
    capitals = example("TOLM.", "Tolm", "capitals")
    assert flawed_answer(capitals, "ignores_instruction", rng) == "tolm."
    assert (
        flawed_answer(
            example("Tolm, Brel, Lisk", "x", "list_three"), "ignores_instruction", rng
        )
        == "Tolm Brel Lisk"
    )
    rude = flawed_answer(example("Tolm is it.", "Tolm"), "rude", rng)
    assert any(rude == "Tolm is it." + r for r in RUDE_REMARKS)
    assert flawed_answer(example("TOLM.", "Tolm", "capitals"), "rambling", rng) == (
        "TOLM." + RAMBLE.upper()
    )
    with pytest.raises(TypeError, match="random.Random"):
        flawed_answer(example("Tolm is it.", "Tolm"), "rude", 0)
