"""The world of seed 0 and its default corpus, shared by the small-world tests."""

from __future__ import annotations

import time

import pytest

from stepbytoken.world import DOC_SEPARATOR, Document, World, make_world, words


@pytest.fixture(scope="session")
def world() -> World:
    return make_world(seed=0)


@pytest.fixture(scope="session")
def default_corpus(world: World) -> tuple[list[Document], str, float]:
    """The default corpus: its labelled documents, its text, and the seconds it took to make."""
    start = time.perf_counter()
    docs = world.labelled_documents()
    seconds = time.perf_counter() - start
    text = f"\n{DOC_SEPARATOR}\n".join(d.text for d in docs)
    return docs, text, seconds


@pytest.fixture(scope="session")
def corpus_words(default_corpus: tuple[list[Document], str, float]) -> set[str]:
    return set(words(default_corpus[1]))


@pytest.fixture(scope="session")
def stories(default_corpus: tuple[list[Document], str, float]) -> list[str]:
    return [d.text for d in default_corpus[0] if d.kind == "story"]
