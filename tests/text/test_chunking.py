"""Tests for chunking: chunks cover every sentence in order, overlap as asked, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.text.chunking import (
    Chunk,
    chunk_document,
    chunk_documents,
    split_sentences,
)

sentence = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(st.sampled_from(["Mira", "is", "a", "baker", "She", "34"]), min_size=1),
    st.sampled_from([".", "!", "?"]),
)


@given(st.lists(sentence, min_size=1, max_size=12), st.integers(1, 5), st.data())
def test_chunks_cover_the_sentences_in_order(sentences, size, data):
    overlap = data.draw(st.integers(0, size - 1))
    text = " ".join(sentences)
    chunks = chunk_document("D", text, size=size, overlap=overlap)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.doc_id == "D" for c in chunks)
    pieces = [split_sentences(c.text) for c in chunks]
    assert all(1 <= len(p) <= size for p in pieces)
    # each chunk starts size - overlap sentences after the last, and the last ends the text
    rebuilt = list(pieces[0])
    for p in pieces[1:]:
        assert rebuilt[len(rebuilt) - overlap :] == p[:overlap]
        rebuilt += p[overlap:]
    assert rebuilt == split_sentences(text)


def test_sentences_and_empty_documents():
    assert split_sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]
    assert chunk_document("D", "   ") == []
    docs = chunk_documents([("A", "x. y. z."), ("B", "w.")], size=2)
    assert docs == [Chunk("A", 0, "x. y."), Chunk("A", 1, "z."), Chunk("B", 0, "w.")]


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="overlap"):
        chunk_document("D", "x.", size=2, overlap=2)
    with pytest.raises(ValueError, match="size"):
        chunk_document("D", "x.", size=0)
    with pytest.raises(TypeError, match="text"):
        chunk_document("D", 3)
    with pytest.raises(TypeError, match=r"\(doc_id, text\) pairs"):
        chunk_documents(["x."])
