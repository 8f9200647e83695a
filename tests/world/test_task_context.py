"""Tests for the shared task context and the answer sentences."""

from __future__ import annotations

import random

import pytest

from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.task_context import TaskContext, answer_sentence


def test_answer_sentences_state_every_relation():
    for relation in RELATIONS:
        text = answer_sentence(Fact("Mira", relation, "Tolm"))
        assert (
            "Mira" in text
            and "Tolm" in text
            and text[0].isupper()
            and text.endswith(".")
        )


def test_context_draws_only_from_its_splits(world):
    entities = split_entities(world)
    ctx = TaskContext(entities, "heldout", "heldout", random.Random(0))
    assert set(ctx.facts()) == set(entities.facts["heldout"])
    assert {f.relation for f in ctx.facts(("age",))} == {"age"}
    ids = {ctx.ask("Q?")[1] for _ in range(50)}
    assert ids == {"ask/4", "ask/5"}
    train_homes = {f.object for f in entities.facts["train"] if f.relation == "home"}
    assert set(ctx.train_objects("home")) == train_homes


@pytest.mark.parametrize(
    ("fact", "error", "match"),
    [
        (None, TypeError, "fact must be a Fact, got NoneType"),
        ("Mira is a baker", TypeError, "fact must be a Fact, got str"),
        (Fact("Mira", "shoe size", "9"), ValueError, "fact.relation must be one of"),
    ],
)
def test_answer_sentence_refuses_what_is_not_a_known_fact(fact, error, match):
    with pytest.raises(error, match=match):
        answer_sentence(fact)


def test_context_methods_refuse_bad_arguments_by_name(world):
    ctx = TaskContext(split_entities(world), "train", "train", random.Random(0))
    with pytest.raises(TypeError, match="question must be a str, got NoneType"):
        ctx.ask(None)
    with pytest.raises(TypeError, match="relations must be a list of str"):
        ctx.facts("age")
    with pytest.raises(TypeError, match="relations must be a list of str"):
        ctx.facts(3)
    with pytest.raises(ValueError, match="a relation of relations must be one of"):
        ctx.facts(("shoe size",))
    with pytest.raises(ValueError, match="relation must be one of"):
        ctx.train_objects("shoe size")
    with pytest.raises(TypeError, match="relation must be one of"):
        ctx.train_objects(None)
