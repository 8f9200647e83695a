"""A new region of the small world: the held-out kingdoms and families, taught after the fact.

The reference model never read a word about the world's held-out kingdoms and families
(:attr:`~stepbytoken.world.World.heldout_facts`). Chapter 14 teaches them to it afterwards,
as a new domain. :func:`new_region` splits their facts in two: *asked* facts appear both as
statements and as ``Q:``/``A:`` pairs in the training text, *held-out* facts only as
statements, so that asking about them tests whether the model can answer a question it was
never shown the answer to in that form.

Introduced in chapter 14.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from stepbytoken.checks import check_instance, check_int
from stepbytoken.world.corpus import DOC_SEPARATOR
from stepbytoken.world.facts import Fact
from stepbytoken.world.world import World

__all__ = ["NewRegion", "new_region"]

#: Question/answer pairs per ``qa`` document of the new region.
QA_PER_DOCUMENT = 5


class NewRegion(NamedTuple):
    """The training text of the new region and the questions that test it.

    Introduced in chapter 14.

    Fields:

    text : str
        The training text: ``n_wordings`` fact documents about every held-out kingdom and
        person, and ``qa`` documents asking every asked fact ``n_wordings`` times, shuffled,
        each starting with the document separator.
    asked : list of (str, str)
        ``(question, answer)`` pairs that the text both states and asks.
    heldout : list of (str, str)
        ``(question, answer)`` pairs that the text only states.
    """

    text: str
    asked: list[tuple[str, str]]
    heldout: list[tuple[str, str]]


def _qa(facts: list[Fact]) -> list[tuple[str, str]]:
    return [(f.question(), f.object) for f in facts]


def new_region(world: World, n_wordings: int = 20, *, seed: int = 0) -> NewRegion:
    """Write the training text of ``world``'s held-out region and split its questions.

    The held-out facts' questions are shuffled with ``seed`` and cut in half: the first half
    is asked (:attr:`NewRegion.asked`), the second held out (:attr:`NewRegion.heldout`);
    facts that share a question (two daughters) stay on the same side. Each of the
    ``n_wordings`` rounds adds one fact document per held-out subject
    (:meth:`~stepbytoken.world.World.fact_document` with ``seed`` = the round, so the
    wording and order of sentences change) and asks every asked fact once, five to a
    document, in the corpus's ``Q: ... A: ...`` format.

    Introduced in chapter 14.

    Parameters
    ----------
    world : World
        The world (its held-out kingdoms and families are the new region).
    n_wordings : int, default 20
        Rounds of documents (>= 1).
    seed : int, default 0
        Seed of the split and of the order of documents (>= 0).

    Returns
    -------
    NewRegion

    Raises
    ------
    TypeError, ValueError
        If ``world`` is not a :class:`World`, it has no held-out facts, or an int is out
        of range.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> region = new_region(make_world(0), n_wordings=2)
    >>> len(region.asked), len(region.heldout)
    (104, 104)
    >>> question, answer = region.heldout[0]
    >>> answer in region.text, f"Q: {question}" in region.text  # stated, never asked
    (True, False)
    """
    check_instance("world", world, World)
    n_wordings = check_int("n_wordings", n_wordings, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if not world.heldout_facts:
        raise ValueError(
            "world has no held-out facts to teach; "
            "make it with n_heldout_kingdoms or n_heldout_families > 0"
        )
    rng = random.Random(f"new-region-{seed}")
    groups: dict[str, list[Fact]] = {}  # facts that share a question stay together
    for fact in world.heldout_facts:
        groups.setdefault(fact.question(), []).append(fact)
    questions = list(groups)
    rng.shuffle(questions)
    half = len(questions) // 2
    asked = [f for q in questions[:half] for f in groups[q]]
    heldout = [f for q in questions[half:] for f in groups[q]]
    subjects = [k.name for k in world.heldout_kingdoms]
    subjects += [p.name for p in world.heldout_people]
    documents = []
    for round_ in range(n_wordings):
        documents += [world.fact_document(s, seed=round_) for s in subjects]
        order = asked[:]
        rng.shuffle(order)
        for i in range(0, len(order), QA_PER_DOCUMENT):
            pairs = order[i : i + QA_PER_DOCUMENT]
            documents.append(
                "\n\n".join(f"Q: {f.question()}\nA: {f.object}" for f in pairs)
            )
    rng.shuffle(documents)
    text = "".join(f"{DOC_SEPARATOR}\n{d}\n" for d in documents)
    return NewRegion(text, _qa(asked), _qa(heldout))
