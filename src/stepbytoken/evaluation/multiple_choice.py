"""Scoring a model on a multiple-choice benchmark, three ways.

The same questions (:func:`~stepbytoken.world.multiple_choice.make_mc_questions`) can be put
to a model in three ways, and the three can disagree:

- ``"letter"`` (:func:`letter_scores`): show the lettered options and read the probability
  of the tokens ``" A"`` to ``" D"`` after ``"Answer:"``; the likeliest letter is the
  choice. It needs a model that has learned the format: one that never saw lettered
  options spreads its probability over other tokens and picks letters by their own habits.
- ``"text"`` and ``"text_per_token"`` (:func:`text_scores`): no letters; ask the question in
  the corpus's own ``Q: ... A:`` format and score each option's text as the answer, by its
  total log-probability (the chapter's choice: the probability that the model writes that
  answer) or by its mean log-probability per token (which favours answers of many tokens).
- ``"generated"`` (:func:`generated_letter`): show the lettered options, let the model write
  a few tokens greedily and read a letter from them; no letter is a wrong answer.

:func:`score_benchmark` runs one of them over a list of questions. Every prompt starts a new
document (``"<|endoftext|>\\n"``), as :func:`~stepbytoken.evaluation.facts.question_prompt`
does, and is cut to its last ``block_size`` tokens if longer.

Introduced in chapter 16.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from stepbytoken.checks import (
    check_bool,
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_str,
)
from stepbytoken.evaluation.facts import question_prompt
from stepbytoken.evaluation.memory import choice_scores
from stepbytoken.generation.generate import generate
from stepbytoken.nn.interface import (
    LanguageModel,
    check_language_model,
    eval_mode,
    model_device,
)
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.corpus import DOC_SEPARATOR
from stepbytoken.world.multiple_choice import (
    LETTERS,
    MCQuestion,
    check_mc_question,
    format_mc_prompt,
)

__all__ = [
    "METHODS",
    "BenchmarkScore",
    "TextScores",
    "accuracy_interval",
    "generated_letter",
    "letter_ids",
    "letter_scores",
    "mc_prompt",
    "parse_letter",
    "score_benchmark",
    "text_scores",
]

#: The ways :func:`score_benchmark` reads a model's choice.
METHODS = ("letter", "text", "text_per_token", "generated")

_LETTER = re.compile(r"\s*\(?([ABCD])(?![A-Za-z])")


class TextScores(NamedTuple):
    """Log-probabilities (nats) of each option's text as the answer, per option.

    ``total`` sums over the answer's tokens, ``per_token`` divides that by their number.

    Introduced in chapter 16.
    """

    total: tuple[float, ...]
    per_token: tuple[float, ...]


class BenchmarkScore(NamedTuple):
    """A model's result on a benchmark under one method.

    ``choices`` holds the chosen option's index per question (None where a generated
    answer held no letter) and ``hits`` whether it was the right one; ``accuracy`` is the
    share of hits.

    Introduced in chapter 16.
    """

    method: str
    accuracy: float
    choices: tuple[int | None, ...]
    hits: tuple[bool, ...]


def _check(model: object, tokenizer: object) -> None:
    check_language_model(model)
    check_instance("tokenizer", tokenizer, BPETokenizer)


def _encode(model: LanguageModel, tokenizer: BPETokenizer, text: str) -> list[int]:
    """Token ids of ``text``, checked against the model's vocabulary."""
    ids = tokenizer.encode(text)
    if ids and max(ids) >= model.vocab_size:
        raise ValueError(
            f"tokenizer gives ids up to {max(ids)}, beyond the model's vocab_size "
            f"{model.vocab_size}: the tokenizer is not the model's"
        )
    return ids


def mc_prompt(question: MCQuestion) -> str:
    """The text a model reads for ``"letter"`` and ``"generated"``: a new document's prompt.

    Examples
    --------
    >>> from stepbytoken.world.facts import Fact
    >>> q = MCQuestion("Who?", ("a", "b", "c", "d"), 0, Fact("x", "king", "a"))
    >>> mc_prompt(q).splitlines()[:2]
    ['<|endoftext|>', 'Question: Who?']

    Introduced in chapter 16.
    """
    return f"{DOC_SEPARATOR}\n{format_mc_prompt(question)}"


