"""The small world: people, kingdoms, facts and the stories the book's models read."""

from __future__ import annotations

from stepbytoken.world.world import (
    ANIMALS,
    COLOURS,
    DOC_SEPARATOR,
    DOCUMENT_KINDS,
    GENDER_PAIRS,
    OBJECTS,
    PLACES,
    PROFESSIONS,
    RELATIONS,
    VERBS,
    Document,
    Fact,
    Kingdom,
    Person,
    World,
    corpus_stats,
    format_arithmetic,
    make_world,
    words,
)

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
