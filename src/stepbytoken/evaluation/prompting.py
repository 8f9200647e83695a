"""Scoring prompts: answers read greedily or chosen by likelihood, votes, and Wilson intervals.

A prompt from :mod:`~stepbytoken.generation.prompting` ends where the answer starts.
:func:`complete` continues many prompts greedily (in batches of equal length) and
:func:`first_line` and :func:`answer_after` read the answer out of the text;
:func:`choose` instead picks the likeliest of a few candidate answers. For self-consistency,
:func:`sample_completions` writes ``m`` chains at a temperature and :func:`majority_vote`
keeps the commonest answer. :func:`accuracy` reports a share with its 95% Wilson interval
(:func:`wilson_interval`), which stays inside ``[0, 1]`` and is honest at 0 or ``n``
successes.

Introduced in chapter 12.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import torch

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_int,
    check_str,
    check_strings,
)
from stepbytoken.evaluation.memory import choice_scores
from stepbytoken.generation.generate import generate
from stepbytoken.generation.prompting import (
    FACT_WORDINGS,
    check_wording,
    examples_for,
    fact_pools,
    few_shot_prompt,
)
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.corpus import DOC_SEPARATOR

__all__ = [
    "Accuracy",
    "accuracy",
    "answer_after",
    "choose",
    "complete",
    "few_shot_accuracy",
    "first_line",
    "majority_vote",
    "sample_completions",
    "vote_accuracy",
    "wilson_interval",
]


#: Tokens a fact's answer may take.
ANSWER_TOKENS = 6


class Accuracy(NamedTuple):
    """A share of correct answers with its 95% Wilson interval ``[low, high]``.

    Introduced in chapter 12.
    """

    correct: int
    n: int
    value: float
    low: float
    high: float


def wilson_interval(correct: int, n: int, *, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of ``correct`` successes in ``n`` trials.

    >>> [round(x, 3) for x in wilson_interval(0, 20)]
    [0.0, 0.161]
    >>> [round(x, 3) for x in wilson_interval(50, 100)]
    [0.404, 0.596]

    Introduced in chapter 12.
    """
    n = check_int("n", n, minimum=1)
    correct = check_int("correct", correct, minimum=0, maximum=n)
    z = check_float("z", z, minimum=0, open_minimum=True)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    return low, 1.0 if correct == n else min(1.0, centre + half)


def accuracy(hits: Sequence[bool]) -> Accuracy:
    """The share of true ``hits``, with its Wilson interval.

    >>> accuracy([True, True, False, True]).value
    0.75

    Introduced in chapter 12.
    """
    if isinstance(hits, (str, bytes)) or not isinstance(hits, Sequence):
        raise TypeError(f"hits must be a sequence of bools, got {type(hits).__name__}")
    if not hits:
        raise ValueError("hits must hold at least one result")
    if not all(isinstance(h, bool) for h in hits):
        raise TypeError("hits must hold bools only")
    correct = sum(hits)
    low, high = wilson_interval(correct, len(hits))
    return Accuracy(correct, len(hits), correct / len(hits), low, high)


def first_line(text: str) -> str:
    """The answer at the start of a continuation: up to a newline or document end, stripped.

    >>> first_line(" Kell\\n\\nQ: Who")
    'Kell'

    Introduced in chapter 12.
    """
    return check_str("text", text).split(DOC_SEPARATOR)[0].split("\n")[0].strip()


def answer_after(text: str, marker: str = "\nA:") -> str:
    """The answer after the first ``marker`` (a worked solution's last line), or ``""``.

    >>> answer_after(" 3 + 4 = 7, write 7. So 7.\\nA: 7\\n\\nQ:")
    '7'

    Introduced in chapter 12.
    """
    check_str("text", text)
    check_str("marker", marker, allow_empty=False)
    if marker not in text:
        return ""
    return first_line(text.split(marker, 1)[1])


def _check_tokenizer(tokenizer: object) -> BPETokenizer:
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    return tokenizer


def _encode(
    model: LanguageModel, tokenizer: BPETokenizer, prompt: str, room: int
) -> list[int]:
    try:
        ids = tokenizer.encode(prompt)
    except ValueError as err:
        raise ValueError(f"prompt {prompt[:40]!r} cannot be encoded: {err}") from None
    block_size = model.block_size
    if block_size is not None and len(ids) + room > block_size:
        raise ValueError(
            f"a prompt is {len(ids)} tokens; with {room} tokens for the answer it does not "
            f"fit the model's block_size = {block_size}: use fewer examples"
        )
    return ids


