"""Tests for the entity split: disjoint, deterministic, and never leaking held-out names."""

from __future__ import annotations

import pytest

from stepbytoken.world import make_world
from stepbytoken.world.entity_split import PHANTOM_USES, split_entities


def test_splits_are_disjoint_and_cover_the_world(world):
    split = split_entities(world)
    train, held, unseen = (
        set(split.subjects[s]) for s in ("train", "heldout", "unseen")
    )
    assert train and held and unseen
    assert not (train & held) and not (train & unseen) and not (held & unseen)
    assert train | held == {f.subject for f in world.facts}
    assert unseen == {f.subject for f in world.heldout_facts}
    assert {f.subject for f in split.facts["heldout"]} == held


def test_groups_stay_whole(world):
    """A held-out family or kingdom is held out with all its members, so no train fact names one."""
    split = split_entities(world)
    held = set(split.subjects["heldout"])
    people = {p.name for p in world.people}
    for fact in split.facts["train"]:
        assert not (fact.object in people and fact.object in held), fact


def test_phantoms_are_names_the_world_never_uses(world, corpus_words):
    split = split_entities(world)
    used = {p.name for p in world.people + world.heldout_people}
    used |= {k.name for k in world.kingdoms + world.heldout_kingdoms}
    phantoms = [n for use in PHANTOM_USES for n in split.phantom_people[use]]
    phantoms += [n for use in PHANTOM_USES for n in split.phantom_kingdoms[use]]
    assert len(phantoms) == len(set(phantoms)) > 20
    assert not set(phantoms) & used
    assert not {n.lower() for n in phantoms} & corpus_words  # never in the corpus
    assert all(split.phantom_people[use] for use in PHANTOM_USES)


def test_never_in_training_holds_the_held_out_names(world):
    split = split_entities(world)
    names = split.never_in_training()
    assert set(world.heldout) - names <= {
        t for k in world.heldout_kingdoms for t in k.towns
    }
    assert set(split.phantom_people["heldout"]) <= names
    assert not names & set(split.subjects["train"])


def test_deterministic_and_seeded(world):
    assert split_entities(world) == split_entities(make_world(0))
    assert split_entities(world, seed=1).subjects != split_entities(world).subjects


def test_argument_checks(world):
    with pytest.raises(TypeError, match="World"):
        split_entities("world")
    with pytest.raises(ValueError, match="heldout_share"):
        split_entities(world, heldout_share=1.0)
    assert not split_entities(world, heldout_share=0.0).subjects["heldout"]
