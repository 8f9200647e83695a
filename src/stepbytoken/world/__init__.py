"""The small world: people, kingdoms, facts and the stories the book's models read.

Every chapter trains or tests on a corpus about a made-up world, generated here from a seed,
in pure Python, with no downloads. :func:`make_world` draws kingdoms (towns, a currency, a
product, a royal family) and families of ordinary people from the word lists of
:mod:`~stepbytoken.world.lexicon`; every fact about them is a ``(subject, relation, object)``
triple with one right answer. Held-out kingdoms and families never appear in the corpus, so
later chapters can measure what a model makes up about them.

:meth:`World.corpus` joins five kinds of document (:data:`DOCUMENT_KINDS`): stories
(:mod:`~stepbytoken.world.stories`, read from :mod:`~stepbytoken.world.story_templates`),
facts and question/answer pairs (:mod:`~stepbytoken.world.fact_documents`), repeated word
patterns (:mod:`~stepbytoken.world.patterns`) and arithmetic worked out digit by digit
(:mod:`~stepbytoken.world.arithmetic`). The default corpus is about 2 MB of text.

Introduced in chapter 3.
"""

from __future__ import annotations

from stepbytoken.world.arithmetic import format_arithmetic
from stepbytoken.world.corpus import DOC_SEPARATOR, DOCUMENT_KINDS, Document, corpus_stats, words
from stepbytoken.world.entities import Kingdom, Person
from stepbytoken.world.facts import RELATIONS, Fact
from stepbytoken.world.lexicon import (
    ANIMALS,
    COLOURS,
    GENDER_PAIRS,
    OBJECTS,
    PLACES,
    PROFESSIONS,
    VERBS,
)
from stepbytoken.world.world import World, make_world

__all__ = [
    "ANIMALS",
    "COLOURS",
    "DOCUMENT_KINDS",
    "DOC_SEPARATOR",
    "Document",
    "Fact",
    "GENDER_PAIRS",
    "Kingdom",
    "OBJECTS",
    "PLACES",
    "PROFESSIONS",
    "Person",
    "RELATIONS",
    "VERBS",
    "World",
    "corpus_stats",
    "format_arithmetic",
    "make_world",
    "words",
]
