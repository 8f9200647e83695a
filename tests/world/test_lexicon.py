"""Tests for the word lists: distinct names, distinct word forms, enough names for the world."""

from __future__ import annotations

from stepbytoken.world.lexicon import (
    ANIMALS,
    COLOURS,
    CURRENCIES,
    FEMALE_NAMES,
    FOODS,
    GENDER_PAIRS,
    KINGDOMS,
    MALE_NAMES,
    OBJECTS,
    PET_NAMES,
    PETS,
    PLACES,
    PRODUCTS,
    PROFESSIONS,
    TOWNS,
    VERBS,
)


def test_verbs_and_nouns_have_distinct_forms():
    for present, past, _ in VERBS:
        assert present != past and present.endswith("s")
    for item in ANIMALS + OBJECTS:
        assert item[0] != item[1]


def test_every_name_is_made_up_once():
    names = [n for pair in KINGDOMS for n in pair] + list(TOWNS) + list(MALE_NAMES)
    names += list(FEMALE_NAMES) + list(PET_NAMES) + list(CURRENCIES)
    assert len({n.lower() for n in names}) == len(names)
    ordinary = set(COLOURS) | set(PLACES) | set(PRODUCTS) | {p[0] for p in PROFESSIONS}
    ordinary |= {a[0] for a in ANIMALS} | {o[0] for o in OBJECTS}
    assert ordinary.isdisjoint(n.lower() for n in names)


def test_there_are_names_for_every_kingdom():
    assert len(KINGDOMS) == len(CURRENCIES) == len(PRODUCTS) == 16
    assert len(TOWNS) >= 3 * len(KINGDOMS)


def test_lists_refer_to_each_other():
    animals = {a[0] for a in ANIMALS}
    assert set(PETS) <= animals
    assert set(FOODS) <= {o[0] for o in OBJECTS}
    assert {p[1] for p in PROFESSIONS} <= set(PLACES)
    assert all(m != f for m, f in GENDER_PAIRS)
