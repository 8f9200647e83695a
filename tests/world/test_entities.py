"""Tests for the people and kingdoms: unique names, consistent families, pronouns."""

from __future__ import annotations

import random

import pytest

from stepbytoken.world import Person
from stepbytoken.world.entities import NamePools, make_family, make_kingdoms


def test_entity_names_are_unique(world):
    names = [k.name for k in world.kingdoms + world.heldout_kingdoms]
    names += [t for k in world.kingdoms + world.heldout_kingdoms for t in k.towns]
    names += [p.name for p in world.people + world.heldout_people]
    names += [p.pet_name for p in world.people + world.heldout_people if p.pet_name]
    names += [k.currency for k in world.kingdoms + world.heldout_kingdoms]
    assert len(names) == len(set(n.lower() for n in names))


def test_family_relations_are_consistent(world):
    facts = set(world.facts) | set(world.heldout_facts)
    inverse = {"father": ("son", "daughter"), "mother": ("son", "daughter"),
               "husband": ("wife",), "wife": ("husband",), "brother": ("brother", "sister"),
               "sister": ("brother", "sister"), "uncle": ("nephew", "niece"),
               "aunt": ("nephew", "niece"), "son": ("father", "mother"),
               "daughter": ("father", "mother"), "nephew": ("uncle", "aunt"),
               "niece": ("uncle", "aunt")}  # fmt: skip
    people = {p.name: p for p in world.people + world.heldout_people}
    for s, relation, o in facts:
        if relation in inverse:
            assert any((o, back, s) in facts for back in inverse[relation]), (
                s,
                relation,
                o,
            )
            male = relation in (
                "father",
                "husband",
                "brother",
                "uncle",
                "son",
                "nephew",
            )
            assert people[o].gender == ("male" if male else "female")
    for p in people.values():
        for relation in ("son", "daughter"):
            if p.relative(relation):
                assert p.age >= people[p.relative(relation)].age + 18


def test_people_live_where_their_facts_say(world):
    towns = {
        t: k.name for k in world.kingdoms + world.heldout_kingdoms for t in k.towns
    }
    for p in world.people + world.heldout_people:
        assert towns[p.home] == p.kingdom
        assert (p.profession is None) == (p.role != "adult")
        assert (p.title is None) == (p.role != "royal")
        assert (p.pet is None) == (p.pet_name is None)


@pytest.mark.parametrize(
    ("gender", "role", "title", "expected"),
    [
        ("male", "adult", None, ("he", "him", "his", "man", "Ivo")),
        ("female", "adult", None, ("she", "her", "her", "woman", "Ivo")),
        ("male", "child", None, ("he", "him", "his", "boy", "Ivo")),
        ("female", "child", None, ("she", "her", "her", "girl", "Ivo")),
        (
            "female",
            "royal",
            "princess",
            ("she", "her", "her", "princess", "Princess Ivo"),
        ),
    ],
)
def test_person_words(gender, role, title, expected):
    p = Person("Ivo", gender, role, 30, "Tolm", "Varnia", "red", title=title)
    assert (p.he, p.him, p.his, p.noun, p.display) == expected
    assert p.relative("father") is None


def test_name_pools_hand_out_each_name_once():
    pools = NamePools(random.Random(3))
    names = [pools.take("currency") for _ in range(16)]
    assert len(set(names)) == 16 and pools.left("currency") == 0
    with pytest.raises(ValueError, match="ran out of currency names"):
        pools.take("currency")


def test_kingdoms_and_families_are_drawn_from_the_seed():
    def draw(seed):
        rng = random.Random(seed)
        pools = NamePools(rng)
        kingdoms, royals = make_kingdoms(rng, pools, 2)
        towns = [(t, k.name) for k in kingdoms for t in k.towns]
        return kingdoms, royals, make_family(rng, pools, towns)

    assert draw(4) == draw(4) != draw(5)
    kingdoms, royals, family = draw(4)
    assert [p.kingdom for p in royals] == [k.name for k in kingdoms for _ in range(4)]
    assert {p.home for p in family} <= {t for k in kingdoms for t in k.towns}
