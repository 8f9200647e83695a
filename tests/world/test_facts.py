"""Tests for facts and questions: one answer per question, true answers for held-out entities."""

from __future__ import annotations

from stepbytoken.world import RELATIONS, Fact
from stepbytoken.world.facts import kingdom_facts, person_facts


def test_every_fact_has_one_question_with_one_answer(world):
    for split, facts in (("train", world.facts), ("heldout", world.heldout_facts)):
        questions = world.questions(split)
        assert questions == [(f.question(), f.object) for f in facts]
        answers: dict[str, set[str]] = {}
        for question, answer in questions:
            answers.setdefault(question, set()).add(answer)
        assert all(len(a) == 1 for a in answers.values()), "a question with two answers"
    assert {f.relation for f in world.facts} == set(RELATIONS)


def test_heldout_questions_have_true_answers(world):
    questions = world.questions("heldout")
    assert len(questions) == len(world.heldout_facts) > 50
    k = world.heldout_kingdoms[0]
    assert (f"What is the capital of {k.name}?", k.capital) in questions
    doc = world.fact_document(k.name)
    assert k.capital in doc and k.currency in doc
    person = world.heldout_people[-1]
    assert str(person.age) in world.fact_document(person.name)


def test_world_facts_are_the_facts_of_its_entities(world):
    expected = [f for k in world.kingdoms for f in kingdom_facts(k)]
    expected += [f for p in world.people for f in person_facts(p)]
    assert list(world.facts) == expected


def test_every_relative_is_a_fact(world):
    for p in world.people:
        facts = person_facts(p)
        assert all(Fact(p.name, rel, name) in facts for rel, name in p.relatives)
        assert Fact(p.name, "home", p.home) in facts


def test_every_template_names_subject_and_object():
    for question, statements in RELATIONS.values():
        assert "{s}" in question and question.endswith("?")
        for template in statements:
            assert "{s}" in template and ("{o}" in template or "{an_o}" in template)
            template.format(s="Mira", o="Tolm", an_o="a Tolm", his="her")
