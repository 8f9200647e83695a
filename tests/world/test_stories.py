"""Tests for the stories: pronouns that resolve, agreement with the facts, every kind told."""

from __future__ import annotations

import random
import re

import pytest

from stepbytoken.world import ANIMALS, COLOURS, OBJECTS, PLACES, PROFESSIONS
from stepbytoken.world.stories import tell, write_story
from stepbytoken.world.story_templates import STORIES
from stepbytoken.world.writer import Writer

MALE_PRONOUNS = {"he", "him", "his", "himself"}
FEMALE_PRONOUNS = {"she", "her", "hers", "herself"}

# Who can be the main character of each story told from STORIES.
CAN_TELL = {
    "market": lambda p: True,
    "lost": lambda p: True,
    "gift": lambda p: True,
    "pet": lambda p: p.pet is not None,
    "royal tour": lambda p: p.role == "royal",
    "royal visit": lambda p: p.role != "royal",
    "journey": lambda p: p.role == "adult",
    "help": lambda p: p.role == "adult",
}


def count_resolved_pronouns(text: str, gender: dict[str, str]) -> int:
    """Check that every he/she has one named referent of its gender before it; count them."""
    named: dict[str, set[str]] = {"male": set(), "female": set()}
    pronouns = 0
    for token in re.findall(r"[A-Za-z]+", text):
        if token in gender:
            named[gender[token]].add(token)
        elif token.lower() in MALE_PRONOUNS | FEMALE_PRONOUNS:
            g = "male" if token.lower() in MALE_PRONOUNS else "female"
            assert len(named[g]) == 1, (
                f"{token!r} is ambiguous or unresolved in: {text}"
            )
            pronouns += 1
    assert len(named["male"]) <= 1 and len(named["female"]) <= 1, text
    return pronouns


def test_pronouns_agree_with_the_only_named_person_of_that_gender(world, stories):
    """Every he/she in a story has exactly one possible referent, named before it."""
    gender = {p.name: p.gender for p in world.people}
    pronouns_checked = sum(count_resolved_pronouns(text, gender) for text in stories)
    assert pronouns_checked > 10 * len(stories) // 2


def test_stories_agree_with_facts(world, stories):
    people = {p.name: p for p in world.people}
    pattern = re.compile(r"\b([A-Z][a-z]+) (?:was|is) a ([a-z]+) (?:who|in|from)\b")
    checked = 0
    for text in stories:
        for name, what in pattern.findall(text):
            if name in people:
                p = people[name]
                assert what in (p.profession, p.noun, "young", "little"), (
                    name,
                    what,
                    text,
                )
                checked += 1
        for pet, pet_name in re.findall(r"had an? ([a-z]+) called ([A-Z][a-z]+)", text):
            owner = next(p for p in people.values() if p.pet_name == pet_name)
            assert owner.pet == pet
    assert checked > 1000


def test_stories_are_sentences(stories):
    for text in stories[:1500]:
        assert text[0].isupper() and text[-1] in '.!"'
        assert "  " not in text and "{" not in text and "[" not in text
        assert 3 <= text.count(".") <= 12


def test_names_never_clash_with_ordinary_words(world, default_corpus):
    """A name written in lowercase would mean a template uses the same word."""
    lowercase_words = set(re.findall(r"\b[a-z]+\b", default_corpus[1]))
    common = set(COLOURS) | set(PLACES) | {p[0] for p in PROFESSIONS}
    common |= {a[0] for a in ANIMALS} | {a[1] for a in ANIMALS}
    common |= {o[0] for o in OBJECTS} | {o[1] for o in OBJECTS}
    for k in world.kingdoms:
        for name in (k.name, k.adjective, *k.towns):
            assert name.lower() not in lowercase_words, name
        assert k.currency not in common
    for p in world.people:
        for name in (p.name, p.pet_name):
            if name:
                assert name.lower() not in lowercase_words, name


@pytest.mark.parametrize("kind", sorted(STORIES))
def test_every_story_kind_can_be_told_about_everyone_it_fits(world, kind):
    writer = Writer(world, random.Random(kind))
    gender = {p.name: p.gender for p in world.people}
    cast = [p for p in world.people if CAN_TELL[kind](p)]
    assert cast
    for p in cast:
        sentences = tell(writer, p, STORIES[kind])
        assert len(sentences) == len(STORIES[kind].lines)
        assert all(s.lstrip('"')[0].isupper() and s[-1] in '.!"' for s in sentences), (
            sentences
        )
        assert p.name in sentences[0]
        count_resolved_pronouns(" ".join(sentences), gender)


def test_write_story_is_seeded(world):
    def told(seed):
        writer = Writer(world, random.Random(seed))
        return [write_story(writer) for _ in range(20)]

    assert told(0) == told(0) != told(1)


def test_an_unknown_cast_is_refused(world):
    story = STORIES["market"]._replace(cast="crowd")
    with pytest.raises(ValueError, match="unknown cast 'crowd'"):
        tell(Writer(world, random.Random(0)), world.people[0], story)
