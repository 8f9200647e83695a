"""The small world: its entities and facts (:func:`make_world`), and the corpus about them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from stepbytoken.checks import check_choice, check_int
from stepbytoken.world.arithmetic import arithmetic_document
from stepbytoken.world.corpus import DOC_SEPARATOR, Document, corpus_stats
from stepbytoken.world.entities import (
    Kingdom,
    NamePools,
    Person,
    make_family,
    make_kingdoms,
)
from stepbytoken.world.fact_documents import (
    fact_documents,
    kingdom_document,
    person_document,
    qa_documents,
)
from stepbytoken.world.facts import Fact, kingdom_facts, person_facts
from stepbytoken.world.lexicon import ANIMALS, GENDER_PAIRS, KINGDOMS, OBJECTS, VERBS
from stepbytoken.world.patterns import pattern_document
from stepbytoken.world.stories import write_story
from stepbytoken.world.writer import Writer

__all__ = ["World", "make_world"]


@dataclass(frozen=True)
class World:
    """The small world: entities, facts, and the documents written about them.

    Build it with :func:`make_world`. ``kingdoms``, ``people`` and ``facts`` are what the
    training corpus talks about; ``heldout_kingdoms``, ``heldout_people`` and
    ``heldout_facts`` never appear in it, and ``heldout`` lists every held-out name (kingdoms,
    towns, currencies, adjectives, people and pets).

    Examples
    --------
    >>> world = make_world(seed=0)
    >>> sorted({kind for kind, _ in world.labelled_documents(n_stories=4, seed=1)})
    ['arithmetic', 'facts', 'pattern', 'qa', 'story']

    Introduced in chapter 3.
    """

    seed: int
    kingdoms: tuple[Kingdom, ...]
    people: tuple[Person, ...]
    facts: tuple[Fact, ...]
    heldout_kingdoms: tuple[Kingdom, ...]
    heldout_people: tuple[Person, ...]
    heldout_facts: tuple[Fact, ...]
    heldout: tuple[str, ...]

    def person(self, name: str) -> Person:
        """The person called ``name`` (training or held-out); ``KeyError`` if there is none.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> world.person(world.kingdoms[0].queen).title
        'queen'
        """
        for p in self.people + self.heldout_people:
            if p.name == name:
                return p
        raise KeyError(f"no person called {name!r} in this world")

    def kingdom(self, name: str) -> Kingdom:
        """The kingdom called ``name`` (training or held-out); ``KeyError`` if there is none.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> world.kingdom(world.heldout_kingdoms[0].name) == world.heldout_kingdoms[0]
        True
        """
        for k in self.kingdoms + self.heldout_kingdoms:
            if k.name == name:
                return k
        raise KeyError(f"no kingdom called {name!r} in this world")

    def questions(self, split: str = "train") -> list[tuple[str, str]]:
        """One ``(question, answer)`` pair per fact, in the order of the facts.

        ``split`` is ``"train"`` (facts the corpus states and asks) or ``"heldout"`` (facts
        about held-out entities, which the corpus never mentions); a ``ValueError`` otherwise.
        Answers are single words or numbers, as they appear after ``"A: "`` in the corpus.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> world.questions("train")[0] == (f"What is the capital of {world.kingdoms[0].name}?",
        ...                                 world.kingdoms[0].capital)
        True
        """
        check_choice("split", split, ("train", "heldout"))
        facts = self.facts if split == "train" else self.heldout_facts
        return [(f.question(), f.object) for f in facts]

    def analogies_by_relation(self) -> dict[str, list[tuple[str, str, str, str]]]:
        """Word analogies ``a : b :: c : d`` grouped by relation, in lowercase.

        Every ordered pair of two different pairs ``(a, b)`` and ``(c, d)`` of a relation
        gives one analogy. Relations: ``gender`` (``king:queen``), ``capital``, ``adjective``
        and ``currency`` (of training kingdoms), ``plural`` (nouns) and ``past`` (verbs).

        Examples
        --------
        >>> groups = make_world(seed=0).analogies_by_relation()
        >>> groups["gender"][0]
        ('king', 'queen', 'prince', 'princess')
        """
        pairs = {
            "gender": list(GENDER_PAIRS),
            "capital": [(k.name.lower(), k.capital.lower()) for k in self.kingdoms],
            "adjective": [(k.name.lower(), k.adjective.lower()) for k in self.kingdoms],
            "currency": [(k.name.lower(), k.currency) for k in self.kingdoms],
            "plural": [(a[0], a[1]) for a in ANIMALS] + [(o[0], o[1]) for o in OBJECTS],
            "past": [(present, past) for present, past, _ in VERBS],
        }
        return {
            rel: [(a, b, c, d) for a, b in ps for c, d in ps if (a, b) != (c, d)]
            for rel, ps in sorted(pairs.items())
        }

    def analogies(self, relation: str | None = None) -> list[tuple[str, str, str, str]]:
        """Word analogies ``(a, b, c, d)`` of one relation of :meth:`analogies_by_relation`.

        ``relation=None`` gives all of them; an unknown relation raises ``ValueError``.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> ("king", "queen", "man", "woman") in world.analogies("gender")
        True
        >>> len(world.analogies("capital"))  # 8 kingdoms: 8 * 7 ordered pairs
        56
        """
        groups = self.analogies_by_relation()
        if relation is None:
            return [a for group in groups.values() for a in group]
        return groups[check_choice("relation", relation, sorted(groups))]

    def labelled_documents(
        self,
        n_stories: int = 5000,
        *,
        n_facts: int | None = None,
        n_qa: int | None = None,
        n_patterns: int | None = None,
        n_arithmetic: int | None = None,
        seed: int = 0,
    ) -> list[Document]:
        """Generate the corpus documents with their kinds, in a shuffled order.

        Parameters
        ----------
        n_stories
            Number of stories.
        n_facts, n_qa, n_patterns, n_arithmetic
            Numbers of the other kinds; ``None`` means a share of ``n_stories`` (1/4 facts,
            1/6 question/answer, 1/25 patterns and 1/8 arithmetic documents, at least one of
            each when ``n_stories > 0``).
        seed
            Seed of the corpus (the world has its own seed).

        Raises
        ------
        TypeError
            If a count or ``seed`` is not an int.
        ValueError
            If a count is negative.

        Examples
        --------
        >>> docs = make_world(seed=0).labelled_documents(n_stories=2, n_facts=0, n_qa=1,
        ...                                             n_patterns=0, n_arithmetic=0)
        >>> sorted(d.kind for d in docs)
        ['qa', 'story', 'story']
        """
        counts = {"story": check_int("n_stories", n_stories, minimum=0)}
        for kind, name, value, share in (
            ("facts", "n_facts", n_facts, 4),
            ("qa", "n_qa", n_qa, 6),
            ("pattern", "n_patterns", n_patterns, 25),
            ("arithmetic", "n_arithmetic", n_arithmetic, 8),
        ):
            if value is None:
                counts[kind] = max(n_stories // share, int(n_stories > 0))
            else:
                counts[kind] = check_int(name, value, minimum=0)
        check_int("seed", seed)
        rng = random.Random(f"small-world-{self.seed}-corpus-{seed}")
        writer = Writer(self, rng)
        docs = [Document("story", write_story(writer)) for _ in range(counts["story"])]
        docs += fact_documents(writer, counts["facts"])
        docs += qa_documents(writer, counts["qa"])
        docs += [
            Document("pattern", pattern_document(rng)) for _ in range(counts["pattern"])
        ]
        docs += [
            Document("arithmetic", arithmetic_document(rng))
            for _ in range(counts["arithmetic"])
        ]
        rng.shuffle(docs)
        return docs

    def documents(self, n_stories: int = 5000, **kwargs) -> list[str]:
        """The texts of :meth:`labelled_documents` (same arguments).

        Examples
        --------
        >>> len(make_world(seed=0).documents(n_stories=10, seed=0))
        15
        """
        return [d.text for d in self.labelled_documents(n_stories, **kwargs)]

    def corpus(self, n_stories: int = 5000, **kwargs) -> str:
        """The documents joined into one text by ``"\\n<|endoftext|>\\n"``; about 2 MB by default.

        Takes the arguments of :meth:`labelled_documents`.

        Examples
        --------
        >>> text = make_world(seed=0).corpus(n_stories=3, seed=0)
        >>> text.count(DOC_SEPARATOR)  # 3 stories + 1 + 1 + 1 + 1 other documents, 7 in all
        6
        """
        return f"\n{DOC_SEPARATOR}\n".join(self.documents(n_stories, **kwargs))

    def stats(self, n_stories: int = 5000, **kwargs) -> dict:
        """:func:`corpus_stats` of the corpus made with these arguments.

        Examples
        --------
        >>> make_world(seed=0).stats(n_stories=25, n_qa=0)["by_kind"]
        {'story': 25, 'facts': 6, 'qa': 0, 'pattern': 1, 'arithmetic': 3}
        """
        return corpus_stats(self.labelled_documents(n_stories, **kwargs))

    def fact_document(self, subject: str, *, seed: int = 0) -> str:
        """A ``facts`` document about one kingdom or person, held-out ones included.

        ``seed`` chooses the wording and order of the sentences. Raises ``KeyError`` if
        ``subject`` is not a kingdom or a person of this world.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> k = world.heldout_kingdoms[0]
        >>> k.capital in world.fact_document(k.name)
        True
        """
        writer = Writer(
            self, random.Random(f"small-world-{self.seed}-fact-{subject}-{seed}")
        )
        if subject in writer.kingdoms:
            return kingdom_document(writer, writer.kingdoms[subject])
        if subject in writer.people:
            return person_document(writer, writer.people[subject])
        raise KeyError(f"{subject!r} is not a kingdom or a person of this world")


def make_world(
    seed: int = 0,
    *,
    n_kingdoms: int = 8,
    n_families: int = 16,
    n_heldout_kingdoms: int = 2,
    n_heldout_families: int = 4,
) -> World:
    """Build the small world from a seed; the same seed always gives the same world.

    Parameters
    ----------
    seed
        Seed of the world.
    n_kingdoms, n_families
        Kingdoms and families that the training corpus talks about (at least 2 and 1).
    n_heldout_kingdoms, n_heldout_families
        Kingdoms and families that never appear in the corpus (at least 0). Held-out families
        may live in any kingdom; training families live in training kingdoms.

    Raises
    ------
    ValueError
        If a count is out of range or the name lists run out (at most 16 kingdoms in all).
    TypeError
        If ``seed`` or a count is not an int.

    Examples
    --------
    >>> world = make_world(seed=0)
    >>> len(world.kingdoms), len(world.heldout_kingdoms)
    (8, 2)
    >>> world.facts[0] == Fact(world.kingdoms[0].name, "capital", world.kingdoms[0].capital)
    True

    Introduced in chapter 3.
    """
    check_int("seed", seed)
    check_int("n_kingdoms", n_kingdoms, minimum=2)
    check_int("n_families", n_families, minimum=1)
    check_int("n_heldout_kingdoms", n_heldout_kingdoms, minimum=0)
    check_int("n_heldout_families", n_heldout_families, minimum=0)
    if n_kingdoms + n_heldout_kingdoms > len(KINGDOMS):
        raise ValueError(
            f"n_kingdoms + n_heldout_kingdoms must be <= {len(KINGDOMS)}, "
            f"got {n_kingdoms + n_heldout_kingdoms}"
        )
    rng = random.Random(seed)
    pools = NamePools(rng)
    kingdoms, royals = make_kingdoms(rng, pools, n_kingdoms)
    held_kingdoms, held_royals = make_kingdoms(rng, pools, n_heldout_kingdoms)
    train_towns = [(t, k.name) for k in kingdoms for t in k.towns]
    all_towns = train_towns + [(t, k.name) for k in held_kingdoms for t in k.towns]
    people = list(royals)
    for _ in range(n_families):
        people += make_family(rng, pools, train_towns)
    held_people = list(held_royals)
    for _ in range(n_heldout_families):
        held_people += make_family(rng, pools, all_towns)
    facts = [f for k in kingdoms for f in kingdom_facts(k)]
    facts += [f for p in people for f in person_facts(p)]
    held_facts = [f for k in held_kingdoms for f in kingdom_facts(k)]
    held_facts += [f for p in held_people for f in person_facts(p)]
    heldout = [k.name for k in held_kingdoms] + [
        t for k in held_kingdoms for t in k.towns
    ]
    heldout += [k.currency for k in held_kingdoms] + [
        k.adjective for k in held_kingdoms
    ]
    heldout += [p.name for p in held_people] + [
        p.pet_name for p in held_people if p.pet_name
    ]
    return World(
        seed=seed,
        kingdoms=tuple(kingdoms),
        people=tuple(people),
        facts=tuple(facts),
        heldout_kingdoms=tuple(held_kingdoms),
        heldout_people=tuple(held_people),
        heldout_facts=tuple(held_facts),
        heldout=tuple(heldout),
    )