def complete(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 8,
) -> list[str]:
    """Each prompt's greedy continuation, ``max_new_tokens`` tokens long, as text.

    Prompts of the same length in tokens run together in one batch. A prompt must leave room
    for the continuation inside the model's context (no prompt is cropped).

    Parameters
    ----------
    model, tokenizer
        A base model and its tokenizer.
    prompts
        Texts, e.g. from :func:`~stepbytoken.generation.prompting.few_shot_prompt`.
    max_new_tokens
        Tokens to write after each prompt (>= 1).

    Returns
    -------
    list of str
        The new text of each prompt, in order.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a prompt too long for the context.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> prompt = "<|endoftext|>\\nQ: What is the capital of Gorrund?\\nA:"
    >>> first_line(complete(ref.model, ref.tokenizer, [prompt])[0])
    'Bexholm'

    Introduced in chapter 12.
    """
    check_language_model(model)
    _check_tokenizer(tokenizer)
    prompts = check_strings("prompts", prompts, allow_empty=False)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    ids = [_encode(model, tokenizer, p, max_new_tokens) for p in prompts]
    by_length: dict[int, list[int]] = {}
    for i, row in enumerate(ids):
        by_length.setdefault(len(row), []).append(i)
    texts = [""] * len(prompts)
    for length, rows in by_length.items():
        batch = torch.tensor([ids[i] for i in rows])  # (B, T)
        out = generate(model, batch, max_new_tokens, greedy=True)  # (B, T + n)
        for i, new in zip(rows, out[:, length:].tolist(), strict=True):
            texts[i] = tokenizer.decode(new)
    return texts


def choose(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    prompts: Sequence[str],
    candidates: Sequence[Sequence[str]],
) -> list[str]:
    """For each prompt, the candidate answer the model finds likeliest after it.

    Each candidate is scored as a space and its words
    (:func:`~stepbytoken.evaluation.memory.choice_scores`, the sum of its tokens'
    log-probabilities), so longer answers are not favoured.

    Parameters
    ----------
    model, tokenizer
        A base model and its tokenizer.
    prompts
        Texts ending where the answer starts.
    candidates
        One list of possible answers per prompt (or one list for every prompt, given once
        inside a 1-element sequence).

    Returns
    -------
    list of str
        The chosen candidate per prompt.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> prompt = "<|endoftext|>\\nQ: What is the capital of Gorrund?\\nA:"
    >>> choose(ref.model, ref.tokenizer, [prompt], [["Tolm", "Bexholm"]])
    ['Bexholm']

    Introduced in chapter 12.
    """
    check_language_model(model)
    _check_tokenizer(tokenizer)
    prompts = check_strings("prompts", prompts, allow_empty=False)
    if isinstance(candidates, (str, bytes)) or not isinstance(candidates, Sequence):
        raise TypeError("candidates must be a sequence of lists of strings")
    lists = [
        check_strings(f"candidates[{i}]", c, allow_empty=False)
        for i, c in enumerate(candidates)
    ]
    if len(lists) == 1:
        lists = lists * len(prompts)
    if len(lists) != len(prompts) or not all(lists):
        raise ValueError(
            "candidates must hold one non-empty list per prompt, or a single list"
        )
    chosen = []
    for prompt, options in zip(prompts, lists, strict=True):
        ids = _encode(model, tokenizer, prompt, 1)
        conts = [tokenizer.encode_ordinary(" " + c) for c in options]
        scores = choice_scores(model, ids, conts)
        chosen.append(options[max(range(len(scores)), key=scores.__getitem__)])
    return chosen


def sample_completions(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    prompt: str,
    m: int,
    *,
    max_new_tokens: int = 48,
    temperature: float = 0.8,
    seed: int = 0,
) -> list[str]:
    """``m`` continuations of ``prompt`` sampled at ``temperature``, in one seeded batch.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> len(sample_completions(ref.model, ref.tokenizer, "<|endoftext|>\\nQ:", 3,
    ...                        max_new_tokens=4))
    3

    Introduced in chapter 12.
    """
    check_language_model(model)
    _check_tokenizer(tokenizer)
    check_str("prompt", prompt, allow_empty=False)
    m = check_int("m", m, minimum=1)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    temperature = check_float("temperature", temperature, minimum=0, open_minimum=True)
    seed = check_int("seed", seed)
    ids = _encode(model, tokenizer, prompt, max_new_tokens)
    batch = torch.tensor([ids] * m)  # (m, T)
    out = generate(
        model, batch, max_new_tokens, temperature=temperature, seed=seed
    )  # (m, T + n)
    return [tokenizer.decode(new) for new in out[:, len(ids) :].tolist()]


