"""Wordings of the instruction tasks, each marked ``"train"`` or ``"heldout"``.

Every template has an identifier (``"ask/2"``) and a split. Training data is written from
``"train"`` templates only; the ``"heldout"`` ones (new wordings, a formatting rule never
trained on, a two-step question of a new shape) measure whether what the model learned
carries over to requests it has never seen. Placeholders: ``{q}`` a question, ``{p}`` a
passage, ``{k}`` a kingdom, ``{a}``, ``{b}`` numbers or names.

Introduced in chapter 8.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ASK",
    "CONSTRAINTS",
    "IDK",
    "LIST_TOWNS",
    "PASSAGE",
    "SCRATCH_RELATIONS",
    "TOOL_ARITHMETIC",
    "TOOL_SYSTEM",
    "TOOL_TWO_AGES",
    "Template",
    "pick_templates",
]


class Template(NamedTuple):
    """A wording with its identifier and split (``"train"`` or ``"heldout"``).

    Introduced in chapter 8.
    """

    id: str
    text: str
    split: str


def _templates(prefix: str, train: tuple[str, ...], heldout: tuple[str, ...]) -> tuple:
    rows = [(t, "train") for t in train] + [(t, "heldout") for t in heldout]
    return tuple(
        Template(f"{prefix}/{i}", text, split) for i, (text, split) in enumerate(rows)
    )


#: How a question is put to the assistant (``{q}``: the world's question for a fact).
ASK = _templates(
    "ask",
    ("{q}", "Please tell me: {q}", "I have a question. {q}", "Quick question: {q}"),
    ("Do you know this? {q}", "Can you help me? {q}"),
)

#: Formatting rules: ``{name: templates}``; ``lowercase`` is held out entirely.
CONSTRAINTS = {
    "one_word": _templates(
        "one_word",
        ("Answer in one word.", "Give a one-word answer."),
        ("Reply with one word.",),
    ),
    "capitals": _templates(
        "capitals",
        ("Answer in capital letters.", "Write the answer in capitals."),
        ("Reply in upper case only.",),
    ),
    "sentence": _templates(
        "sentence",
        ("Answer with a full sentence.", "Reply in a complete sentence."),
        ("Use one whole sentence.",),
    ),
    "list_three": _templates(
        "list_three",
        ("Separate them by commas.",),
        ("Give them as a comma-separated list.",),
    ),
    "lowercase": _templates("lowercase", (), ("Answer in lowercase letters only.",)),
}

#: The one list question (a kingdom has exactly three towns).
LIST_TOWNS = _templates(
    "list_towns",
    ("List the three towns of {k}.", "Name the three towns of {k}."),
    ("Which three towns does {k} have?",),
)

#: A question answered from a passage given in the prompt.
PASSAGE = _templates(
    "passage",
    ("Read this: {p}\nQuestion: {q}", "Text: {p}\nAnswer from the text. {q}"),
    ("Here is a note. {p}\nUsing only the note, answer: {q}",),
)

#: The system message that says tools are available.
TOOL_SYSTEM = "Tools: calc, lookup."

#: Arithmetic too hard to do in one's head (``{a}``, ``{op}``, ``{b}``).
TOOL_ARITHMETIC = _templates(
    "calc",
    ("What is {a} {op} {b}?", "Compute {a} {op} {b}."),
    ("How much is {a} {op} {b}?",),
)

#: Two look-ups, then a computation: the age gap (train) or the sum (held out).
TOOL_TWO_AGES = _templates(
    "ages",
    ("How many years older is {a} than {b}?",),
    ("Add up the ages of {a} and {b}.",),
)

#: Two-step questions ("Where does the father of Mira live?"): the second relation asked,
#: with ``colour`` held out.
SCRATCH_RELATIONS = _templates("hop", ("home", "age", "profession"), ("colour",))

#: The answer to a question nobody in the world can answer.
IDK = "I don't know."


def pick_templates(templates: tuple[Template, ...], split: str) -> tuple[Template, ...]:
    """The templates of ``split`` (``"train"`` or ``"heldout"``), or all for ``"all"``.

    >>> [t.id for t in pick_templates(ASK, "heldout")]
    ['ask/4', 'ask/5']

    Introduced in chapter 8.
    """
    if split not in ("train", "heldout", "all"):
        raise ValueError(
            f"templates must be one of 'train', 'heldout', 'all', got {split!r}"
        )
    return tuple(t for t in templates if split == "all" or t.split == split)
