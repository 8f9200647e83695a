"""Retrieval-augmented generation: find the chunks that answer a question, put them in the prompt.

Two retrievers score every chunk (:class:`~stepbytoken.text.chunking.Chunk`) against a
question, and :meth:`Retriever.search` keeps the ``k`` best:

- :class:`BM25Retriever` counts shared words. BM25 (Robertson and Zaragoza, 2009) weighs each
  word of the question that a chunk contains by how rare the word is across chunks (its
  inverse document frequency), with diminishing returns for repeats (``k1``) and a penalty
  for long chunks (``b``). The index is the ``bm25s`` library's; words are
  :func:`~stepbytoken.text.words.split_words` without punctuation.
- :class:`DenseRetriever` compares vectors: each chunk and the question become unit-length
  embeddings (:func:`~stepbytoken.nn.encoder.embed`), and the score is their cosine
  similarity. It can match a question with a chunk that shares none of its words, if the
  encoder learned that they mean the same.

:func:`rag_messages` assembles the prompt: the retrieved chunks as the passage of the
reading format the assistant was trained on, then the question.

Introduced in chapter 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from stepbytoken.checks import (
    check_bool,
    check_float,
    check_int,
    check_str,
    check_strings,
    check_tensor,
)
from stepbytoken.nn.encoder import embed, mean_pooled
from stepbytoken.nn.gpt import GPT
from stepbytoken.text.chunking import Chunk
from stepbytoken.text.words import split_words
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world.conversation import Message
from stepbytoken.world.reading_tasks import READ_TEMPLATE

__all__ = [
    "QUESTION_FIRST",
    "BM25Retriever",
    "DenseRetriever",
    "Hit",
    "Retriever",
    "rag_messages",
    "search_words",
]


#: The other layout of :func:`rag_messages`: the question first, then the passage.
QUESTION_FIRST = "{q}\nRead this: {p}"


class Hit(NamedTuple):
    """A retrieved chunk, its score and its rank (0 is the best).

    Introduced in chapter 10.
    """

    chunk: Chunk
    score: float
    rank: int


def search_words(text: str) -> list[str]:
    """The words BM25 counts: lowercase words and numbers, no punctuation.

    >>> search_words("Who is the king of Pellucia?")
    ['who', 'is', 'the', 'king', 'of', 'pellucia']

    Introduced in chapter 10.
    """
    return [w for w in split_words(text) if w[0].isalnum()]


def _check_chunks(chunks: object) -> list[Chunk]:
    if isinstance(chunks, (str, bytes)) or not isinstance(chunks, Sequence):
        raise TypeError(
            f"chunks must be a sequence of Chunk, got {type(chunks).__name__}"
        )
    if not chunks:
        raise ValueError("chunks must hold at least one Chunk")
    for c in chunks:
        if not isinstance(c, Chunk):
            raise TypeError(f"chunks must hold Chunk objects, got {type(c).__name__}")
    return list(chunks)


class Retriever:
    """What both retrievers share: the chunks, and the best ``k`` by :meth:`scores`.

    Introduced in chapter 10.
    """

    chunks: list[Chunk]

    def scores(self, question: str) -> np.ndarray:
        """One score per chunk (higher is better)."""
        raise NotImplementedError

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The ``k`` best chunks for ``question``, best first (ties: the earlier chunk).

        Raises
        ------
        TypeError, ValueError
            For a bad ``question`` or ``k`` (1 to the number of chunks).
        """
        check_str("question", question)
        k = check_int("k", k, minimum=1, maximum=len(self.chunks))
        scores = self.scores(question)
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            Hit(self.chunks[i], float(scores[i]), rank) for rank, i in enumerate(order)
        ]

    def ranking(self, question: str) -> list[int]:
        """Indices of all chunks, best first (ties: the earlier chunk)."""
        check_str("question", question)
        return np.argsort(-self.scores(question), kind="stable").tolist()

    def score_matrix(self, questions: Sequence[str]) -> np.ndarray:
        """``(len(questions), len(chunks))`` scores, one row per question."""
        questions = check_strings("questions", questions)
        if not questions:
            return np.zeros((0, len(self.chunks)))
        return np.stack([self.scores(q) for q in questions])

    def rankings(self, questions: Sequence[str]) -> list[list[int]]:
        """:meth:`ranking` of each question (dense retrieval embeds them in one batch)."""
        scores = self.score_matrix(questions)
        return [np.argsort(-row, kind="stable").tolist() for row in scores]