def majority_vote(answers: Sequence[str]) -> str:
    """The commonest answer; a tie goes to the one given first. Empty answers do not vote.

    >>> majority_vote(["7", "8", "8", "7", ""])
    '7'
    >>> majority_vote(["", ""])
    ''

    Introduced in chapter 12.
    """
    answers = check_strings("answers", answers)
    votes = Counter(a for a in answers if a)
    if not votes:
        return ""
    best = max(votes.values())
    return next(a for a in answers if votes.get(a) == best)


def vote_accuracy(
    samples: Sequence[Sequence[str]], gold: Sequence[str], ms: Sequence[int]
) -> list[Accuracy]:
    """Accuracy of the majority vote of each question's first ``m`` answers, for each ``m``.

    >>> [a.value for a in vote_accuracy([["1", "2", "2"], ["3", "3", "4"]], ["2", "3"],
    ...                                   [1, 3])]
    [0.5, 1.0]

    Introduced in chapter 12.
    """
    gold = check_strings("gold", gold)
    if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
        raise TypeError("samples must be a sequence of lists of answers")
    rows = [check_strings(f"samples[{i}]", s) for i, s in enumerate(samples)]
    if len(rows) != len(gold) or not rows:
        raise ValueError(
            f"samples and gold must have the same non-zero length, got {len(rows)} "
            f"and {len(gold)}"
        )
    if isinstance(ms, (str, bytes)) or not isinstance(ms, Sequence):
        raise TypeError("ms must be a sequence of ints")
    shortest = min(len(r) for r in rows)
    ms = [check_int("ms[]", m, minimum=1, maximum=max(shortest, 1)) for m in ms]
    return [
        accuracy([majority_vote(r[:m]) == g for r, g in zip(rows, gold, strict=True)])
        for m in ms
    ]


def few_shot_accuracy(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    wording: str,
    k: int,
    *,
    n: int | None = None,
    method: str = "greedy",
) -> tuple[Accuracy, list[str], list[str]]:
    """Accuracy on held-out people's facts asked after ``k`` solved examples.

    The questions and examples are those of
    :func:`~stepbytoken.generation.prompting.fact_pools` and
    :func:`~stepbytoken.generation.prompting.examples_for`: the recipe's few-shot curves.

    Parameters
    ----------
    model, tokenizer
        The reference model and its tokenizer.
    wording
        A name of :data:`~stepbytoken.generation.prompting.FACT_WORDINGS`.
    k
        Number of solved examples (>= 0).
    n
        How many of the 127 questions, from the first (all by default).
    method
        ``"greedy"``: the first line of the greedy continuation must be the answer;
        ``"choice"``: the likeliest answer of the question's relation must be it.

    Returns
    -------
    (Accuracy, list of str, list of str)
        The accuracy with its interval, the prompts, and the model's answers.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or prompts too long for the context.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> acc, prompts, answers = few_shot_accuracy(ref.model, ref.tokenizer, "question", 0,
    ...                                           n=10)
    >>> acc.value
    1.0

    Introduced in chapter 12.
    """
    w = check_wording(wording, FACT_WORDINGS)
    k = check_int("k", k, minimum=0)
    method = check_choice("method", method, ("greedy", "choice"))
    questions, pool = fact_pools()
    if n is not None:
        questions = questions[: check_int("n", n, minimum=1)]
    examples = examples_for(questions, pool, k)
    prompts = [
        few_shot_prompt(w, ex, q) for q, ex in zip(questions, examples, strict=True)
    ]
    if method == "greedy":
        texts = complete(model, tokenizer, prompts, max_new_tokens=ANSWER_TOKENS)
        answers = [first_line(t) for t in texts]
    else:
        options: dict[str, set[str]] = {}
        for shot in (*pool, *fact_pools()[0]):
            options.setdefault(shot.fields["keyword"], set()).add(shot.answer)
        choices = [sorted(options[q.fields["keyword"]]) for q in questions]
        answers = choose(model, tokenizer, prompts, choices)
    hits = [a == q.answer for a, q in zip(answers, questions, strict=True)]
    return accuracy(hits), prompts, answers
