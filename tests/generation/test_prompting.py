"""Tests of few-shot prompt building (stepbytoken.generation.prompting)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.artifacts import load_reference
from stepbytoken.generation.prompting import (
    ARITHMETIC_WORDINGS,
    FACT_WORDINGS,
    Shot,
    Wording,
    arithmetic_shot,
    check_wording,
    draw_examples,
    fact_shot,
    few_shot_prompt,
    orders,
)
from stepbytoken.world import DOC_SEPARATOR, make_world
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.facts import Fact

MIRA = fact_shot(Fact("Mira", "home", "Kell"))
POOL = [fact_shot(Fact(name, "home", "Tolm")) for name in ("Ada", "Bo", "Cy", "Di")]


def test_zero_shot_is_the_question_as_a_new_document():
    for wording in FACT_WORDINGS:
        assert few_shot_prompt(wording, [], MIRA) == (
            f"{DOC_SEPARATOR}\n{wording.ask(MIRA)}"
        )
    assert wording.ask(MIRA) == "Mira ->"


def test_examples_come_solved_and_separated_before_the_question():
    question = check_wording("question", FACT_WORDINGS)
    prompt = few_shot_prompt(question, POOL[:2], MIRA)
    assert prompt == (
        "<|endoftext|>\nQ: Where does Ada live?\nA: Tolm\n\n"
        "Q: Where does Bo live?\nA: Tolm\n\nQ: Where does Mira live?\nA:"
    )
    assert "Kell" not in prompt  # the question's answer is never shown


def test_a_wording_names_the_field_it_misses():
    with pytest.raises(ValueError, match="'a'"):
        check_wording("think", ARITHMETIC_WORDINGS).ask(MIRA)


def test_draw_examples_never_draws_the_question_and_is_seeded():
    pool = [*POOL, MIRA]
    for seed in range(20):
        drawn = draw_examples(pool, 4, MIRA, seed=seed)
        assert MIRA not in drawn and len(set(map(str, drawn))) == 4
    assert draw_examples(pool, 3, MIRA, seed="a") == draw_examples(
        pool, 3, MIRA, seed="a"
    )
    with pytest.raises(ValueError, match="need k=5"):
        draw_examples(pool, 5, MIRA)


@given(st.integers(0, 6), st.integers(1, 30), st.integers(0, 1000))
def test_orders_are_distinct_permutations_starting_with_the_given_one(k, n, seed):
    if n > math.factorial(k):
        with pytest.raises(ValueError, match="at most"):
            orders(k, n, seed=seed)
        return
    found = orders(k, n, seed=seed)
    assert found[0] == tuple(range(k)) and len(set(found)) == n
    assert all(sorted(o) == list(range(k)) for o in found)


def test_arithmetic_shots_hold_the_answer():
    assert arithmetic_shot(9, "+", 8).answer == "17"
    think = check_wording("think", ARITHMETIC_WORDINGS)
    assert think.ask(arithmetic_shot(9, "-", 8)) == "Q: 9 - 8 = ?\nThink:"
    with pytest.raises(ValueError, match=">= b"):
        arithmetic_shot(1, "-", 2)


def test_every_wording_has_the_fields_of_every_fact_and_eight_examples_fit_some():
    """Every relation's facts can be asked in every wording; k = 8 fits the window for the
    short wordings (the recipe drops points that do not fit)."""
    facts = split_entities(make_world(0)).facts["train"]
    shots = [fact_shot(f) for f in facts if f.relation in ("home", "age", "pet")]
    tok = load_reference().tokenizer
    for wording in FACT_WORDINGS:
        prompt = few_shot_prompt(wording, shots[:8], shots[8])
        if wording.name in ("bare", "arrow"):
            assert len(tok.encode(prompt)) < 100
    with pytest.raises(ValueError, match="relation"):
        fact_shot(Fact("Arden", "capital", "Tolm"))
    assert isinstance(Wording("x", "{subject}").show(Shot({"subject": "a"}, "b")), str)
