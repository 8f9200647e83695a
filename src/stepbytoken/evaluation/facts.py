"""Asking a model the small world's questions, and scoring its greedy answers.

The world's corpus holds question/answer documents (``Q: What is the capital of Gorrund?``
then ``A: Bexholm``). A model that has learned a fact completes the question with its answer;
one that has not still answers something, fluently. :func:`answer_questions` asks, and
:func:`fact_accuracy` counts exact answers.

Introduced in chapter 1.
"""

from __future__ import annotations

import torch

from stepbytoken.checks import check_int, check_str
from stepbytoken.generation import generate
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

__all__ = ["MAX_ANSWER_TOKENS", "answer_questions", "fact_accuracy"]

#: Most tokens generated per answer by default.
MAX_ANSWER_TOKENS = 8


def question_prompt(question: str) -> str:
    """The corpus's question/answer format, at the start of a document, up to the answer.

    >>> question_prompt("Who is the king of Arden?")
    '<|endoftext|>\\nQ: Who is the king of Arden?\\nA:'

    Introduced in chapter 1.
    """
    check_str("question", question)
    return f"{DOC_SEPARATOR}\nQ: {question}\nA:"


@torch.no_grad()
def answer_questions(
    model: torch.nn.Module,
    tokenizer: BPETokenizer,
    questions: list[str],
    *,
    max_new_tokens: int = MAX_ANSWER_TOKENS,
) -> list[str]:
    """The model's greedy answers to questions asked in the corpus's ``Q: ... A:`` format.

    Each question is written as a new document, ``"<|endoftext|>\\nQ: {question}\\nA:"``; the
    model continues it greedily until the answer ends (a newline or document separator),
    for at most ``max_new_tokens`` tokens and never past the model's ``block_size`` (the
    question is never cropped), and the answer is the text up to that end, stripped.
    Questions whose prompts have the same number of tokens are answered together in a batch.

    Introduced in chapter 1.

    Parameters
    ----------
    model : torch.nn.Module
        A model mapping ``(B, T)`` ids to ``(logits, loss)``, e.g. the reference GPT.
    tokenizer : BPETokenizer
        The tokenizer the model was trained with (it must know ``"<|endoftext|>"``).
    questions : list of str
        Questions such as ``"What is the capital of Gorrund?"``.
    max_new_tokens : int, default 8
        Most tokens generated per answer (>= 1).

    Returns
    -------
    list of str
        One answer per question, in order.

    Raises
    ------
    TypeError, ValueError
        For a wrong model or tokenizer type, questions that are not strings, a bad
        ``max_new_tokens``, or a question whose prompt does not fit the model's context.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> from stepbytoken.world import make_world
    >>> ref = load_reference()
    >>> question, answer = make_world(0).questions("train")[0]
    >>> answer_questions(ref.model, ref.tokenizer, [question]) == [answer]
    True
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    if isinstance(questions, str) or not all(isinstance(q, str) for q in questions):
        raise TypeError("questions must be a list of strings")
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    block_size = getattr(model, "block_size", None)
    prompts = [tokenizer.encode(question_prompt(q)) for q in questions]
    by_length: dict[int, list[int]] = {}
    for i, ids in enumerate(prompts):
        if block_size is not None and len(ids) >= block_size:
            raise ValueError(
                f"questions[{i}] is {len(ids)} tokens long as a prompt, but the model reads at "
                f"most block_size = {block_size} tokens and needs room for the answer; "
                f"ask a shorter question"
            )
        by_length.setdefault(len(ids), []).append(i)
    answers = [""] * len(questions)
    for length, rows in by_length.items():
        budget = (
            max_new_tokens
            if block_size is None
            else min(max_new_tokens, block_size - length)
        )
        out = torch.tensor([prompts[i] for i in rows])  # (B, T)
        texts = [""] * len(rows)
        while budget > 0:  # a few tokens at a time, until every answer has ended
            step = min(budget, MAX_ANSWER_TOKENS)
            out = generate(model, out, step, greedy=True)  # (B, T) -> (B, T + step)
            budget -= step
            texts = [tokenizer.decode(new) for new in out[:, length:].tolist()]
            if all("\n" in text or DOC_SEPARATOR in text for text in texts):
                break
        for i, text in zip(rows, texts, strict=True):
            answers[i] = text.split(DOC_SEPARATOR)[0].split("\n")[0].strip()
    return answers


def fact_accuracy(
    model: torch.nn.Module,
    tokenizer: BPETokenizer,
    pairs: list[tuple[str, str]],
    *,
    max_new_tokens: int = MAX_ANSWER_TOKENS,
) -> float:
    """The fraction of ``(question, answer)`` pairs that the model answers exactly.

    Answers come from :func:`answer_questions` (greedy); a pair counts when the answer equals
    the expected one exactly.

    Introduced in chapter 1.

    Parameters
    ----------
    model, tokenizer, max_new_tokens
        As for :func:`answer_questions`.
    pairs : list of (str, str)
        Questions with their answers, e.g. ``make_world(0).questions("train")``.

    Returns
    -------
    float
        Exact-match accuracy in ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``pairs`` is empty.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> from stepbytoken.world import make_world
    >>> ref = load_reference()
    >>> fact_accuracy(ref.model, ref.tokenizer, make_world(0).questions("train")[:10]) >= 0.5
    True
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs must hold at least one (question, answer) pair")
    answers = answer_questions(
        model, tokenizer, [q for q, _ in pairs], max_new_tokens=max_new_tokens
    )
    return sum(
        a == expected for a, (_, expected) in zip(answers, pairs, strict=True)
    ) / len(pairs)
