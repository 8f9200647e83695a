"""The multiple-choice benchmark: plausible distractors, balanced letters, held-out splits."""

from __future__ import annotations

from collections import Counter

import pytest

from stepbytoken.world import make_world, split_entities
from stepbytoken.world.facts import Fact
from stepbytoken.world.multiple_choice import (
    LETTERS,
    MCQuestion,
    check_mc_question,
    format_mc_prompt,
    make_mc_questions,
)


@pytest.fixture(scope="module")
def entities(world):
    return split_entities(world)


@pytest.fixture(scope="module")
def heldout(world, entities):
    return make_mc_questions(world, n=120, split="heldout", seed=0, entities=entities)


def test_deterministic(world, entities, heldout):
    again = make_mc_questions(world, n=120, split="heldout", seed=0, entities=entities)
    other = make_mc_questions(world, n=120, split="heldout", seed=1, entities=entities)
    assert again == heldout and other != heldout
    assert make_mc_questions(
        world, n=8, seed=0, entities=entities
    ) == make_mc_questions(make_world(0), n=8, seed=0)


def test_questions_ask_facts_of_their_split(world, entities, heldout):
    for split in ("train", "heldout", "unseen"):
        qs = make_mc_questions(world, n=40, split=split, entities=entities)
        assert {q.fact.subject for q in qs} <= set(entities.subjects[split])
        assert {q.fact for q in qs} <= set(entities.facts[split])
    assert len({q.fact for q in heldout}) == len(heldout)  # no fact asked twice


def test_options_are_plausible_and_only_one_is_right(world, heldout):
    by_relation: dict[str, set[str]] = {}
    right: dict[tuple[str, str], set[str]] = {}
    for f in world.facts:
        by_relation.setdefault(f.relation, set()).add(f.object)
    for f in world.facts + world.heldout_facts:
        right.setdefault((f.subject, f.relation), set()).add(f.object)
    for q in heldout:
        assert q.question == q.fact.question()
        assert len(q.options) == 4 and len(set(q.options)) == 4
        assert q.options[q.correct] == q.fact.object
        assert q.letter == LETTERS[q.correct]
        wrong = [o for i, o in enumerate(q.options) if i != q.correct]
        assert set(wrong) <= by_relation[q.fact.relation]  # same relation, corpus words
        assert not set(wrong) & right[(q.fact.subject, q.fact.relation)]
        assert q.fact.subject not in wrong
    assert len({q.fact.relation for q in heldout}) > 8


def test_right_answer_is_balanced_over_letters(heldout):
    assert Counter(q.correct for q in heldout) == {0: 30, 1: 30, 2: 30, 3: 30}
    assert [q.correct for q in heldout[:12]] != [0, 1, 2, 3] * 3  # shuffled, not cycled


def test_unseen_questions_may_use_unseen_answers(world, entities):
    qs = make_mc_questions(world, n=60, split="unseen", entities=entities)
    assert any(q.fact.object in world.heldout for q in qs)


def test_sizes(world, entities):
    assert make_mc_questions(world, n=0, entities=entities) == []
    with pytest.raises(ValueError, match="n must be at most"):
        make_mc_questions(world, n=10_000, entities=entities)


def test_prompt_format():
    q = MCQuestion(
        "Who is the king of Varnia?",
        ("Orrin", "Ivo", "Bram", "Edric"),
        0,
        Fact("Varnia", "king", "Orrin"),
    )
    prompt = format_mc_prompt(q)
    assert prompt.splitlines() == [
        "Question: Who is the king of Varnia?",
        "A. Orrin",
        "B. Ivo",
        "C. Bram",
        "D. Edric",
        "Answer:",
    ]


@pytest.mark.parametrize(
    ("question", "error", "match"),
    [
        (("Who?", ("a", "b", "c", "d"), 0, None), TypeError, "MCQuestion"),
        (MCQuestion("", ("a", "b", "c", "d"), 0, None), ValueError, "question"),
        (MCQuestion("Who?", ("a", "b", "c"), 0, None), ValueError, "options"),
        (MCQuestion("Who?", ("a", "b", "c", "a"), 0, None), ValueError, "options"),
        (MCQuestion("Who?", "abcd", 0, None), TypeError, "options"),
        (MCQuestion("Who?", ("a", "b", "c", "d"), 4, None), ValueError, "correct"),
    ],
)
def test_bad_questions(question, error, match):
    with pytest.raises(error, match=match):
        check_mc_question(question)
    with pytest.raises(error, match=match):
        format_mc_prompt(question)


def test_bad_arguments(world, entities):
    with pytest.raises(TypeError, match="world"):
        make_mc_questions("world", n=1)
    with pytest.raises(ValueError, match="split"):
        make_mc_questions(world, n=1, split="test", entities=entities)
    with pytest.raises(TypeError, match="entities"):
        make_mc_questions(world, n=1, entities="all")
    with pytest.raises(ValueError, match="n"):
        make_mc_questions(world, n=-1, entities=entities)
