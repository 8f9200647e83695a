"""Tests for the facts and qa documents: every fact is stated, every question is asked."""

from __future__ import annotations

import random

from stepbytoken.world.fact_documents import (
    fact_documents,
    family_document,
    qa_documents,
    statement,
)
from stepbytoken.world.facts import RELATIONS, Fact, person_facts
from stepbytoken.world.writer import Writer


def test_every_training_question_is_asked_in_the_corpus(world, default_corpus):
    text = default_corpus[1]
    for question, answer in world.questions("train"):
        assert f"Q: {question}\nA: {answer}\n" in text + "\n", question


def test_every_training_entity_has_a_facts_document(world, default_corpus):
    facts_text = " ".join(d.text for d in default_corpus[0] if d.kind == "facts")
    for fact in world.facts:
        if fact.relation in ("capital", "home", "profession", "father", "pet_name"):
            assert fact.subject in facts_text and fact.object in facts_text


def test_a_fact_document_states_every_fact_of_its_subject(world):
    for k in world.kingdoms + world.heldout_kingdoms:
        doc = world.fact_document(k.name, seed=1)
        assert all(
            name in doc for name in (*k.towns, k.currency, k.product, k.adjective)
        )
    for p in world.people + world.heldout_people:
        doc = world.fact_document(p.name, seed=2)
        assert all(f.object in doc for f in person_facts(p)), doc
        assert p.name in doc.split(".")[0]


def test_statements_use_the_templates_of_the_relation(world):
    fact = Fact("Mira", "profession", "apple seller")
    writer = Writer(world, random.Random(0))
    texts = {statement(writer, fact, None) for _ in range(50)}
    assert texts == {
        t.format(s="Mira", an_o="an apple seller") for t in RELATIONS["profession"][1]
    }


def test_family_documents_name_every_member(world):
    writer = Writer(world, random.Random(0))
    fathers = [p for p in world.people if p.role == "adult" and p.relative("wife")]
    for father in fathers:
        doc = family_document(writer, father)
        members = [father.name, *(n for _, n in father.relatives)]
        assert all(name in doc for name in members), doc


def test_fact_and_qa_documents_cycle_through_everything(world):
    writer = Writer(world, random.Random(0))
    n_subjects = len(world.kingdoms) + len(world.people)
    n_subjects += sum(
        1 for p in world.people if p.role == "adult" and p.relative("wife")
    )
    docs = fact_documents(writer, n_subjects)
    assert (
        all(d.kind == "facts" for d in docs)
        and len(set(d.text for d in docs)) == n_subjects
    )
    qa = qa_documents(writer, 200)
    pairs = [pair for d in qa for pair in d.text.split("\n\n")]
    assert all(3 <= len(d.text.split("\n\n")) <= 6 for d in qa)
    assert {f"Q: {f.question()}\nA: {f.object}" for f in world.facts} == set(pairs)
