"""Repeated word patterns: the ``pattern`` documents that teach a model to copy (induction)."""

from __future__ import annotations

import random

from stepbytoken.checks import check_instance
from stepbytoken.world.lexicon import ANIMALS, COLOURS, OBJECTS, PLACES, PROFESSIONS

__all__ = ["PATTERN_WORDS", "pattern_document"]

#: The words patterns are made of: colours, animals, objects, places and professions.
PATTERN_WORDS = (
    *COLOURS,
    *(a[0] for a in ANIMALS),
    *(o[0] for o in OBJECTS),
    *PLACES,
    *(p[0] for p in PROFESSIONS),
)


def pattern_document(rng: random.Random) -> str:
    """A random line of 6 to 20 words of :data:`PATTERN_WORDS`, written two or three times.

    Examples
    --------
    >>> lines = pattern_document(random.Random(0)).split("\\n")
    >>> len(lines) in (2, 3) and len(set(lines)) == 1
    True

    Introduced in chapter 3.
    """
    check_instance("rng", rng, random.Random)
    seq = " ".join(rng.choices(PATTERN_WORDS, k=rng.randint(6, 20)))
    return "\n".join([seq] * rng.choice((2, 2, 3)))
