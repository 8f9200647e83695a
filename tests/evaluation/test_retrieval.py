"""Tests for retrieval measures: answering chunks, first hit and recall@k against brute force."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation.retrieval import answering_chunks, first_hit, recall_at_k
from stepbytoken.text.chunking import Chunk


def test_answering_chunks_need_the_answer_and_the_subject():
    chunks = [
        Chunk("Elin", 0, "She is 64."),
        Chunk("Vera", 0, "Vera is 64. Ida is 60."),
        Chunk("Vera", 1, "Elinor is 64."),
        Chunk("Kell", 0, "Elin and Kell are 64."),
    ]
    assert answering_chunks(chunks, "Elin", "64") == [0, 3]
    assert answering_chunks(chunks, "Elin", "6") == []
    with pytest.raises(ValueError, match="answer"):
        answering_chunks(chunks, "Elin", "")


@given(
    st.lists(
        st.tuples(st.permutations(list(range(6))), st.sets(st.integers(0, 5))),
        min_size=1,
        max_size=20,
    )
)
def test_recall_matches_a_brute_force_count(cases):
    rankings = [list(r) for r, _ in cases]
    relevant = [sorted(s) for _, s in cases]
    got = recall_at_k(rankings, relevant, ks=(1, 2, 6))
    for k in (1, 2, 6):
        hits = sum(
            bool(set(r[:k]) & set(rel))
            for r, rel in zip(rankings, relevant, strict=True)
        )
        assert got[k] == hits / len(cases)
    for r, rel in zip(rankings, relevant, strict=True):
        rank = first_hit(r, rel)
        assert rank == (min(r.index(i) for i in rel) if rel else None)


def test_recall_arguments_are_checked():
    with pytest.raises(ValueError, match="one entry per question"):
        recall_at_k([[0]], [[0], [1]])
    with pytest.raises(ValueError, match="at least one question"):
        recall_at_k([], [])
