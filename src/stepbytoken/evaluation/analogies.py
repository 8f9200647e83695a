"""Analogy tests for word vectors: ``a`` is to ``b`` as ``c`` is to what?

The answer is the word nearest to ``b - a + c`` (unit vectors, the three question words
excluded), as :meth:`stepbytoken.nn.WordVectors.analogy` finds it one question at a time; here
whole lists are answered in one matrix product and scored against the expected words.

Introduced in chapter 3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

from stepbytoken.checks import (
    check_choice,
    check_instance,
    check_strings,
    check_tensor,
    check_token_ids,
)
from stepbytoken.nn import WordVectors

METHODS = ("offset", "only-c")


def top_answers(
    wv: WordVectors, ids: torch.Tensor, method: str = "offset"
) -> torch.Tensor:
    """The id of the best answer to each question, given as rows of ids ``(a, b, c)``.

    ``"offset"`` scores words against ``b - a + c``; ``"only-c"`` against ``c`` alone.

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> wv = WordVectors(WordVocab(["a", "b", "c", "d"]), torch.eye(4))
    >>> top_answers(wv, torch.tensor([[0, 1, 2]])).tolist()
    [3]

    Introduced in chapter 3.
    """
    check_instance("wv", wv, WordVectors)
    check_tensor("ids", ids, dims=2, integer=True)
    if ids.shape[1] < 3:
        raise ValueError(
            f"ids must have rows of at least 3 ids (a, b, c), got {tuple(ids.shape)}"
        )
    check_token_ids("ids", ids, wv.vocab_size)
    method = check_choice("method", method, METHODS)
    E = wv.vectors
    if method == "offset":
        q = E[ids[:, 1]] - E[ids[:, 0]] + E[ids[:, 2]]  # (n, dim)
    else:
        q = E[ids[:, 2]]
    scores = F.normalize(q, dim=-1) @ E.T  # (n, vocab_size)
    scores.scatter_(1, ids[:, :3], -math.inf)
    return scores.argmax(dim=1)


def answer_analogies(
    wv: WordVectors, questions: Sequence[Sequence[str]], method: str = "offset"
) -> list[str]:
    """The top answer to each question ``(a, b, c)``.

    ``method="offset"`` answers like :meth:`~stepbytoken.nn.WordVectors.analogy`.
    ``method="only-c"`` is a baseline that ignores ``a`` and ``b`` and answers with the word
    nearest to ``c`` (Linzen, 2016): when it scores well, the relation need not be a direction
    in the space.

    Parameters
    ----------
    wv
        The word vectors.
    questions
        Tuples ``(a, b, c)``; a fourth word (the expected answer) is allowed and ignored.
    method
        ``"offset"`` or ``"only-c"``.

    Returns
    -------
    list of str
        One answer per question, never ``a``, ``b`` or ``c``.

    Raises
    ------
    KeyError
        If a word is unknown.
    ValueError
        If ``method`` is unknown, a question has fewer than 3 or more than 4 words, or the
        vocabulary has no word besides ``a``, ``b`` and ``c``.

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> vocab = WordVocab(["king", "queen", "man", "woman", "boy"])
    >>> weight = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.1, 1.0], [0.1, -1.0], [0.2, 1.0]])
    >>> wv = WordVectors(vocab, weight)
    >>> answer_analogies(wv, [("king", "queen", "man")])
    ['woman']
    >>> answer_analogies(wv, [("king", "queen", "man", "woman")], method="only-c")
    ['boy']

    Introduced in chapter 3.
    """
    check_instance("wv", wv, WordVectors)
    if isinstance(questions, (str, bytes)) or not isinstance(questions, Sequence):
        raise TypeError(
            f"questions must be a list of (a, b, c) word triples, got {questions!r}"
        )
    for i, q in enumerate(questions):
        check_strings(f"questions[{i}]", q)
    method = check_choice("method", method, METHODS)
    if not questions:
        return []
    rows = []
    for q in questions:
        if len(q) not in (3, 4):
            raise ValueError(f"each question must have 3 words (a, b, c), got {q!r}")
        rows.append([wv.index(w) for w in q[:3]])
    if any(len(set(r)) >= wv.vocab_size for r in rows):
        raise ValueError("the vocabulary has no word left to answer with")
    answers = top_answers(wv, torch.tensor(rows), method)
    return [wv.vocab.itos[i] for i in answers.tolist()]


def evaluate_analogies(
    wv: WordVectors,
    analogies: Sequence[Sequence[str]] | Mapping[str, Sequence[Sequence[str]]],
) -> dict:
    """Top-1 accuracy of the offset method on analogies ``(a, b, c, d)``.

    Parameters
    ----------
    wv
        The word vectors.
    analogies
        A list of 4-tuples, or a mapping from relation name to such a list (the result then
        has a per-relation breakdown). Analogies with an unknown word are skipped and counted.

    Returns
    -------
    dict
        ``accuracy`` (correct / n, 0.0 when n is 0), ``n``, ``correct``, ``skipped``,
        ``chance`` (guessing one of the other ``vocab_size - 3`` words) and, for a mapping,
        ``by_relation``: relation -> ``accuracy``, ``n``, ``correct``, ``skipped``.

    Raises
    ------
    ValueError
        If an analogy does not have 4 words.

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> vocab = WordVocab(["king", "queen", "man", "woman"])
    >>> weight = torch.tensor([[1.0, 1.0], [1.0, -1.0], [0.1, 1.0], [0.1, -1.0]])
    >>> result = evaluate_analogies(WordVectors(vocab, weight),
    ...     {"gender": [("king", "queen", "man", "woman"), ("man", "woman", "boy", "girl")]})
    >>> result["accuracy"], result["n"], result["skipped"]
    (1.0, 1, 1)

    Introduced in chapter 3.
    """
    check_instance("wv", wv, WordVectors)
    if isinstance(analogies, (str, bytes)) or not isinstance(
        analogies, (Sequence, Mapping)
    ):
        raise TypeError(
            "analogies must be a list of 4-word tuples or a mapping, "
            f"got {type(analogies).__name__}"
        )
    pairs = analogies.items() if isinstance(analogies, Mapping) else [("", analogies)]
    for relation, items in pairs:
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise TypeError(
                f"analogies must hold lists of 4-word tuples, got {items!r}"
            )
        for i, item in enumerate(items):
            check_strings(
                f"analogies{'[' + repr(relation) + ']' if relation else ''}[{i}]", item
            )
    groups = dict(analogies) if isinstance(analogies, Mapping) else {"all": analogies}
    by_relation = {}
    for relation, items in groups.items():
        rows = []
        skipped = 0
        for item in items:
            if len(item) != 4:
                raise ValueError(
                    f"each analogy must have 4 words (a, b, c, d), got {item!r}"
                )
            if all(w in wv.vocab for w in item):
                rows.append([wv.vocab.stoi[w] for w in item])
            else:
                skipped += 1
        correct = 0
        if rows:
            ids = torch.tensor(rows)  # (n, 4)
            correct = int((top_answers(wv, ids) == ids[:, 3]).sum())
        n = len(rows)
        by_relation[relation] = {
            "accuracy": correct / n if n else 0.0,
            "n": n,
            "correct": correct,
            "skipped": skipped,
        }
    total = {
        key: sum(r[key] for r in by_relation.values())
        for key in ("n", "correct", "skipped")
    }
    result = {
        "accuracy": total["correct"] / total["n"] if total["n"] else 0.0,
        **total,
        "chance": 1 / max(wv.vocab_size - 3, 1),
    }
    if isinstance(analogies, Mapping):
        result["by_relation"] = by_relation
    return result
