"""Grading an assistant: answer held-out instruction examples and let the gold judge score them.

:func:`grade` asks a chat model each example's prompt (greedy, through
:func:`~stepbytoken.generation.chat.assistant_turn` so that tool calls are run when a toolbox is
given) and scores its last message with :func:`~stepbytoken.evaluation.judge.judge`.
:func:`summarise` turns the graded answers into a table per kind: the mean score, the share
answered correctly, the share that followed the instruction.

Introduced in chapter 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_int
from stepbytoken.evaluation.judge import Verdict, judge
from stepbytoken.generation.chat import assistant_turn
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.tokenizer import BPETokenizer
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.tools import Toolbox

__all__ = ["Graded", "grade", "summarise"]


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
