"""Scoring thinkers: accuracy against a thinking budget, majority votes, and compute.

:func:`budget_curve` writes each problem's greedy thought once, then cuts it at every budget
and asks for the answer: since greedy decoding is deterministic, the thought at budget ``B``
is the first ``B`` tokens of the full thought. :func:`vote_curve` samples several thoughts per
problem and takes the most common answer (self-consistency, Wang et al. 2023).
:func:`forward_flops` counts compute as ``2 × parameters × tokens`` (a multiply and an add
per weight per token), which ignores attention scores and position embeddings, small at
these lengths.

Introduced in chapter 17.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from stepbytoken.checks import check_float, check_int, check_ints, check_strings
from stepbytoken.generation.thinking import answer_after, write_thoughts
from stepbytoken.nn.interface import LanguageModel
from stepbytoken.nn.parameters import count_parameters
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.thinking_tasks import PROBLEM_KINDS, ThinkingProblem

__all__ = [
    "BudgetCurve",
    "accuracy_by_kind",
    "VoteCurve",
    "budget_curve",
    "curve_record",
    "direct_record",
    "direct_accuracy",
    "forward_flops",
    "is_correct",
    "majority_vote",
    "vote_curve",
]


class BudgetCurve(NamedTuple):
    """Accuracy of a thinker at each thinking budget.

    Introduced in chapter 17.

    Fields:
        budgets: The budgets, in tokens of thought.
        accuracy: Share of problems answered right at each budget.
        tokens: Mean tokens processed per problem at each budget.
        thoughts: Each problem's full greedy thought (token ids).
        answers: ``answers[b][k]``: the answer to problem ``k`` at budget ``budgets[b]``.
    """

    budgets: list[int]
    accuracy: list[float]
    tokens: list[float]
    thoughts: list[list[int]]
    answers: list[list[str]]


class VoteCurve(NamedTuple):
    """Accuracy of a majority vote over ``k`` sampled thoughts, for each ``k``.

    Introduced in chapter 17.

    Fields:
        ks: The numbers of thoughts voted over.
        accuracy: Share of problems whose majority answer is right, for each ``k``.
        tokens: Mean tokens processed per problem for each ``k`` (all ``k`` thoughts).
    """

    ks: list[int]
    accuracy: list[float]
    tokens: list[float]


def is_correct(answer: str, gold: str) -> bool:
    """Whether ``answer`` is ``gold``, ignoring case, spaces around and a final full stop.

    Introduced in chapter 17.

    Examples
    --------
    >>> is_correct(" Oxley.", "Oxley"), is_correct("1234", "123")
    (True, False)
    """
    check_strings("answer", [answer])
    check_strings("gold", [gold], allow_empty=False)
    return answer.strip().removesuffix(".").lower() == gold.strip().lower()


def majority_vote(answers: Sequence[str]) -> str:
    """The most common answer; a tie goes to the one that came first.

    Introduced in chapter 17.

    Examples
    --------
    >>> majority_vote(["12", "13", "13", "12", "9"])
    '12'
    """
    answers = check_strings("answers", answers)
    if not answers:
        raise ValueError("answers must hold at least one answer")
    counts = Counter(answers)
    best = max(counts.values())
    return next(a for a in answers if counts[a] == best)


def forward_flops(n_parameters: int, tokens: float) -> float:
    """Compute of running a model over ``tokens`` tokens: ``2 × n_parameters × tokens``.

    Introduced in chapter 17.

    Examples
    --------
    >>> forward_flops(1_000_000, 50)
    100000000.0
    """
    n = check_int("n_parameters", n_parameters, minimum=1)
    return 2.0 * n * check_float("tokens", tokens, minimum=0)


def _questions(problems: Sequence[ThinkingProblem]) -> list[str]:
    if isinstance(problems, (str, bytes)) or not isinstance(problems, Sequence):
        raise TypeError(
            f"problems must be a sequence of ThinkingProblem, got {type(problems).__name__}"
        )
    if not problems or not all(isinstance(p, ThinkingProblem) for p in problems):
        raise ValueError("problems must be a non-empty sequence of ThinkingProblem")
    return [p.question for p in problems]


def accuracy_by_kind(
    problems: Sequence[ThinkingProblem], answers: Sequence[str]
) -> dict[str, float]:
    """Accuracy of ``answers`` (one per problem) on each kind of problem present.

    Introduced in chapter 17.

    Examples
    --------
    >>> from stepbytoken.world.thinking_tasks import sum_problem
    >>> accuracy_by_kind([sum_problem(1, 2), sum_problem(2, 2)], ["3", "5"])
    {'sum': 0.5}
    """
    _questions(problems)
    answers = check_strings("answers", answers)
    if len(answers) != len(problems):
        raise ValueError(
            f"answers must have one entry per problem ({len(problems)}), got {len(answers)}"
        )
    out = {}
    for kind in PROBLEM_KINDS:
        pairs = [
            (a, p) for a, p in zip(answers, problems, strict=True) if p.kind == kind
        ]
        if pairs:
            out[kind] = sum(is_correct(a, p.answer) for a, p in pairs) / len(pairs)
    return out


def direct_accuracy(
    model: LanguageModel, tokenizer: BPETokenizer, problems: Sequence[ThinkingProblem]
) -> tuple[float, float, list[str]]:
    """Accuracy of a direct answerer: ``(accuracy, mean tokens per problem, answers)``.

    Introduced in chapter 17.
    """
    questions = _questions(problems)
    answers = answer_after(model, tokenizer, questions)
    right = [
        is_correct(a.text, p.answer) for a, p in zip(answers, problems, strict=True)
    ]
    return (
        sum(right) / len(right),
        sum(a.tokens for a in answers) / len(answers),
        [a.text for a in answers],
    )


def budget_curve(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    problems: Sequence[ThinkingProblem],
    budgets: Sequence[int],
    *,
    max_tokens: int = 96,
) -> BudgetCurve:
    """Accuracy of a greedy thinker when its thought is cut at each of ``budgets`` tokens.

    Introduced in chapter 17.

    Parameters
    ----------
    model, tokenizer
        A thinker and its :func:`~stepbytoken.generation.thinking.thinking_tokenizer`.
    problems : sequence of ThinkingProblem
        The problems to score.
    budgets : sequence of int
        Budgets (>= 0) in tokens of thought; a thought shorter than a budget is kept whole.
    max_tokens : int, default 96
        The longest full thought written.
    """
    questions = _questions(problems)
    budgets = check_ints("budgets", budgets, minimum=0)
    if not budgets:
        raise ValueError("budgets must hold at least one budget")
    thoughts = write_thoughts(model, tokenizer, questions, max_tokens=max_tokens)
    accuracy, tokens, answers = [], [], []
    for budget in budgets:
        got = answer_after(model, tokenizer, questions, [t[:budget] for t in thoughts])
        right = [
            is_correct(a.text, p.answer) for a, p in zip(got, problems, strict=True)
        ]
        accuracy.append(sum(right) / len(right))
        tokens.append(sum(a.tokens for a in got) / len(got))
        answers.append([a.text for a in got])
    return BudgetCurve(budgets, accuracy, tokens, thoughts, answers)


def vote_curve(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    problems: Sequence[ThinkingProblem],
    ks: Sequence[int],
    *,
    temperature: float = 1.0,
    max_tokens: int = 96,
    seed: int = 0,
) -> VoteCurve:
    """Accuracy of a majority vote over the first ``k`` of ``max(ks)`` sampled thoughts.

    Each thought is sampled at ``temperature``, and the answer after it is read greedily.

    Introduced in chapter 17.
    """
    questions = _questions(problems)
    ks = check_ints("ks", ks, minimum=1)
    if not ks:
        raise ValueError("ks must hold at least one k")
    n = max(ks)
    repeated = [q for q in questions for _ in range(n)]
    thoughts = write_thoughts(
        model,
        tokenizer,
        repeated,
        max_tokens=max_tokens,
        greedy=False,
        temperature=temperature,
        seed=seed,
    )
    got = answer_after(model, tokenizer, repeated, thoughts)
    accuracy, tokens = [], []
    for k in ks:
        right, used = 0, 0
        for i, p in enumerate(problems):
            mine = got[i * n : i * n + k]
            right += is_correct(majority_vote([a.text for a in mine]), p.answer)
            used += sum(a.tokens for a in mine)
        accuracy.append(right / len(problems))
        tokens.append(used / len(problems))
    return VoteCurve(ks, accuracy, tokens)


def curve_record(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    problems: Sequence[ThinkingProblem],
    budgets: Sequence[int],
    *,
    max_tokens: int = 96,
) -> dict[str, Any]:
    """A thinker's :func:`budget_curve` as plain data, by kind, with compute.

    Keys: ``parameters``, ``accuracy`` and ``accuracy_by_kind`` (per budget), ``tokens`` and
    ``flops`` (mean per problem, per budget), ``thought_ids`` (the full thoughts) and
    ``answers`` (per budget, per problem).

    Introduced in chapter 17.
    """
    curve = budget_curve(model, tokenizer, problems, budgets, max_tokens=max_tokens)
    by_kind = [accuracy_by_kind(problems, answers) for answers in curve.answers]
    n = count_parameters(model)
    return {
        "parameters": n,
        "accuracy": curve.accuracy,
        "accuracy_by_kind": {k: [row[k] for row in by_kind] for k in by_kind[0]},
        "tokens": curve.tokens,
        "flops": [forward_flops(n, t) for t in curve.tokens],
        "thought_ids": curve.thoughts,
        "answers": curve.answers,
    }


def direct_record(
    model: LanguageModel, tokenizer: BPETokenizer, problems: Sequence[ThinkingProblem]
) -> dict[str, Any]:
    """A direct answerer's :func:`direct_accuracy` as plain data, by kind, with compute.

    Introduced in chapter 17.
    """
    accuracy, tokens, answers = direct_accuracy(model, tokenizer, problems)
    n = count_parameters(model)
    return {
        "parameters": n,
        "accuracy": accuracy,
        "accuracy_by_kind": accuracy_by_kind(problems, answers),
        "tokens": tokens,
        "flops": forward_flops(n, tokens),
        "answers": answers,
    }
