"""Worse answers on purpose: one flaw each, for preference pairs and reward models.

Given a generated example (whose answer is right, follows its instruction, is polite and
concise), :func:`flawed_answer` rewrites the assistant's last message so that exactly one of
those four properties breaks (:data:`FLAWS`):

- ``wrong``: another answer of the same kind (a made-up one, for questions nobody can answer);
- ``ignores_instruction``: the formatting rule is not followed (only for examples with one);
- ``rude``: a dismissive remark at the end (not for one-word and list answers, where it
  would also break the format);
- ``rambling``: padded past the length a concise answer keeps to (same exceptions).

The gold judge (:mod:`stepbytoken.evaluation.judge`) checks each property with one rule.

Introduced in chapter 8.
"""

from __future__ import annotations

import random
import re

from stepbytoken.checks import check_choice
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.facts import Fact
from stepbytoken.world.instruction_templates import IDK
from stepbytoken.world.task_context import answer_sentence

__all__ = ["FLAWS", "RAMBLE", "RUDE_REMARKS", "applicable_flaws", "flawed_answer"]

#: The four flaws, one per rule of the judge.
FLAWS = ("wrong", "ignores_instruction", "rude", "rambling")
#: Dismissive remarks (each holds a phrase the judge's politeness rule refuses).
RUDE_REMARKS = (" Obviously.", " Everyone knows that.", " What a silly question.")
#: Padding that makes an answer long without making it wrong or rude.
RAMBLE = (
    " Let me say that again so that it is really clear for you, in case you missed it."
)

_NUMBER = re.compile(r"-?\d+")


def applicable_flaws(example: ChatExample) -> tuple[str, ...]:
    """The flaws :func:`flawed_answer` can give this example without breaking another rule.

    Introduced in chapter 8.
    """
    if not isinstance(example, ChatExample):
        raise TypeError(f"example must be a ChatExample, got {type(example).__name__}")
    flaws = ["wrong"]
    if example.constraint is not None:
        flaws.append("ignores_instruction")
    if example.constraint not in ("one_word", "list_three"):
        flaws += ["rude", "rambling"]
    return tuple(flaws)


def _wrong_value(example: ChatExample, rng: random.Random, pool: list[str]) -> str:
    gold = example.answer
    if _NUMBER.fullmatch(gold):
        options = [
            int(gold) + d for d in (-3, -2, -1, 1, 2, 3, 10) if int(gold) + d >= 0
        ]
        return str(rng.choice(options))
    taken = {g.lower() for g in gold.split(", ")} | {
        e.lower() for e in example.entities
    }
    options = [w for w in pool if w.lower() not in taken]
    if not options:
        raise ValueError(
            f"pool must hold another answer than {gold!r} to write a wrong one"
        )
    return rng.choice(sorted(options))


def _restyle(text: str, constraint: str | None) -> str:
    if constraint == "capitals":
        return text.upper()
    if constraint == "lowercase":
        return text.lower()
    return text


def flawed_answer(
    example: ChatExample,
    flaw: str,
    rng: random.Random,
    pool: list[str] | tuple[str, ...] = (),
) -> str:
    """The assistant's last message rewritten with one flaw of :data:`FLAWS`.

    Parameters
    ----------
    example
        A generated example with a good answer.
    flaw
        One of :func:`applicable_flaws` of the example.
    rng
        Random generator (which wrong answer, which remark).
    pool
        Candidate wrong answers (words) for ``"wrong"`` when the gold answer is not a number,
        e.g. every answer of the same relation.

    Raises
    ------
    ValueError
        If the flaw does not apply to the example, or ``pool`` has no other candidate.

    Examples
    --------
    >>> from stepbytoken.world.conversation import Message
    >>> ex = ChatExample("fact", (Message("user", "How old is Mira?"),),
    ...                  (Message("assistant", "Mira is 34 years old."),), "34", None, "ask/0",
    ...                  ("Mira",))
    >>> flawed_answer(ex, "wrong", random.Random(0))
    'Mira is 44 years old.'
    >>> flawed_answer(ex, "rude", random.Random(0))
    'Mira is 34 years old. Everyone knows that.'

    Introduced in chapter 8.
    """
    check_choice("flaw", flaw, applicable_flaws(example))
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
    text, gold, constraint = example.final, example.answer, example.constraint
    if flaw == "wrong":
        if gold == IDK.rstrip(".") and example.relation is not None:
            subject = example.entities[0]
            made_up = Fact(
                subject, example.relation, _wrong_value(example, rng, list(pool))
            )
            return _restyle(answer_sentence(made_up), constraint)
        if constraint == "list_three":
            items = gold.split(", ")
            items[rng.randrange(len(items))] = _wrong_value(example, rng, list(pool))
            return ", ".join(items)
        wrong = _wrong_value(example, rng, list(pool))
        pattern = re.compile(rf"\b{re.escape(gold)}\b", re.I)
        return pattern.sub(lambda m: _restyle(wrong, constraint), text)
    if flaw == "ignores_instruction":
        if constraint == "one_word":
            return f"The answer is {text}."
        if constraint == "list_three":
            return text.replace(", ", " ")
        if constraint == "sentence":
            return gold
        return text.lower() if constraint == "capitals" else text.upper()
    if flaw == "rude":
        return _restyle(text + rng.choice(RUDE_REMARKS), constraint)
    return _restyle(text + RAMBLE, constraint)
