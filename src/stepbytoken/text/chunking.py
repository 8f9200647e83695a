"""Cutting documents into chunks: the pieces a retriever indexes and a reader is shown.

A retriever does not hand a whole document to the model: a document may not fit in the
context window, and most of it is about something else. :func:`chunk_document` splits a
document into sentences (:func:`split_sentences`) and groups them ``size`` at a time, each
chunk starting ``size - overlap`` sentences after the previous one, so that with ``overlap``
a sentence near a boundary appears in two chunks. A chunk keeps the identifier of its
document and its place in it (:class:`Chunk`).

Cutting loses context: a chunk that says "She is 64." no longer says who "she" is.

Introduced in chapter 10.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from stepbytoken.checks import check_int, check_str

__all__ = ["Chunk", "chunk_document", "chunk_documents", "split_sentences"]

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


class Chunk(NamedTuple):
    """A piece of a document: the document's identifier, the piece's place in it, its text.

    Introduced in chapter 10.
    """

    doc_id: str
    index: int
    text: str


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``: runs of characters up to ``.``, ``!``, ``?`` or a line end.

    Examples
    --------
    >>> split_sentences("Mira is a baker. She is 34!  Is she?")
    ['Mira is a baker.', 'She is 34!', 'Is she?']

    Raises
    ------
    TypeError
        If ``text`` is not a str.

    Introduced in chapter 10.
    """
    check_str("text", text)
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def chunk_document(
    doc_id: str, text: str, *, size: int = 2, overlap: int = 0
) -> list[Chunk]:
    """Cut one document into chunks of ``size`` sentences, ``overlap`` shared with the last.

    Parameters
    ----------
    doc_id
        The document's identifier, kept in each chunk.
    text
        The document.
    size
        Sentences per chunk (>= 1); the last chunk may be shorter.
    overlap
        Sentences a chunk shares with the one before it (0 <= overlap < size).

    Returns
    -------
    list of Chunk
        In the document's order, numbered from 0; none for a document without sentences.

    Raises
    ------
    TypeError, ValueError
        For a bad argument.

    Examples
    --------
    >>> text = "Pellucia is a kingdom. Its capital is Karrow. It makes lace."
    >>> [c.text for c in chunk_document("Pellucia", text, size=2)]
    ['Pellucia is a kingdom. Its capital is Karrow.', 'It makes lace.']
    >>> [c.text for c in chunk_document("Pellucia", text, size=2, overlap=1)]
    ['Pellucia is a kingdom. Its capital is Karrow.', 'Its capital is Karrow. It makes lace.']

    Introduced in chapter 10.
    """
    check_str("doc_id", doc_id)
    size = check_int("size", size, minimum=1)
    overlap = check_int("overlap", overlap, minimum=0, maximum=size - 1)
    sentences = split_sentences(text)
    step = size - overlap
    starts = range(0, max(len(sentences) - overlap, 1), step) if sentences else ()
    return [
        Chunk(doc_id, i, " ".join(sentences[start : start + size]))
        for i, start in enumerate(starts)
    ]


def chunk_documents(
    documents: Iterable[tuple[str, str]], *, size: int = 2, overlap: int = 0
) -> list[Chunk]:
    """Chunks of every ``(doc_id, text)`` pair, in order (see :func:`chunk_document`).

    Examples
    --------
    >>> docs = [("A", "One. Two. Three."), ("B", "Four.")]
    >>> [(c.doc_id, c.index) for c in chunk_documents(docs, size=2)]
    [('A', 0), ('A', 1), ('B', 0)]

    Introduced in chapter 10.
    """
    size = check_int("size", size, minimum=1)
    overlap = check_int("overlap", overlap, minimum=0, maximum=size - 1)
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Iterable):
        raise TypeError(
            f"documents must be an iterable of (doc_id, text) pairs, got "
            f"{type(documents).__name__}"
        )
    chunks: list[Chunk] = []
    for item in documents:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(
                f"documents must hold (doc_id, text) pairs, got {type(item).__name__}"
            )
        chunks += chunk_document(item[0], item[1], size=size, overlap=overlap)
    return chunks
