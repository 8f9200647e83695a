"""Tests for the retrieval set: documents about unseen entities that answer every question."""

from __future__ import annotations

import re

import pytest

from stepbytoken.world.retrieval_documents import retrieval_set


def test_one_document_per_unseen_entity_and_a_question_per_fact(world, corpus_words):
    data = retrieval_set(world)
    subjects = {d.subject for d in data.documents}
    assert subjects == {k.name for k in world.heldout_kingdoms} | {
        p.name for p in world.heldout_people
    }
    assert all(
        d.heldout and d.subject.lower() not in corpus_words for d in data.documents
    )
    assert len(data.questions) == len(world.heldout_facts)
    for q in data.questions:
        assert re.search(rf"\b{re.escape(q.answer)}\b", data.document(q.document).text)


def test_distractors_are_known_entities(world):
    data = retrieval_set(world, n_distractors=12, seed=1)
    known = [d for d in data.documents if not d.heldout]
    assert len(known) == 12 and not {d.subject for d in known} & set(world.heldout)
    assert {q.document for q in data.questions} <= {
        d.id for d in data.documents if d.heldout
    }


def test_deterministic_and_checked(world):
    assert retrieval_set(world, n_distractors=3) == retrieval_set(
        world, n_distractors=3
    )
    assert (
        retrieval_set(world, seed=1).documents != retrieval_set(world, seed=2).documents
    )
    with pytest.raises(ValueError, match="n_distractors"):
        retrieval_set(world, n_distractors=10_000)
    with pytest.raises(KeyError, match="no document"):
        retrieval_set(world).document("Nowhere")


def test_known_subjects_make_training_questions_apart_from_the_heldout(world):
    data = retrieval_set(world, subjects="known")
    assert not {d.subject for d in data.documents} & set(world.heldout)
    assert not any(d.heldout for d in data.documents)
    assert len(data.questions) == len(world.facts)
    for q in data.questions[:50]:
        assert q.subject in q.question
        assert re.search(rf"\b{re.escape(q.answer)}\b", data.document(q.document).text)
    with pytest.raises(ValueError, match="n_distractors must be 0"):
        retrieval_set(world, subjects="known", n_distractors=2)
    with pytest.raises(ValueError, match="subjects"):
        retrieval_set(world, subjects="all")
