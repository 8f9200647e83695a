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

from stepbytoken.checks import check_choice, check_int
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
    """A question, its one-word answer, the document that holds it, its relation and subject.

    Introduced in chapter 10.
    """

    question: str
    answer: str
    document: str
    relation: str
    subject: str


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
    world: World, *, n_distractors: int = 0, subjects: str = "heldout", seed: int = 0
) -> RetrievalSet:
    """Documents about the held-out entities, and a question per held-out fact.

    With ``subjects="known"``, the same for the kingdoms and people the corpus talks about
    (and then no distractors): training data for a retriever, never for measuring one.

    Parameters
    ----------
    world
        The small world.
    n_distractors
        Documents about known (training) kingdoms and people added to the collection
        (>= 0, at most their number).
    subjects
        ``"heldout"`` (the world's held-out kingdoms and people) or ``"known"``.
    seed
        Seed of the wording of the documents and of the distractors chosen.

    Returns
    -------
    RetrievalSet
        The subjects' documents first, then distractors; questions in the order of
        ``world.heldout_facts`` (or ``world.facts``), each answered by a word of its
        document.

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
    check_choice("subjects", subjects, ("heldout", "known"))
    check_int("seed", seed)
    if subjects == "known":
        if n_distractors:
            raise ValueError("n_distractors must be 0 with subjects='known'")
        names, facts = known, world.facts
    else:
        names = [k.name for k in world.heldout_kingdoms] + [
            p.name for p in world.heldout_people
        ]
        facts = world.heldout_facts
    distractors = random.Random(f"retrieval-{world.seed}-{seed}").sample(
        known, n_distractors
    )
    documents = tuple(
        RetrievalDocument(s, s, world.fact_document(s, seed=seed), s not in known)
        for s in names + distractors
    )
    texts = {d.id: d.text for d in documents}
    questions = []
    for fact in facts:
        doc = (
            world.kingdom(fact.object).name
            if fact.relation == "kingdom"
            else fact.subject
        )
        if not re.search(rf"\b{re.escape(fact.object)}\b", texts[doc]):
            raise RuntimeError(f"the document about {doc} does not state {fact}")
        questions.append(
            RetrievalQuestion(
                fact.question(), fact.object, doc, fact.relation, fact.subject
            )
        )
    return RetrievalSet(documents, tuple(questions))
