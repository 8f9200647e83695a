"""Tests for the writer: articles, tenses, template fields, partners and noun sentences."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.world import VERBS
from stepbytoken.world.writer import Writer, an, cap, in_tense, person_fields

PLAIN = st.text(alphabet=st.characters(blacklist_characters="[]|"), max_size=20)


@pytest.mark.parametrize(
    ("word", "expected"), [("apple", "an apple"), ("cup", "a cup"), ("Owl", "an Owl")]
)
def test_an(word, expected):
    assert an(word) == expected


def test_cap():
    assert cap("the goat. the cat") == "The goat. the cat"
    assert cap("") == ""


@settings(max_examples=50, deadline=None)
@given(PLAIN, PLAIN, PLAIN, PLAIN)
def test_in_tense_keeps_one_form(before, present, past, after):
    text = f"{before}[{present}|{past}]{after}"
    assert in_tense(text, "present") == before + present + after
    assert in_tense(text, "past") == before + past + after
    assert in_tense(before, "past") == before


def test_person_fields(world):
    for p in world.people:
        f = person_fields("q", p)
        assert f["q"] == p.display and f["q_He"] == p.he.capitalize()
        assert ("q_worked" in f) == (p.profession is not None)
        assert ("q_pet_name" in f) == (p.pet is not None)


def test_partners_are_of_the_other_gender(world):
    writer = Writer(world, random.Random(0))
    for p in world.people:
        for _ in range(5):
            q, relation = writer.partner(p)
            assert q.gender != p.gender and q.name != p.name
            assert relation in ("friend", "neighbour") or p.relative(relation) == q.name


def test_fields_of_a_lasting_object_are_not_food(world):
    writer = Writer(world, random.Random(0))
    p = world.people[0]
    objs = {writer.fields(p, lasting=True)["obj"] for _ in range(200)}
    assert objs.isdisjoint({"apple", "pear", "egg"}) and len(objs) > 10


@pytest.mark.parametrize("tense", ["present", "past"])
def test_noun_sentences_agree_in_number_and_tense(world, tense):
    writer = Writer(world, random.Random(tense))
    p = world.people[-1]
    for _ in range(200):
        text = writer.noun_sentence(p, tense)
        assert text[0].isupper() and text.endswith(".") and "[" not in text
        forbidden = (
            ("was", "were", "saw") if tense == "present" else ("is", "are", "sees")
        )
        assert not set(text.rstrip(".").split()) & set(forbidden), text


def test_verb_phrases_avoid_excluded_verbs(world):
    writer = Writer(world, random.Random(0))
    for _ in range(100):
        phrase = writer.verb_phrase("present", exclude=("walks", "goes"))
        assert phrase.split()[0] not in ("walks", "goes")
    pasts = {past for _, past, _ in VERBS}
    assert all(writer.verb_phrase("past").split()[0] in pasts for _ in range(100))
