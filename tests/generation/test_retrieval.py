"""Tests for the retrievers: BM25 against a hand-written formula, dense against cosines."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from stepbytoken.generation.retrieval import (
    BM25Retriever,
    DenseRetriever,
    Hit,
    rag_messages,
    search_words,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.encoder import embed, mean_pooled
from stepbytoken.text.chunking import Chunk
from stepbytoken.tokenizers import BPETokenizer

CHUNKS = [
    Chunk("Pellucia", 0, "Karrow is the capital of Pellucia."),
    Chunk("Pellucia", 1, "Pellucia is known for its lace, fine lace."),
    Chunk("Vera", 0, "Vera keeps a goat. Vera lives in Gissam."),
    Chunk("Ivo", 0, "Ivo is the king of Brimmon."),
]


def bm25_by_hand(question: str, k1: float = 1.5, b: float = 0.75) -> list[float]:
    """Lucene's BM25: idf = ln(1 + (N - n + 0.5) / (n + 0.5)), saturating tf, length norm."""
    docs = [search_words(c.text) for c in CHUNKS]
    avg = sum(map(len, docs)) / len(docs)
    scores = []
    for doc in docs:
        score = 0.0
        for word in search_words(question):  # a repeated word counts again
            n = sum(word in d for d in docs)
            tf = doc.count(word)
            if tf:
                idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
                score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avg))
        scores.append(score)
    return scores


@pytest.mark.parametrize(
    "question", ["What is the capital of Pellucia?", "lace lace goat", "Who is Zed?"]
)
def test_bm25_scores_match_the_formula(question):
    got = BM25Retriever(CHUNKS).scores(question)
    assert np.allclose(got, bm25_by_hand(question), rtol=1e-4, atol=1e-6)


def test_search_ranks_best_first_and_checks_k():
    hits = BM25Retriever(CHUNKS).search("Where does Vera live?", k=2)
    assert hits[0].chunk.doc_id == "Vera" and [h.rank for h in hits] == [0, 1]
    assert hits[0] == Hit(CHUNKS[2], hits[0].score, 0) and hits[0].score > hits[1].score
    with pytest.raises(ValueError, match="k must be"):
        BM25Retriever(CHUNKS).search("Vera", k=5)
    with pytest.raises(TypeError, match="Chunk"):
        BM25Retriever(["Vera keeps a goat."])


def test_dense_scores_are_cosines_of_the_embeddings():
    tok = BPETokenizer()
    model = GPT(
        GPTConfig(
            vocab_size=tok.vocab_size, block_size=64, n_layer=1, n_head=2, d_model=8
        )
    ).eval()
    projection = torch.randn(4, 8, generator=torch.Generator().manual_seed(0))
    dense = DenseRetriever(CHUNKS, model, tok, projection=projection)
    question = "Who is the king of Brimmon?"
    q = embed(mean_pooled(model, tok, [question]), projection)[0]
    for i, chunk in enumerate(CHUNKS):
        c = embed(mean_pooled(model, tok, [chunk.text]), projection)[0]
        assert dense.scores(question)[i] == pytest.approx(float(q @ c), abs=1e-5)
    assert np.allclose(dense.score_matrix([question])[0], dense.scores(question))
    assert dense.ranking(question)[0] == int(np.argmax(dense.scores(question)))


def test_the_prompt_holds_the_chunks_in_order_then_the_question():
    hits = BM25Retriever(CHUNKS).search("capital of Pellucia", k=2)
    (message,) = rag_messages("What is the capital of Pellucia?", hits)
    assert message.role == "user"
    assert message.content == (
        f"Read this: {hits[0].chunk.text} {hits[1].chunk.text}\n"
        "Question: What is the capital of Pellucia?"
    )
    assert rag_messages("Who?", [])[0].content == "Who?"
    with pytest.raises(TypeError, match="Chunk or Hit"):
        rag_messages("Who?", ["text"])


def test_rankings_in_one_batch_equal_one_question_at_a_time():
    tok = BPETokenizer()
    model = GPT(
        GPTConfig(
            vocab_size=tok.vocab_size, block_size=64, n_layer=1, n_head=2, d_model=8
        )
    ).eval()
    questions = ["Who is the king of Brimmon?", "Where does Vera live?", "lace"]
    for retriever in (BM25Retriever(CHUNKS), DenseRetriever(CHUNKS, model, tok)):
        assert retriever.rankings(questions) == [
            retriever.ranking(q) for q in questions
        ]
        assert retriever.score_matrix([]).shape == (0, len(CHUNKS))
        with pytest.raises(TypeError, match="questions"):
            retriever.rankings("Vera")
