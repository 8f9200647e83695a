"""Tests for the small world: determinism, size, held-out entities, facts, stories, arithmetic."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.world import (
    ANIMALS,
    COLOURS,
    DOC_SEPARATOR,
    DOCUMENT_KINDS,
    OBJECTS,
    PLACES,
    PROFESSIONS,
    RELATIONS,
    VERBS,
    Document,
    corpus_stats,
    format_arithmetic,
    make_world,
    words,
)

MALE_PRONOUNS = {"he", "him", "his", "himself"}
FEMALE_PRONOUNS = {"she", "her", "hers", "herself"}


@pytest.fixture(scope="module")
def world():
    return make_world(seed=0)


@pytest.fixture(scope="module")
def default_corpus(world):
    """The default corpus, its labelled documents, and the seconds it took to make."""
    start = time.perf_counter()
    docs = world.labelled_documents()
    seconds = time.perf_counter() - start
    text = f"\n{DOC_SEPARATOR}\n".join(d.text for d in docs)
    return docs, text, seconds


@pytest.fixture(scope="module")
def corpus_words(default_corpus):
    return set(words(default_corpus[1]))


# -- determinism and size ---------------------------------------------------------------------


def test_same_seed_same_world_and_text(world):
    assert make_world(seed=0) == world
    assert world.corpus(n_stories=200, seed=3) == make_world(seed=0).corpus(n_stories=200, seed=3)


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


def test_stats_match_the_corpus(world):
    docs = world.labelled_documents(n_stories=60, seed=1)
    stats = corpus_stats(docs)
    text = world.corpus(n_stories=60, seed=1)
    assert stats["documents"] == len(docs) == sum(stats["by_kind"].values())
    assert stats["characters"] == len(text)
    assert stats["words"] == len(words(text))
    assert stats["unique_words"] == len(set(words(text)))
    assert stats["by_kind"]["story"] == 60
    assert world.stats(n_stories=60, seed=1) == stats


def test_explicit_counts(world):
    docs = world.labelled_documents(n_stories=3, n_facts=2, n_qa=0, n_patterns=1, n_arithmetic=4)
    assert Counter(d.kind for d in docs) == {"story": 3, "facts": 2, "pattern": 1, "arithmetic": 4}
    assert world.documents(n_stories=0, n_facts=0, n_qa=0, n_patterns=0, n_arithmetic=0) == []


# -- entities, facts and questions ------------------------------------------------------------


def test_entity_names_are_unique(world):
    names = [k.name for k in world.kingdoms + world.heldout_kingdoms]
    names += [t for k in world.kingdoms + world.heldout_kingdoms for t in k.towns]
    names += [p.name for p in world.people + world.heldout_people]
    names += [p.pet_name for p in world.people + world.heldout_people if p.pet_name]
    names += [k.currency for k in world.kingdoms + world.heldout_kingdoms]
    assert len(names) == len(set(n.lower() for n in names))


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


def test_heldout_entities_never_appear_in_training_corpus(world, corpus_words):
    assert len(world.heldout_kingdoms) == 2 and len(world.heldout_people) > 8
    heldout = {name.lower() for name in world.heldout}
    assert heldout.isdisjoint(corpus_words)
    train_subjects = {f.subject for f in world.facts} | {f.object for f in world.facts}
    assert train_subjects.isdisjoint(world.heldout)
    assert {f.subject for f in world.heldout_facts} <= set(world.heldout)


def test_heldout_questions_have_true_answers(world):
    questions = world.questions("heldout")
    assert len(questions) == len(world.heldout_facts) > 50
    k = world.heldout_kingdoms[0]
    assert (f"What is the capital of {k.name}?", k.capital) in questions
    doc = world.fact_document(k.name)
    assert k.capital in doc and k.currency in doc
    person = world.heldout_people[-1]
    assert str(person.age) in world.fact_document(person.name)


def test_every_fact_has_one_question_with_one_answer(world):
    for split, facts in (("train", world.facts), ("heldout", world.heldout_facts)):
        questions = world.questions(split)
        assert questions == [(f.question(), f.object) for f in facts]
        answers: dict[str, set[str]] = {}
        for question, answer in questions:
            answers.setdefault(question, set()).add(answer)
        assert all(len(a) == 1 for a in answers.values()), "a question with two answers"
    assert {f.relation for f in world.facts} == set(RELATIONS)


def test_every_training_question_is_asked_in_the_corpus(world, default_corpus):
    text = default_corpus[1]
    for question, answer in world.questions("train"):
        assert f"Q: {question}\nA: {answer}\n" in text + "\n", question


def test_every_training_entity_has_a_facts_document(world, default_corpus):
    facts_text = " ".join(d.text for d in default_corpus[0] if d.kind == "facts")
    for fact in world.facts:
        if fact.relation in ("capital", "home", "profession", "father", "pet_name"):
            assert fact.subject in facts_text and fact.object in facts_text


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
            assert any((o, back, s) in facts for back in inverse[relation]), (s, relation, o)
            male = relation in ("father", "husband", "brother", "uncle", "son", "nephew")
            assert people[o].gender == ("male" if male else "female")
    for p in people.values():
        for relation in ("son", "daughter"):
            if p.relative(relation):
                assert p.age >= people[p.relative(relation)].age + 18


def test_lookups_and_errors(world):
    k = world.kingdoms[0]
    assert world.kingdom(k.name) == k
    assert world.person(k.king).title == "king"
    with pytest.raises(KeyError, match="no person called"):
        world.person("Nobody")
    with pytest.raises(KeyError, match="not a kingdom or a person"):
        world.fact_document("Nowhere")
    with pytest.raises(ValueError, match='split must be "train" or "heldout"'):
        world.questions("test")
    with pytest.raises(ValueError, match="relation must be one of"):
        world.analogies("colour")
    with pytest.raises(ValueError, match="n_kingdoms must be an int >= 2"):
        make_world(n_kingdoms=1)
    with pytest.raises(ValueError, match="must be <= 16"):
        make_world(n_kingdoms=10, n_heldout_kingdoms=7)
    with pytest.raises(TypeError, match="seed must be an int"):
        make_world(seed="0")
    with pytest.raises(ValueError, match="number of facts documents must be an int >= 0"):
        world.labelled_documents(n_facts=-1)


def test_other_world_sizes():
    small = make_world(seed=5, n_kingdoms=3, n_families=2, n_heldout_kingdoms=0,
                       n_heldout_families=1)  # fmt: skip
    assert len(small.kingdoms) == 3 and not small.heldout_kingdoms
    text = small.corpus(n_stories=100)
    assert set(words(text)).isdisjoint(n.lower() for n in small.heldout)


# -- analogies --------------------------------------------------------------------------------


def test_analogy_words_occur_in_the_corpus(world, corpus_words):
    analogies = world.analogies()
    assert len(analogies) > 500
    for a, b, c, d in analogies:
        assert {a, b, c, d} <= corpus_words, (a, b, c, d)
        assert (a, b) != (c, d)
    groups = world.analogies_by_relation()
    assert sum(len(g) for g in groups.values()) == len(analogies)
    k0, k1 = world.kingdoms[:2]
    expected = (k0.name.lower(), k0.capital.lower(), k1.name.lower(), k1.capital.lower())
    assert expected in groups["capital"]


# -- stories ----------------------------------------------------------------------------------


def test_pronouns_agree_with_the_only_named_person_of_that_gender(world, default_corpus):
    """Every he/she in a story has exactly one possible referent, named before it."""
    gender = {p.name: p.gender for p in world.people}
    stories = [d.text for d in default_corpus[0] if d.kind == "story"]
    pronouns_checked = 0
    for text in stories:
        named: dict[str, set[str]] = {"male": set(), "female": set()}
        for token in re.findall(r"[A-Za-z]+", text):
            if token in gender:
                named[gender[token]].add(token)
            elif token.lower() in MALE_PRONOUNS | FEMALE_PRONOUNS:
                g = "male" if token.lower() in MALE_PRONOUNS else "female"
                assert len(named[g]) == 1, f"{token!r} is ambiguous or unresolved in: {text}"
                pronouns_checked += 1
        assert len(named["male"]) <= 1 and len(named["female"]) <= 1, text
    assert pronouns_checked > 10 * len(stories) // 2


def test_stories_agree_with_facts(world, default_corpus):
    people = {p.name: p for p in world.people}
    pattern = re.compile(r"\b([A-Z][a-z]+) (?:was|is) a ([a-z]+) (?:who|in|from)\b")
    checked = 0
    for d in default_corpus[0]:
        if d.kind != "story":
            continue
        for name, what in pattern.findall(d.text):
            if name in people:
                p = people[name]
                assert what in (p.profession, p.noun, "young", "little"), (name, what, d.text)
                checked += 1
        for pet, pet_name in re.findall(r"had an? ([a-z]+) called ([A-Z][a-z]+)", d.text):
            owner = next(p for p in people.values() if p.pet_name == pet_name)
            assert owner.pet == pet
    assert checked > 1000


def test_stories_are_sentences(default_corpus):
    for d in default_corpus[0][:2000]:
        if d.kind == "story":
            assert d.text[0].isupper() and d.text[-1] in '.!"'
            assert "  " not in d.text and "{" not in d.text and "[" not in d.text
            assert 3 <= d.text.count(".") <= 12


# -- patterns and arithmetic ------------------------------------------------------------------


def test_patterns_repeat(default_corpus):
    patterns = [d.text for d in default_corpus[0] if d.kind == "pattern"]
    assert patterns
    for text in patterns:
        lines = text.split("\n")
        assert len(lines) in (2, 3) and len(set(lines)) == 1
        assert 6 <= len(lines[0].split()) <= 20


_PROBLEM = re.compile(r"Q: (\d+) ([+-]) (\d+) = \?\n(?:Think: (.*)\n)?A: (\d+)")


def check_problem(text: str) -> bool:
    """Check one written problem: its answer and every step of its working. Returns think."""
    match = _PROBLEM.fullmatch(text)
    assert match, text
    a, op, b, think, answer = match.groups()
    a, b, answer = int(a), int(b), int(answer)
    assert answer == (a + b if op == "+" else a - b)
    if think is None:
        return False
    *steps, final = re.split(r"(?<=\.) ", think)
    assert final == f"So {answer}."
    digits_a, digits_b = str(a)[::-1], str(b)[::-1]
    written, carry = [], 0
    for i, step in enumerate(steps):
        if step == "Write the carry 1.":
            assert op == "+" and carry == 1 and i == len(steps) - 1
            written.append(1)
            carry = 0
            continue
        x = int(digits_a[i]) if i < len(digits_a) else 0
        y = int(digits_b[i]) if i < len(digits_b) else 0
        minus_carry = " - 1" if carry else ""
        if op == "+":
            total = x + y + carry
            expected = f"{x} + {y}{' + 1' if carry else ''} = {total}, write {total % 10}"
            carry = int(total >= 10)
            assert step == expected + (" carry 1." if carry else "."), (step, text)
            written.append(total % 10)
        else:
            value = x - y - carry
            if value >= 0:
                assert step == f"{x} - {y}{minus_carry} = {value}, write {value}.", (step, text)
                carry = 0
            else:
                value += 10
                assert step == (
                    f"{x} - {y}{minus_carry} needs a borrow, 1{x} - {y}{minus_carry} = {value}, "
                    f"write {value} borrow 1."
                ), (step, text)
                carry = 1
            written.append(value)
    assert carry == 0
    assert int("".join(str(d) for d in reversed(written))) == answer
    return True


def test_arithmetic_documents_are_correct(default_corpus):
    problems = [
        p for d in default_corpus[0] if d.kind == "arithmetic" for p in d.text.split("\n\n")
    ]
    thought = [check_problem(p) for p in problems]
    assert len(problems) > 500
    assert 0.3 < sum(thought) / len(thought) < 0.7


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 99_999), st.integers(0, 99_999), st.sampled_from("+-"), st.booleans())
def test_format_arithmetic_any_numbers(a, b, op, think):
    if op == "-" and a < b:
        a, b = b, a
    assert check_problem(format_arithmetic(a, op, b, think=think)) == think


def test_format_arithmetic_errors():
    with pytest.raises(ValueError, match='op must be "\\+" or "-"'):
        format_arithmetic(1, "*", 2)
    with pytest.raises(ValueError, match="a must be >= b"):
        format_arithmetic(1, "-", 2)
    with pytest.raises(ValueError, match="b must be an int >= 0"):
        format_arithmetic(1, "+", -2)


# -- words ------------------------------------------------------------------------------------


def test_words_examples():
    assert words("The King's dog didn't BARK.") == ["the", "king", "'s", "dog", "didn't", "bark"]
    assert words(f"a\n{DOC_SEPARATOR}\nb 42 c-d") == ["a", "b", "c", "d"]
    assert words("") == []
    with pytest.raises(TypeError, match="text must be a str"):
        words(["a"])


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_words_are_lowercase_letters(text):
    for w in words(text):
        assert re.fullmatch(r"'s|[a-z]+(?:'[a-z]+)*", w), w
    if text.isascii():
        assert words(text.upper()) == words(text)


def test_documents_roundtrip_kinds(world):
    docs = world.labelled_documents(n_stories=10, seed=4)
    assert all(isinstance(d, Document) and d.kind in DOCUMENT_KINDS for d in docs)
    assert world.documents(n_stories=10, seed=4) == [d.text for d in docs]


def test_verbs_and_nouns_have_distinct_forms():
    for present, past, _ in VERBS:
        assert present != past and present.endswith("s")
    for item in ANIMALS + OBJECTS:
        assert item[0] != item[1]
