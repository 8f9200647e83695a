"""Tests of chapter 10's measurements (stepbytoken.recipes.rag) and their shipped results."""

from __future__ import annotations

import pytest

from stepbytoken.generation.retrieval import BM25Retriever
from stepbytoken.recipes import RECIPES, rag
from stepbytoken.recipes.rag import load_rag, rag_collection
from stepbytoken.world import make_world


@pytest.fixture(scope="module")
def shipped():
    return load_rag()


def test_the_recipe_is_a_command():
    assert rag in RECIPES and rag.NAME == "rag"


def test_every_question_has_an_answering_chunk_of_the_collection():
    collection = rag_collection(make_world(rag.WORLD_SEED))
    assert len(collection.relevant) == len(collection.data.questions)
    for q, rel in zip(collection.data.questions, collection.relevant, strict=True):
        assert rel and all(q.answer in collection.chunks[i].text for i in rel)


def test_bm25_recall_is_reproduced_from_the_shipped_rankings(shipped):
    rag_results, _ = shipped
    collection = rag_collection(make_world(rag.WORLD_SEED))
    bm25 = BM25Retriever(collection.chunks)
    pairs = zip(collection.data.questions, rag_results["questions"], strict=True)
    for q, record in list(pairs)[:30]:
        assert bm25.ranking(q.question)[:10] == record["ranked"]["bm25"]


def test_shipped_results_hold_together(shipped):
    results = shipped[0]["results"]
    accuracy = results["accuracy"]
    # the oracle chunk is an upper bound for a single retrieved chunk, for the reader
    assert accuracy["oracle"]["reader"] >= accuracy["bm25"]["reader"]
    # reading about strangers: the reader beats chapter 8's assistant given the same chunk
    assert accuracy["oracle"]["reader"] > accuracy["oracle"]["sft"]
    # recall@k never falls as k grows
    for curve in results["recall"].values():
        assert curve == sorted(curve)
