"""The gold judge: four checkable rules that score an assistant's answer.

The judge reads the final answer (the text after the last ``Answer:``, or the whole reply)
and checks four rules. **Correct**: every gold answer word appears in it as a whole word,
ignoring case (for a question nobody can answer, it must say "I don't know"; for any other,
it must not). **Follows the instruction**: *one word* means one word; *capitals*, no
lowercase letter; *lowercase*, no capital; *a sentence*, a capital first, a full stop last and
at least three words; *a list*, exactly three comma-separated items; no instruction is always
followed. **Polite**: none of :data:`RUDE_PHRASES`. **Concise**: at most
:data:`MAX_WORDS` words, no sentence said twice. The score is the share of the rules met,
correctness counting twice: ``(2 * correct + follows + polite + concise) / 5``.

Introduced in chapter 8.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from stepbytoken.checks import check_str
from stepbytoken.world.conversation import ChatExample

__all__ = [
    "MAX_WORDS",
    "RUDE_PHRASES",
    "RULES",
    "WEIGHTS",
    "Verdict",
    "final_answer",
    "follows_constraint",
    "judge",
]

#: The rules, in the order :class:`Verdict` lists them.
RULES = ("correct", "follows_instruction", "polite", "concise")
#: The weight of each rule in the score.
WEIGHTS = {"correct": 2, "follows_instruction": 1, "polite": 1, "concise": 1}
#: Most words a concise final answer has.
MAX_WORDS = 14
#: Phrases a polite answer never holds (matched as whole words, ignoring case).
RUDE_PHRASES = ("obviously", "everyone knows", "silly", "stupid", "whatever", "ugh")

_DONT_KNOW = re.compile(r"\bdon'?t know\b", re.I)


class Verdict(NamedTuple):
    """The judge's score in ``[0, 1]`` and its verdict on each rule of :data:`RULES`.

    Introduced in chapter 8.
    """

    score: float
    rules: dict[str, bool]


def final_answer(text: str) -> str:
    """The part of a reply that answers: after the last ``Answer:``, or all of it, stripped.

    >>> final_answer("Think: 2 + 2 = 4. So 4.\\nAnswer: 4")
    '4'

    Introduced in chapter 8.
    """
    return check_str("text", text).rsplit("Answer:", 1)[-1].strip()


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.I) is not None


def follows_constraint(text: str, constraint: str | None) -> bool:
    """Whether ``text`` follows a formatting rule (``None``: there is none to follow).

    >>> follows_constraint("Tolm", "one_word"), follows_constraint("Tolm is big.", "one_word")
    (True, False)
    >>> follows_constraint("Tolm, Brel, Lisk", "list_three")
    True

    Introduced in chapter 8.
    """
    text = check_str("text", text).strip()
    words = text.split()
    if constraint is None:
        return True
    if constraint == "one_word":
        return len(words) == 1
    if constraint == "capitals":
        return any(c.isalpha() for c in text) and not any(c.islower() for c in text)
    if constraint == "lowercase":
        return any(c.isalpha() for c in text) and not any(c.isupper() for c in text)
    if constraint == "sentence":
        return len(words) >= 3 and text[:1].isupper() and text.endswith(".")
    if constraint == "list_three":
        items = [item.strip() for item in text.split(",")]
        return len(items) == 3 and all(items)
    raise ValueError(
        "constraint must be None, 'one_word', 'capitals', 'lowercase', 'sentence' or "
        f"'list_three', got {constraint!r}"
    )


def judge(example: ChatExample, text: str | None = None) -> Verdict:
    """Score ``text`` (the example's own last answer by default) with the four rules.

    Parameters
    ----------
    example
        The example whose prompt was answered; gives the gold answer and the instruction.
    text
        The assistant's last message to score.

    Raises
    ------
    TypeError
        If ``example`` is not a ``ChatExample`` or ``text`` not a str.

    Examples
    --------
    >>> from stepbytoken.world.conversation import Message
    >>> ex = ChatExample("format", (Message("user", "Capital of Varnia? One word."),),
    ...                  (Message("assistant", "Tolm"),), "Tolm", "one_word", "t", ("Varnia",))
    >>> judge(ex).score, judge(ex, "Obviously Tolm.").rules
    (1.0, {'correct': True, 'follows_instruction': False, 'polite': False, 'concise': True})

    Introduced in chapter 8.
    """
    if not isinstance(example, ChatExample):
        raise TypeError(f"example must be a ChatExample, got {type(example).__name__}")
    text = example.final if text is None else check_str("text", text)
    answer = final_answer(text)
    if _DONT_KNOW.search(example.answer):
        correct = _DONT_KNOW.search(answer) is not None
    else:
        gold = (
            example.answer.split(", ")
            if example.constraint == "list_three"
            else [example.answer]
        )
        correct = all(_has_word(answer, g) for g in gold) and not _DONT_KNOW.search(
            answer
        )
    sentences = [s.strip().lower() for s in re.split(r"[.!?]+", answer) if s.strip()]
    rules = {
        "correct": correct,
        "follows_instruction": follows_constraint(answer, example.constraint),
        "polite": not any(_has_word(text, p) for p in RUDE_PHRASES),
        "concise": len(answer.split()) <= MAX_WORDS
        and len(sentences) == len(set(sentences)),
    }
    score = sum(WEIGHTS[r] for r, ok in rules.items() if ok) / sum(WEIGHTS.values())
    return Verdict(score, rules)
