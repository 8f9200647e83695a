"""Tests for the corpus helpers: words and corpus_stats."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.world import (
    DOC_SEPARATOR,
    DOCUMENT_KINDS,
    Document,
    corpus_stats,
    words,
)


def test_stats_match_the_corpus(world):
    docs = world.labelled_documents(n_stories=60, seed=1)
    stats = corpus_stats(docs)
    text = world.corpus(n_stories=60, seed=1)
    assert stats["documents"] == len(docs) == sum(stats["by_kind"].values())
    assert stats["characters"] == len(text)
    assert stats["characters"] == sum(stats["characters_by_kind"].values()) + (
        len(docs) - 1
    ) * len(f"\n{DOC_SEPARATOR}\n")
    assert stats["words"] == len(words(text))
    assert stats["unique_words"] == len(set(words(text)))
    assert stats["by_kind"]["story"] == 60
    assert world.stats(n_stories=60, seed=1) == stats


def test_stats_of_no_documents():
    stats = corpus_stats([])
    assert stats["documents"] == stats["characters"] == stats["words"] == 0
    assert list(stats["by_kind"]) == list(DOCUMENT_KINDS)


def test_stats_of_one_document():
    stats = corpus_stats([Document("pattern", "red cat red cat")])
    assert (
        stats["characters"] == 15 and stats["words"] == 4 and stats["unique_words"] == 2
    )
    assert stats["by_kind"] == {
        "story": 0,
        "facts": 0,
        "qa": 0,
        "pattern": 1,
        "arithmetic": 0,
    }


def test_words_examples():
    assert words("The King's dog didn't BARK.") == [
        "the",
        "king",
        "'s",
        "dog",
        "didn't",
        "bark",
    ]
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