def letter_ids(tokenizer: BPETokenizer) -> list[list[int]]:
    """The token ids of ``" A"`` to ``" D"``, each a list (one id for most tokenizers).

    Examples
    --------
    >>> from stepbytoken.tokenizers import BPETokenizer
    >>> letter_ids(BPETokenizer())  # bytes only: a space, then the letter
    [[32, 65], [32, 66], [32, 67], [32, 68]]

    Introduced in chapter 16.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    return [tokenizer.encode(f" {letter}") for letter in LETTERS]


@torch.no_grad()
def letter_scores(
    model: LanguageModel, tokenizer: BPETokenizer, question: MCQuestion
) -> list[float]:
    """The probability of each letter ``" A"`` to ``" D"`` right after the lettered prompt.

    Probabilities under the model's full next-token distribution (they need not sum to 1:
    what is left went to other tokens). A letter of several tokens scores the product of
    their probabilities.

    Parameters
    ----------
    model : LanguageModel
        The model.
    tokenizer : BPETokenizer
        Its tokenizer.
    question : MCQuestion
        The question.

    Returns
    -------
    list of float
        Four probabilities, for A to D.

    Raises
    ------
    TypeError, ValueError
        For a bad model, tokenizer or question, or a tokenizer the model does not fit.

    Introduced in chapter 16.
    """
    _check(model, tokenizer)
    check_mc_question(question)
    prompt = _encode(model, tokenizer, mc_prompt(question))
    letters = [_encode(model, tokenizer, f" {letter}") for letter in LETTERS]
    if any(len(ids) != 1 for ids in letters):
        logp = choice_scores(model, prompt, letters)
        return [math.exp(s) for s in logp]
    if model.block_size is not None:
        prompt = prompt[-model.block_size :]
    with eval_mode(model):
        logits, _ = model(torch.tensor([prompt], device=model_device(model)))
    probs = torch.softmax(logits[0, -1].float().cpu(), dim=-1)  # (vocab_size,)
    return [float(probs[ids[0]]) for ids in letters]


def text_scores(
    model: LanguageModel, tokenizer: BPETokenizer, question: MCQuestion
) -> TextScores:
    """The log-probability of each option's text as the answer to the bare question.

    The prompt is the corpus's ``"<|endoftext|>\\nQ: {question}\\nA:"``; each option is
    scored as the continuation ``" {option}\\n"``, the newline included, so that an option
    that is the start of another ("3" and "34") is not favoured.

    Parameters
    ----------
    model, tokenizer, question
        As for :func:`letter_scores`.

    Returns
    -------
    TextScores
        Total and per-token log-probabilities (nats), for A to D.

    Raises
    ------
    TypeError, ValueError
        As for :func:`letter_scores`.

    Introduced in chapter 16.
    """
    _check(model, tokenizer)
    check_mc_question(question)
    prompt = _encode(model, tokenizer, question_prompt(question.question))
    answers = [_encode(model, tokenizer, f" {o}\n") for o in question.options]
    total = choice_scores(model, prompt, answers)
    per_token = [s / len(ids) for s, ids in zip(total, answers, strict=True)]
    return TextScores(tuple(total), tuple(per_token))


def parse_letter(text: str) -> int | None:
    """The option a written answer names: a letter A-D first (after spaces or ``"("``).

    A letter that starts a word (``"Bexholm"``) is not a choice.

    Examples
    --------
    >>> parse_letter(" B. Tolm"), parse_letter(" (C)"), parse_letter(" Bexholm")
    (1, 2, None)

    Introduced in chapter 16.
    """
    check_str("text", text)
    match = _LETTER.match(text)
    return None if match is None else LETTERS.index(match.group(1))


def generated_letter(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    question: MCQuestion,
    *,
    max_new_tokens: int = 3,
) -> int | None:
    """The option the model names when it writes greedily after the lettered prompt.

    Parameters
    ----------
    model, tokenizer, question
        As for :func:`letter_scores`.
    max_new_tokens : int, default 3
        Tokens written (>= 1); the letter is read by :func:`parse_letter`.

    Returns
    -------
    int or None
        The index of the option named, or None if the text names none.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, as for :func:`letter_scores`.

    Introduced in chapter 16.
    """
    _check(model, tokenizer)
    check_mc_question(question)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    prompt = _encode(model, tokenizer, mc_prompt(question))
    out = generate(model, prompt, max_new_tokens, greedy=True)  # (T,) -> (T + n,)
    return parse_letter(tokenizer.decode(out[len(prompt) :].tolist()))


def score_benchmark(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    questions: Sequence[MCQuestion],
    method: str,
) -> BenchmarkScore:
    """Accuracy of a model on multiple-choice questions, read by one of :data:`METHODS`.

    ``"letter"`` chooses the likeliest letter (:func:`letter_scores`), ``"text"`` the
    option of highest total log-probability and ``"text_per_token"`` of highest mean
    log-probability per token (:func:`text_scores`), ``"generated"`` the letter written
    (:func:`generated_letter`). Ties go to the earlier option.

    Parameters
    ----------
    model : LanguageModel
        The model.
    tokenizer : BPETokenizer
        Its tokenizer.
    questions : sequence of MCQuestion
        At least one question.
    method : str
        One of :data:`METHODS`.

    Returns
    -------
    BenchmarkScore
        Accuracy and per-question choices.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Introduced in chapter 16.
    """
    _check(model, tokenizer)
    if isinstance(questions, (str, bytes)) or not isinstance(questions, Sequence):
        raise TypeError(
            f"questions must be a sequence of MCQuestion, got {type(questions).__name__}"
        )
    for i, q in enumerate(questions):
        check_mc_question(q, f"questions[{i}]")
    if not questions:
        raise ValueError("questions must hold at least one question")
    check_choice("method", method, METHODS)
    choices: list[int | None] = []
    for q in questions:
        if method == "generated":
            choices.append(generated_letter(model, tokenizer, q))
            continue
        if method == "letter":
            scores = letter_scores(model, tokenizer, q)
        else:
            text = text_scores(model, tokenizer, q)
            scores = list(text.total if method == "text" else text.per_token)
        choices.append(max(range(len(scores)), key=lambda c: (scores[c], -c)))
    hits = tuple(c == q.correct for c, q in zip(choices, questions, strict=True))
    return BenchmarkScore(method, sum(hits) / len(hits), tuple(choices), hits)


def accuracy_interval(
    hits: Sequence[bool],
    *,
    rounds: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """A bootstrap percentile interval for the accuracy of a benchmark.

    Each round redraws ``len(hits)`` questions with replacement and takes the share that
    were right; the interval runs between the ``(1 - confidence) / 2`` and
    ``(1 + confidence) / 2`` quantiles of these shares. It says how much the score would move
    on another benchmark of the same size drawn the same way, not whether the questions
    measure what they claim.

    Parameters
    ----------
    hits : sequence of bool
        Whether each question was answered right (at least one).
    rounds : int, default 1000
        Resamples (>= 2).
    confidence : float, default 0.95
        Share of the resampled accuracies inside the interval, in ``(0, 1)``.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    (float, float)
        ``(low, high)``, in ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Examples
    --------
    >>> low, high = accuracy_interval([True] * 60 + [False] * 40)
    >>> round(low, 2), round(high, 2)
    (0.51, 0.69)

    Introduced in chapter 16.
    """
    if isinstance(hits, (str, bytes)) or not isinstance(hits, Sequence):
        raise TypeError(f"hits must be a sequence of bools, got {type(hits).__name__}")
    hits = [check_bool(f"hits[{i}]", h) for i, h in enumerate(hits)]
    if not hits:
        raise ValueError("hits must hold at least one question")
    rounds = check_int("rounds", rounds, minimum=2)
    confidence = check_float(
        "confidence", confidence, minimum=0.0, maximum=1.0, open_minimum=True
    )
    if confidence >= 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    seed = check_int("seed", seed, minimum=0)
    right = np.array(hits, dtype=float)
    rng = np.random.default_rng(seed)
    shares = right[rng.integers(0, len(right), size=(rounds, len(right)))].mean(axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(shares, [tail, 100 - tail])
    return float(low), float(high)
