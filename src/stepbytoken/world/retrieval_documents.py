"""Documents about entities the reference model never read about, and questions on them.

The world's held-out kingdoms and people (:attr:`World.heldout`) never appear in the corpus
the reference model was trained on, so a question about them can only be answered from a
document put in front of the model. :func:`retrieval_set` writes one ``facts`` document per
held-out kingdom and person (:meth:`World.fact_document`), optionally mixed with documents
about entities the model does know (distractors), and one question per held-out fact, with
the identifier of the document that answers it.

Introduced in chapter 10.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import NamedTuple

from stepbytoken.checks import check_int
from stepbytoken.world.world import World

__all__ = ["RetrievalDocument", "RetrievalQuestion", "RetrievalSet", "retrieval_set"]


class RetrievalDocument(NamedTuple):
    """A document to retrieve: its identifier (the subject's name), subject and text.

    Introduced in chapter 10.
    """

    id: str
    subject: str
    text: str
    heldout: bool


class RetrievalQuestion(NamedTuple):
    """A question, its one-word answer, and the identifier of the document that holds it.

    Introduced in chapter 10.
    """

    question: str
    answer: str
    document: str
    relation: str


@dataclass(frozen=True)
class RetrievalSet:
    """The documents and the questions of :func:`retrieval_set`.

    Introduced in chapter 10.
    """

    documents: tuple[RetrievalDocument, ...]
    questions: tuple[RetrievalQuestion, ...]

    def document(self, doc_id: str) -> RetrievalDocument:
        """The document with identifier ``doc_id``; ``KeyError`` if there is none."""
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise KeyError(f"no document {doc_id!r} in this set")


def retrieval_set(
    world: World, *, n_distractors: int = 0, seed: int = 0
) -> RetrievalSet:
    """Documents about the held-out entities, and a question per held-out fact.

    Parameters
    ----------
    world
        The small world.
    n_distractors
        Documents about known (training) kingdoms and people added to the collection
        (>= 0, at most their number).
    seed
        Seed of the wording of the documents and of the distractors chosen.

    Returns
    -------
    RetrievalSet
        Held-out documents first, then distractors; questions in the order of
        ``world.heldout_facts``, each answered by a word of its document.

    Raises
    ------
    TypeError, ValueError
        For a bad ``world``, ``n_distractors`` or ``seed``.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> data = retrieval_set(make_world(0))
    >>> q = data.questions[0]
    >>> q.question, q.answer, q.answer in data.document(q.document).text
    ('What is the capital of Pellucia?', 'Karrow', True)

    Introduced in chapter 10.
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a World, got {type(world).__name__}")
    known = [k.name for k in world.kingdoms] + [p.name for p in world.people]
    check_int("n_distractors", n_distractors, minimum=0, maximum=len(known))
    check_int("seed", seed)
    subjects = [k.name for k in world.heldout_kingdoms] + [
        p.name for p in world.heldout_people
    ]
    distractors = random.Random(f"retrieval-{world.seed}-{seed}").sample(
        known, n_distractors
    )
    documents = tuple(
        RetrievalDocument(s, s, world.fact_document(s, seed=seed), s in subjects)
        for s in subjects + distractors
    )
    texts = {d.id: d.text for d in documents}
    questions = []
    for fact in world.heldout_facts:
        doc = (
            world.kingdom(fact.object).name
            if fact.relation == "kingdom"
            else fact.subject
        )
        if not re.search(rf"\b{re.escape(fact.object)}\b", texts[doc]):
            raise RuntimeError(f"the document about {doc} does not state {fact}")
        questions.append(
            RetrievalQuestion(fact.question(), fact.object, doc, fact.relation)
        )
    return RetrievalSet(documents, tuple(questions))
