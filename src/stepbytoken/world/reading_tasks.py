"""Reading practice: questions answered from chunks about strangers, so the answer must be read.

Chapter 8's assistant answers passages about entities it already knows; about the world's
unseen entities (:attr:`World.heldout`) it can rarely copy the answer out of the passage, for
it never had to: its training passages told it what it could also remember. The examples here
make memory useless. :func:`renamed_documents` takes the ``facts`` documents of the kingdoms
and people the corpus knows and gives every name in them a new, invented one
(:func:`invented_name`: syllables, never a name of the world's word lists, so never an unseen
entity's name either), keeping the wording, the pronouns and the facts' structure.
:func:`~stepbytoken.recipes.reader.reading_examples` cuts them into chunks as a retriever
would and asks about a fact in a chunk, shown with up to two other chunks.

Introduced in chapter 10.
"""

from __future__ import annotations

import random
import re

from stepbytoken.checks import check_instance, check_int
from stepbytoken.world.lexicon import (
    CURRENCIES,
    FEMALE_NAMES,
    KINGDOMS,
    MALE_NAMES,
    PET_NAMES,
    TOWNS,
)
from stepbytoken.world.retrieval_documents import (
    RetrievalDocument,
    RetrievalQuestion,
    retrieval_set,
)
from stepbytoken.world.world import World

__all__ = [
    "READ_TEMPLATE",
    "WORLD_NAMES",
    "invented_name",
    "renamed_documents",
]

#: The reading prompt: the first passage wording of the instruction data.
READ_TEMPLATE = "Read this: {p}\nQuestion: {q}"

#: Every name of the world's word lists (kingdoms and their peoples, towns, people, pets,
#: currencies): what an invented name must never be.
WORLD_NAMES = frozenset(
    [k for pair in KINGDOMS for k in pair]
    + list(TOWNS + MALE_NAMES + FEMALE_NAMES + PET_NAMES)
    + [c.capitalize() for c in CURRENCIES]
)

_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "gr", "st", "th", "tr")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou")
_CODAS = ("", "", "n", "r", "l", "s", "m", "k", "th")


def invented_name(rng: random.Random, avoid: frozenset[str] = WORLD_NAMES) -> str:
    """A capitalised name of two or three syllables that is not in ``avoid``.

    >>> invented_name(random.Random(0))
    'Valdrom'

    Introduced in chapter 10.
    """
    check_instance("rng", rng, random.Random)
    if not isinstance(avoid, (set, frozenset)):
        raise TypeError(f"avoid must be a set of names, got {type(avoid).__name__}")
    while True:
        n = 2 if rng.random() < 0.85 else 3
        name = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(n)
        ).capitalize()
        if name not in avoid and len(name) <= 8:
            return name


def _renamer(text: str, rng: random.Random, taken: set[str]) -> dict[str, str]:
    """A new name for every world name in ``text`` (lowercase currencies stay lowercase)."""
    found = sorted(set(re.findall(r"\b[A-Za-z]+\b", text)))
    mapping = {}
    for word in found:
        key = word.capitalize()
        if key not in WORLD_NAMES or word in mapping:
            continue
        new = invented_name(rng, WORLD_NAMES | taken)
        taken.add(new)
        mapping[word] = new if word[0].isupper() else new.lower()
    return mapping


def _apply(mapping: dict[str, str], text: str) -> str:
    if not mapping:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def renamed_documents(
    world: World, *, seed: int = 0
) -> list[tuple[RetrievalDocument, list[RetrievalQuestion]]]:
    """The known subjects' documents and questions, every world name replaced by a new one.

    Parameters
    ----------
    world
        The small world.
    seed
        Seed of the documents' wording and of the new names.

    Returns
    -------
    list of (RetrievalDocument, list of RetrievalQuestion)
        One entry per known kingdom and person, with the questions its document answers.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> doc, questions = renamed_documents(make_world(0))[0]
    >>> doc.subject in WORLD_NAMES, questions[0].answer in doc.text
    (False, True)

    Introduced in chapter 10.
    """
    check_instance("world", world, World)
    seed = check_int("seed", seed)
    data = retrieval_set(world, subjects="known", seed=seed)
    by_doc: dict[str, list[RetrievalQuestion]] = {}
    for q in data.questions:
        by_doc.setdefault(q.document, []).append(q)
    rng = random.Random(f"reading-{world.seed}-{seed}")
    taken: set[str] = set()
    out = []
    for doc in data.documents:
        questions = by_doc.get(doc.id, [])
        text = doc.text + " " + " ".join(f"{q.subject} {q.answer}" for q in questions)
        mapping = _renamer(text, rng, taken)
        new_id = _apply(mapping, doc.id)
        out.append(
            (
                RetrievalDocument(new_id, new_id, _apply(mapping, doc.text), False),
                [
                    RetrievalQuestion(
                        _apply(mapping, q.question),
                        _apply(mapping, q.answer),
                        new_id,
                        q.relation,
                        _apply(mapping, q.subject),
                    )
                    for q in questions
                ],
            )
        )
    return out
