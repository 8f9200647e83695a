"""Grading an assistant: answer held-out instruction examples and let the gold judge score them.

:func:`grade` asks a chat model each example's prompt (greedy, through
:func:`~stepbytoken.generation.chat.assistant_turn` so that tool calls are run when a toolbox is
given) and scores its last message with :func:`~stepbytoken.evaluation.judge.judge`.
:func:`summarise` turns the graded answers into a table per kind: the mean score, the share
answered correctly, the share that followed the instruction. :func:`win_rate` compares two
models answer by answer: how often the judge scores the first above the second.

Introduced in chapter 8.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_floats, check_int
from stepbytoken.evaluation.judge import Verdict, judge
from stepbytoken.generation.chat import assistant_turn
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.tools import Toolbox

__all__ = ["Graded", "WinRate", "grade", "summarise", "win_rate"]


class Graded(NamedTuple):
    """One example, what the model wrote for it (with tool results) and the judge's verdict.

    Introduced in chapter 8.
    """

    example: ChatExample
    turn: tuple[Message, ...]
    verdict: Verdict

    @property
    def text(self) -> str:
        """The model's last message: the answer the judge scored."""
        return self.turn[-1].content


def grade(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    examples: Sequence[ChatExample],
    *,
    toolbox: Toolbox | None = None,
    max_new_tokens: int = 64,
) -> list[Graded]:
    """Answer every example's prompt greedily and judge the last message.

    Parameters
    ----------
    model
        A chat model (its vocabulary holds the chat tokens of ``tokenizer``).
    tokenizer
        A chat tokenizer (:func:`~stepbytoken.tokenizers.chat_tokenizer`).
    examples
        The examples to answer (their ``reply`` is not shown to the model).
    toolbox
        Runs the model's tool calls (at most 3 per answer); without one, the model's first
        message is its answer.
    max_new_tokens
        The longest message, in tokens.

    Returns
    -------
    list of Graded
        One per example, in order.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.

    Introduced in chapter 8.
    """
    check_language_model(model)
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    if toolbox is not None and not isinstance(toolbox, Toolbox):
        raise TypeError(
            f"toolbox must be a Toolbox or None, got {type(toolbox).__name__}"
        )
    check_int("max_new_tokens", max_new_tokens, minimum=1)
    if isinstance(examples, ChatExample) or not isinstance(examples, Sequence):
        raise TypeError(
            f"examples must be a sequence of ChatExample, got {type(examples).__name__}"
        )
    calls = 0 if toolbox is None else 3
    box = Toolbox([]) if toolbox is None else toolbox
    graded = []
    for i, example in enumerate(examples):
        if not isinstance(example, ChatExample):
            raise TypeError(
                f"examples[{i}] must be a ChatExample, got {type(example).__name__}"
            )
        turn = assistant_turn(
            model,
            tokenizer,
            example.prompt,
            box,
            max_calls=calls,
            max_new_tokens=max_new_tokens,
        )
        graded.append(Graded(example, turn, judge(example, turn[-1].content)))
    return graded


def summarise(graded: Sequence[Graded]) -> dict[str, dict[str, float]]:
    """Per kind (in order of first appearance): ``n``, mean ``score``, ``correct`` and
    ``follows`` (the shares that met those rules), rounded to 4 decimals.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> from stepbytoken.world.instructions import make_examples
    >>> ex = make_examples(make_world(0), "fact", 2, seed=1)
    >>> rows = [Graded(e, e.reply, judge(e)) for e in ex]
    >>> summarise(rows)
    {'fact': {'n': 2, 'score': 1.0, 'correct': 1.0, 'follows': 1.0}}

    Introduced in chapter 8.
    """
    if not isinstance(graded, Sequence):
        raise TypeError(
            f"graded must be a sequence of Graded rows, got {type(graded).__name__}"
        )
    table: dict[str, list[Graded]] = {}
    for row in graded:
        if not isinstance(row, Graded):
            raise TypeError(f"graded must hold Graded rows, got {type(row).__name__}")
        table.setdefault(row.example.kind, []).append(row)

    def share(rows: list[Graded], rule: str) -> float:
        return round(sum(r.verdict.rules[rule] for r in rows) / len(rows), 4)

    return {
        kind: {
            "n": len(rows),
            "score": round(sum(r.verdict.score for r in rows) / len(rows), 4),
            "correct": share(rows, "correct"),
            "follows": share(rows, "follows_instruction"),
        }
        for kind, rows in table.items()
    }


class WinRate(NamedTuple):
    """How often model A's answer beat model B's on the same prompts.

    ``rate`` counts a tie as half a win; ``half_width`` is the half-width of its 95%
    interval by the normal approximation (1.96 standard errors of the per-prompt outcomes).

    Introduced in chapter 8.
    """

    wins: int
    ties: int
    losses: int
    rate: float
    half_width: float


def win_rate(scores_a: Sequence[float], scores_b: Sequence[float]) -> WinRate:
    """Compare two models prompt by prompt: A wins where its score is higher.

    Parameters
    ----------
    scores_a, scores_b
        The judge's score of each model's answer to the same prompts, in the same order.

    Returns
    -------
    WinRate
        Wins, ties and losses of A, the win rate (a tie counts half) and its interval.

    Raises
    ------
    TypeError, ValueError
        If the scores are not numbers, are empty, or differ in length.

    Examples
    --------
    >>> win_rate([1.0, 0.5, 0.8, 0.2], [0.6, 0.5, 0.9, 0.2])
    WinRate(wins=1, ties=2, losses=1, rate=0.5, half_width=0.3465)

    Introduced in chapter 8.
    """
    a = check_floats("scores_a", scores_a, min_size=1)
    b = check_floats("scores_b", scores_b, min_size=1)
    if len(a) != len(b):
        raise ValueError(
            f"scores_a and scores_b must score the same prompts, got {len(a)} and "
            f"{len(b)} scores"
        )
    outcomes = [
        1.0 if x > y else 0.5 if x == y else 0.0 for x, y in zip(a, b, strict=True)
    ]
    n = len(outcomes)
    rate = sum(outcomes) / n
    spread = math.sqrt(sum((o - rate) ** 2 for o in outcomes) / n)
    return WinRate(
        wins=outcomes.count(1.0),
        ties=outcomes.count(0.5),
        losses=outcomes.count(0.0),
        rate=round(rate, 4),
        half_width=round(1.96 * spread / math.sqrt(n), 4),
    )
