"""A multiple-choice benchmark of the small world's facts, in the style of MMLU.

Each question (:class:`MCQuestion`) asks one fact in the world's own words ("What is the
capital of Gorrund?") with four options, lettered A to D: the right answer and three
**distractors**, other answers of the same relation (other towns that are capitals, other
ages), so that every option is a plausible word and only knowing the fact tells them apart.
:func:`make_mc_questions` draws the questions from one entity split of
:func:`~stepbytoken.world.entity_split.split_entities` and spreads the right answer evenly
over the four positions; :func:`format_mc_prompt` writes the prompt a model reads.

Introduced in chapter 16.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from stepbytoken.checks import (
    check_choice,
    check_instance,
    check_int,
    check_str,
    check_strings,
)
from stepbytoken.world.entity_split import SPLITS, EntitySplit, split_entities
from stepbytoken.world.facts import Fact
from stepbytoken.world.world import World

__all__ = [
    "LETTERS",
    "MCQuestion",
    "check_mc_question",
    "format_mc_prompt",
    "make_mc_questions",
]

#: The option letters, in order.
LETTERS = ("A", "B", "C", "D")


class MCQuestion(NamedTuple):
    """A question with four options, of which ``options[correct]`` is right.

    Fields:

    question : str
        The question, as the corpus asks it.
    options : tuple of str
        Four different answers, in the order they are lettered A to D.
    correct : int
        Index of the right option, in ``[0, 4)``.
    fact : Fact
        The fact asked.

    Examples
    --------
    >>> q = MCQuestion("What is the capital of Varnia?", ("Brel", "Tolm", "Lisk", "Orr"), 1,
    ...                Fact("Varnia", "capital", "Tolm"))
    >>> q.letter, q.options[q.correct]
    ('B', 'Tolm')

    Introduced in chapter 16.
    """

    question: str
    options: tuple[str, ...]
    correct: int
    fact: Fact

    @property
    def letter(self) -> str:
        """The letter of the right option."""
        return LETTERS[self.correct]


def check_mc_question(question: object, name: str = "question") -> MCQuestion:
    """Return ``question`` if it is a well-formed :class:`MCQuestion`, else raise.

    Well-formed: a non-empty question, four different non-empty options, ``correct`` in
    ``[0, 4)``.

    Examples
    --------
    >>> check_mc_question(("What?", ("a", "b", "c", "d"), 0, None))
    Traceback (most recent call last):
    ...
    TypeError: question must be a MCQuestion, got tuple

    Introduced in chapter 16.
    """
    check_instance(name, question, MCQuestion)
    assert isinstance(question, MCQuestion)
    check_str(f"{name}.question", question.question, allow_empty=False)
    options = check_strings(f"{name}.options", question.options, allow_empty=False)
    if len(options) != len(LETTERS) or len(set(options)) != len(LETTERS):
        raise ValueError(
            f"{name}.options must be {len(LETTERS)} different answers, got {options!r}"
        )
    check_int(f"{name}.correct", question.correct, minimum=0, maximum=len(LETTERS) - 1)
    return question


def _candidates(facts: tuple[Fact, ...]) -> dict[tuple[str, str], set[str]]:
    """Right answers per ``(subject, relation)`` (a person may have two sons)."""
    answers: dict[tuple[str, str], set[str]] = {}
    for f in facts:
        answers.setdefault((f.subject, f.relation), set()).add(f.object)
    return answers


def make_mc_questions(
    world: World,
    *,
    n: int,
    split: str = "heldout",
    seed: int = 0,
    entities: EntitySplit | None = None,
) -> list[MCQuestion]:
    """``n`` seeded multiple-choice questions about the facts of one entity split.

    Facts are drawn without replacement from ``entities.facts[split]``. The distractors of a
    fact are three other answers of its relation, drawn from the corpus's facts
    (``world.facts``; for ``split="unseen"`` the held-out facts too), never the subject
    itself and never another right answer to the same question. Facts whose relation has
    fewer than three such distractors are left out. The right answer sits at each of the
    four positions equally often (exactly, when ``n`` is a multiple of 4), in a seeded order.

    Parameters
    ----------
    world : World
        The small world.
    n : int
        Number of questions (>= 0, at most the number of usable facts of the split).
    split : str, default "heldout"
        ``"train"`` (entities of the instruction data), ``"heldout"`` (known from
        pre-training only) or ``"unseen"`` (never in the corpus); see
        :data:`~stepbytoken.world.entity_split.SPLITS`.
    seed : int, default 0
        Seed of the draw.
    entities : EntitySplit, optional
        The entity split; ``split_entities(world)`` by default.

    Returns
    -------
    list of MCQuestion
        The same list for the same arguments.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or ``n`` larger than the number of usable facts.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> qs = make_mc_questions(make_world(0), n=8, seed=1)
    >>> sorted(q.correct for q in qs)
    [0, 0, 1, 1, 2, 2, 3, 3]
    >>> q = qs[0]
    >>> q.options[q.correct] == q.fact.object and len(set(q.options)) == 4
    True

    Introduced in chapter 16.
    """
    check_instance("world", world, World)
    n = check_int("n", n, minimum=0)
    check_choice("split", split, SPLITS)
    seed = check_int("seed", seed)
    if entities is None:
        entities = split_entities(world)
    check_instance("entities", entities, EntitySplit)
    pool_facts = world.facts + (world.heldout_facts if split == "unseen" else ())
    pool: dict[str, set[str]] = {}
    for f in pool_facts:
        pool.setdefault(f.relation, set()).add(f.object)
    answers = _candidates(world.facts + world.heldout_facts)
    usable: list[tuple[Fact, list[str]]] = []
    for f in entities.facts[split]:
        wrong = pool.get(f.relation, set()) - answers[(f.subject, f.relation)]
        wrong.discard(f.subject)
        if len(wrong) >= len(LETTERS) - 1:
            usable.append((f, sorted(wrong)))
    if n > len(usable):
        raise ValueError(
            f"n must be at most {len(usable)}, the usable facts of split {split!r}, got {n}"
        )
    rng = random.Random(f"multiple-choice-{world.seed}-{split}-{seed}")
    picked = rng.sample(usable, n)
    positions = [i % len(LETTERS) for i in range(n)]
    rng.shuffle(positions)
    questions = []
    for (fact, wrong), position in zip(picked, positions, strict=True):
        options = rng.sample(wrong, len(LETTERS) - 1)
        options.insert(position, fact.object)
        questions.append(MCQuestion(fact.question(), tuple(options), position, fact))
    return questions


def format_mc_prompt(question: MCQuestion) -> str:
    """The prompt of a multiple-choice question: the question, lettered options, "Answer:".

    The format of MMLU's evaluations: ``"Question: ..."``, one line ``"A. option"`` per
    option, then ``"Answer:"``, after which a model that follows the format writes a space
    and a letter. (The corpus's own question format, ``"Q: ...\\nA: answer"``, would read
    the line ``"A. ..."`` as the start of an answer, hence ``"Question:"``.)

    Parameters
    ----------
    question : MCQuestion
        The question.

    Returns
    -------
    str
        The prompt, ending in ``"Answer:"`` without a space.

    Raises
    ------
    TypeError, ValueError
        If ``question`` is not a well-formed :class:`MCQuestion`.

    Examples
    --------
    >>> q = MCQuestion("What is the capital of Varnia?", ("Brel", "Tolm", "Lisk", "Orr"), 1,
    ...                Fact("Varnia", "capital", "Tolm"))
    >>> print(format_mc_prompt(q))
    Question: What is the capital of Varnia?
    A. Brel
    B. Tolm
    C. Lisk
    D. Orr
    Answer:

    Introduced in chapter 16.
    """
    check_mc_question(question)
    lines = [f"Question: {question.question}"]
    lines += [
        f"{letter}. {option}"
        for letter, option in zip(LETTERS, question.options, strict=True)
    ]
    return "\n".join([*lines, "Answer:"])
