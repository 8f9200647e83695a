"""Measuring retrieval: which chunks answer a question, and recall@k.

A chunk *answers* a question (:func:`answering_chunks`) if it contains the answer as a whole
word and names the question's subject, or comes from the subject's own document (where "she"
or "he" stands for the subject). A retriever's **recall@k** is the share of
questions for which at least one answering chunk is among its ``k`` best
(:func:`recall_at_k`); :func:`first_hit` is the rank of the best-placed one. A reply is
right (:func:`right_answer`) if its final answer holds the answer word.

Introduced in chapter 10.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from stepbytoken.checks import check_int, check_ints, check_str
from stepbytoken.evaluation.judge import final_answer
from stepbytoken.text.chunking import Chunk

__all__ = ["answering_chunks", "first_hit", "recall_at_k", "right_answer"]


def answering_chunks(chunks: Sequence[Chunk], subject: str, answer: str) -> list[int]:
    """Indices of the chunks that hold ``answer`` and are about ``subject``.

    About ``subject``: the chunk names it, or comes from the document whose identifier is
    ``subject`` (its pronouns stand for the subject). Both names match whole words only.

    Examples
    --------
    >>> chunks = [Chunk("Elin", 0, "She is 64."), Chunk("Elin", 1, "She likes red."),
    ...           Chunk("Pellucia", 0, "Elin is 64 and Quentin is 62."),
    ...           Chunk("Vera", 0, "She is 64.")]
    >>> answering_chunks(chunks, "Elin", "64")
    [0, 2]

    Introduced in chapter 10.
    """
    if isinstance(chunks, (str, bytes)) or not isinstance(chunks, Sequence):
        raise TypeError(
            f"chunks must be a sequence of Chunk, got {type(chunks).__name__}"
        )
    subject = check_str("subject", subject, allow_empty=False)
    answer = check_str("answer", answer, allow_empty=False)
    has_answer = re.compile(rf"\b{re.escape(answer)}\b")
    names_subject = re.compile(rf"\b{re.escape(subject)}\b")
    found = []
    for i, c in enumerate(chunks):
        if not isinstance(c, Chunk):
            raise TypeError(f"chunks must hold Chunk objects, got {type(c).__name__}")
        about = c.doc_id == subject or names_subject.search(c.text)
        if about and has_answer.search(c.text):
            found.append(i)
    return found


def first_hit(ranking: Sequence[int], relevant: Sequence[int]) -> int | None:
    """The rank (0 is the best) of the first relevant index in ``ranking``; None if none.

    >>> first_hit([4, 2, 7], [7, 9])
    2

    Introduced in chapter 10.
    """
    wanted = set(check_ints("relevant", relevant, minimum=0))
    for rank, i in enumerate(check_ints("ranking", ranking, minimum=0)):
        if i in wanted:
            return rank
    return None


def recall_at_k(
    rankings: Sequence[Sequence[int]],
    relevant: Sequence[Sequence[int]],
    ks: Sequence[int] = (1, 3, 5),
) -> dict[int, float]:
    """Share of questions with a relevant chunk among the first ``k``, for each ``k``.

    Parameters
    ----------
    rankings
        For each question, chunk indices best first.
    relevant
        For each question, the indices of the chunks that answer it.
    ks
        The cut-offs (>= 1).

    Examples
    --------
    >>> recall_at_k([[0, 1, 2], [2, 0, 1]], [[1], [1]], ks=(1, 2, 3))
    {1: 0.0, 2: 0.5, 3: 1.0}

    Introduced in chapter 10.
    """
    if len(rankings) != len(relevant):
        raise ValueError(
            f"rankings and relevant must have one entry per question, got "
            f"{len(rankings)} and {len(relevant)}"
        )
    if not rankings:
        raise ValueError("recall_at_k needs at least one question")
    ks = [check_int("ks", k, minimum=1) for k in ks]
    ranks = [first_hit(r, rel) for r, rel in zip(rankings, relevant, strict=True)]
    return {k: sum(r is not None and r < k for r in ranks) / len(ranks) for k in ks}


def right_answer(reply: str, answer: str) -> bool:
    """Whether the final answer of ``reply`` holds ``answer`` as a word (any case).

    >>> right_answer("The capital of Pellucia is Karrow.", "Karrow")
    True
    >>> right_answer("The capital of Pellucia is Karrowick.", "Karrow")
    False

    Introduced in chapter 10.
    """
    check_str("reply", reply)
    answer = check_str("answer", answer, allow_empty=False)
    pattern = rf"(?<!\w){re.escape(answer)}(?!\w)"
    return re.search(pattern, final_answer(reply), re.I) is not None
