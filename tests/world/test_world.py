"""Tests for World and make_world: determinism, sizes, held-out entities, look-ups, analogies."""

from __future__ import annotations

from collections import Counter

import pytest

from stepbytoken.world import DOC_SEPARATOR, DOCUMENT_KINDS, Document, make_world, words


def test_same_seed_same_world_and_text(world):
    assert make_world(seed=0) == world
    assert world.corpus(n_stories=200, seed=3) == make_world(seed=0).corpus(
        n_stories=200, seed=3
    )


def test_different_seeds_differ(world):
    assert make_world(seed=1) != world
    assert make_world(seed=1).corpus(n_stories=50) != world.corpus(n_stories=50)
    assert world.corpus(n_stories=50, seed=1) != world.corpus(n_stories=50, seed=2)


def test_default_corpus_size_and_speed(default_corpus):
    docs, text, seconds = default_corpus
    assert 1_000_000 <= len(text) <= 3_000_000
    assert seconds < 10, f"making the default corpus took {seconds:.1f} s"
    assert {d.kind for d in docs} == set(DOCUMENT_KINDS)
    assert text.count(DOC_SEPARATOR) == len(docs) - 1
    assert all(d.text and DOC_SEPARATOR not in d.text for d in docs)


def test_explicit_counts(world):
    docs = world.labelled_documents(
        n_stories=3, n_facts=2, n_qa=0, n_patterns=1, n_arithmetic=4
    )
    assert Counter(d.kind for d in docs) == {
        "story": 3,
        "facts": 2,
        "pattern": 1,
        "arithmetic": 4,
    }
    assert (
        world.documents(n_stories=0, n_facts=0, n_qa=0, n_patterns=0, n_arithmetic=0)
        == []
    )


def test_default_counts_are_shares_of_the_stories(world):
    counts = Counter(d.kind for d in world.labelled_documents(n_stories=100, seed=5))
    assert counts == {
        "story": 100,
        "facts": 25,
        "qa": 16,
        "pattern": 4,
        "arithmetic": 12,
    }
    counts = Counter(d.kind for d in world.labelled_documents(n_stories=1, seed=5))
    assert counts == dict.fromkeys(DOCUMENT_KINDS, 1)


def test_documents_roundtrip_kinds(world):
    docs = world.labelled_documents(n_stories=10, seed=4)
    assert all(isinstance(d, Document) and d.kind in DOCUMENT_KINDS for d in docs)
    assert world.documents(n_stories=10, seed=4) == [d.text for d in docs]
    assert world.corpus(n_stories=10, seed=4) == f"\n{DOC_SEPARATOR}\n".join(
        d.text for d in docs
    )


def test_heldout_entities_never_appear_in_training_corpus(world, corpus_words):
    assert len(world.heldout_kingdoms) == 2 and len(world.heldout_people) > 8
    heldout = {name.lower() for name in world.heldout}
    assert heldout.isdisjoint(corpus_words)
    train_subjects = {f.subject for f in world.facts} | {f.object for f in world.facts}
    assert train_subjects.isdisjoint(world.heldout)
    assert {f.subject for f in world.heldout_facts} <= set(world.heldout)


def test_lookups(world):
    k = world.kingdoms[0]
    assert world.kingdom(k.name) == k
    assert world.person(k.king).title == "king"
    assert world.person(world.heldout_people[0].name) == world.heldout_people[0]
    with pytest.raises(KeyError, match="no person called"):
        world.person("Nobody")
    with pytest.raises(KeyError, match="no kingdom called"):
        world.kingdom("Nowhere")
    with pytest.raises(KeyError, match="not a kingdom or a person"):
        world.fact_document("Nowhere")


def test_argument_errors(world):
    with pytest.raises(ValueError, match="split must be one of 'train', 'heldout'"):
        world.questions("test")
    with pytest.raises(ValueError, match="relation must be one of"):
        world.analogies("colour")
    with pytest.raises(ValueError, match="n_kingdoms must be an int >= 2"):
        make_world(n_kingdoms=1)
    with pytest.raises(ValueError, match="must be <= 16"):
        make_world(n_kingdoms=10, n_heldout_kingdoms=7)
    with pytest.raises(TypeError, match="seed must be an int"):
        make_world(seed="0")
    with pytest.raises(ValueError, match="n_facts must be an int >= 0"):
        world.labelled_documents(n_facts=-1)
    with pytest.raises(ValueError, match="n_stories must be an int >= 0"):
        world.labelled_documents(n_stories=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        world.labelled_documents(n_stories=1, seed=1.5)


def test_other_world_sizes():
    small = make_world(seed=5, n_kingdoms=3, n_families=2, n_heldout_kingdoms=0,
                       n_heldout_families=1)  # fmt: skip
    assert len(small.kingdoms) == 3 and not small.heldout_kingdoms
    text = small.corpus(n_stories=100)
    assert set(words(text)).isdisjoint(n.lower() for n in small.heldout)


def test_too_many_families_run_out_of_names():
    with pytest.raises(ValueError, match="the world ran out of"):
        make_world(n_families=60)


def test_analogy_words_occur_in_the_corpus(world, corpus_words):
    analogies = world.analogies()
    assert len(analogies) > 500
    for a, b, c, d in analogies:
        assert {a, b, c, d} <= corpus_words, (a, b, c, d)
        assert (a, b) != (c, d)
    groups = world.analogies_by_relation()
    assert sum(len(g) for g in groups.values()) == len(analogies)
    assert all(world.analogies(relation) == group for relation, group in groups.items())
    k0, k1 = world.kingdoms[:2]
    expected = (
        k0.name.lower(),
        k0.capital.lower(),
        k1.name.lower(),
        k1.capital.lower(),
    )
    assert expected in groups["capital"]