class BM25Retriever(Retriever):
    """Scores chunks by BM25 over :func:`search_words` (the ``bm25s`` library's index).

    Parameters
    ----------
    chunks
        The chunks to index.
    k1, b
        BM25's term-frequency saturation (>= 0) and length normalisation (0 to 1).

    Examples
    --------
    >>> chunks = [Chunk("A", 0, "Karrow is the capital of Pellucia."),
    ...           Chunk("B", 0, "Vera keeps a goat.")]
    >>> [h.chunk.doc_id for h in BM25Retriever(chunks).search("Capital of Pellucia?", k=2)]
    ['A', 'B']

    Introduced in chapter 10.
    """

    def __init__(self, chunks: Sequence[Chunk], *, k1: float = 1.5, b: float = 0.75):
        self.chunks = _check_chunks(chunks)
        self.k1 = check_float("k1", k1, minimum=0.0)
        self.b = check_float("b", b, minimum=0.0, maximum=1.0)
        # imported when needed: bm25s loads JAX where it is installed, and JAX takes most
        # of a GPU's memory as it starts, memory that the training recipes then lack
        import bm25s

        self._index = bm25s.BM25(k1=self.k1, b=self.b)
        self._index.index(
            [search_words(c.text) or [""] for c in self.chunks], show_progress=False
        )

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every chunk for ``question`` (0 for a chunk sharing no word)."""
        words = search_words(check_str("question", question))
        return np.asarray(self._index.get_scores(words), dtype=np.float64)


class DenseRetriever(Retriever):
    """Scores chunks by the cosine similarity of their embeddings with the question's.

    Parameters
    ----------
    chunks
        The chunks to index (embedded once, here).
    model, tokenizer
        The language model whose pooled hidden states embed texts
        (:func:`~stepbytoken.nn.encoder.mean_pooled`).
    projection
        An optional ``(k, d_model)`` matrix learned by
        :func:`~stepbytoken.training.contrastive.train_projection`; without it, the raw
        pooled vectors.
    layer
        Which block's states are pooled.

    Introduced in chapter 10.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        model: GPT,
        tokenizer: BPETokenizer,
        *,
        projection: Tensor | None = None,
        layer: int = -1,
    ):
        self.chunks = _check_chunks(chunks)
        if projection is not None:
            check_tensor("projection", projection, dims=2, integer=False)
        self.model, self.tokenizer = model, tokenizer
        self.projection, self.layer = projection, layer
        pooled = mean_pooled(
            model, tokenizer, [c.text for c in self.chunks], layer=layer
        )
        self.vectors = embed(pooled, projection)

    def embed_questions(self, questions: Sequence[str]) -> Tensor:
        """Unit-length embeddings of ``questions``, ``(n, k)``."""
        pooled = mean_pooled(self.model, self.tokenizer, questions, layer=self.layer)
        return embed(pooled, self.projection)

    def scores(self, question: str) -> np.ndarray:
        """Cosine similarity of every chunk with ``question``."""
        q = self.embed_questions([check_str("question", question)])
        return (self.vectors @ q[0]).double().numpy()

    def score_matrix(self, questions: Sequence[str]) -> np.ndarray:
        """``(len(questions), len(chunks))`` similarities, computed in one batch."""
        questions = check_strings("questions", questions)
        if not questions:
            return np.zeros((0, len(self.chunks)))
        with torch.no_grad():
            return (self.embed_questions(questions) @ self.vectors.T).double().numpy()


def rag_messages(
    question: str, chunks: Sequence[Chunk | Hit], *, passage_first: bool = True
) -> list[Message]:
    """The user message that asks ``question`` about the retrieved ``chunks``.

    The chunks' texts, joined in the order given, fill
    :data:`~stepbytoken.world.reading_tasks.READ_TEMPLATE` (the passage, then the question:
    the layout the assistants were trained on); with ``passage_first=False``,
    :data:`QUESTION_FIRST` (the question, then the passage). With no chunks, the question is
    asked alone (the closed-book baseline).

    Examples
    --------
    >>> (message,) = rag_messages("Who is king?", [Chunk("P", 0, "Quentin is king.")])
    >>> message.content
    'Read this: Quentin is king.\\nQuestion: Who is king?'
    >>> rag_messages("Who is king?", [Chunk("P", 0, "Quentin is king.")],
    ...              passage_first=False)[0].content
    'Who is king?\\nRead this: Quentin is king.'

    Introduced in chapter 10.
    """
    question = check_str("question", question, allow_empty=False)
    check_bool("passage_first", passage_first)
    if isinstance(chunks, (str, bytes)) or not isinstance(chunks, Sequence):
        raise TypeError(
            f"chunks must be a sequence of Chunk or Hit, got {type(chunks).__name__}"
        )
    texts = []
    for c in chunks:
        if isinstance(c, Hit):
            c = c.chunk
        if not isinstance(c, Chunk):
            raise TypeError(
                f"chunks must hold Chunk or Hit objects, got {type(c).__name__}"
            )
        texts.append(c.text)
    if not texts:
        return [Message("user", question)]
    template = READ_TEMPLATE if passage_first else QUESTION_FIRST
    return [Message("user", template.format(p=" ".join(texts), q=question))]
