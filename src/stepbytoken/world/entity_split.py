"""Which entities instruction data may use, and which are kept for measurements only.

Three kinds of entity, split once by :func:`split_entities` so that nothing held out can leak
into training data:

- **train** and **heldout** subjects: kingdoms, towns and people the pre-training corpus
  talks about. A seeded quarter of them (whole families and whole kingdoms with their royals
  and towns, so that no question about a training subject names a held-out one) never appear
  in instruction data: the model knows them from pre-training only.
- **unseen** subjects: the world's held-out kingdoms and people (:attr:`World.heldout`), which
  neither the corpus nor any instruction data mentions. The package knows their facts, so
  retrieval, tools and hallucination can be measured on them.
- **phantoms**: names from the word lists that the world never uses at all, with no facts.
  Some are asked about in training data (to learn to say "I don't know"), some people carry
  invented facts in passages (to learn to read), and the rest are held out.

Introduced in chapter 8.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stepbytoken.checks import check_float, check_int
from stepbytoken.world.facts import Fact
from stepbytoken.world.lexicon import FEMALE_NAMES, KINGDOMS, MALE_NAMES
from stepbytoken.world.world import World

__all__ = ["PHANTOM_USES", "SPLITS", "EntitySplit", "split_entities"]

#: The entity splits: instruction data uses ``"train"`` only.
SPLITS = ("train", "heldout", "unseen")
#: What each share of the phantom names is for.
PHANTOM_USES = ("idk", "passage", "heldout")


@dataclass(frozen=True)
class EntitySplit:
    """Subjects per split, and phantom names per use; build it with :func:`split_entities`.

    Attributes
    ----------
    subjects : dict
        ``{"train": (...), "heldout": (...), "unseen": (...)}``: names of the kingdoms, towns
        and people whose facts each split may ask about.
    phantom_people, phantom_kingdoms : dict
        ``{"idk": (...), "passage": (...), "heldout": (...)}``: names the world never uses.
    facts : dict
        ``{split: (Fact, ...)}``: the facts whose subject is in that split.
    unseen_names : tuple of str
        :attr:`World.heldout`: every name of the unseen entities (towns, currencies, pets...).

    Introduced in chapter 8.
    """

    seed: int
    subjects: dict[str, tuple[str, ...]]
    phantom_people: dict[str, tuple[str, ...]]
    phantom_kingdoms: dict[str, tuple[str, ...]]
    facts: dict[str, tuple[Fact, ...]]
    unseen_names: tuple[str, ...]

    def never_in_training(self) -> frozenset[str]:
        """Every name that no training example may contain anywhere in its text.

        Every name of the unseen entities, the held-out people and kingdoms, and the held-out
        phantoms. (Towns of held-out kingdoms may appear as somebody's home, never as a
        subject.)

        Examples
        --------
        >>> from stepbytoken.world import make_world
        >>> world = make_world(0)
        >>> split = split_entities(world)
        >>> world.heldout_kingdoms[0].name in split.never_in_training()
        True
        """
        towns = {f.subject for f in self.facts["heldout"] if f.relation == "kingdom"}
        names = set(self.subjects["unseen"]) | set(self.unseen_names)
        names |= set(self.subjects["heldout"]) - towns
        names |= set(self.phantom_people["heldout"]) | set(
            self.phantom_kingdoms["heldout"]
        )
        return frozenset(names)


def _groups(world: World) -> list[list[str]]:
    """Kingdoms with their royals and towns, and families (people linked by relatives)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k in world.kingdoms:
        for other in (k.king, k.queen, k.prince, k.princess, *k.towns):
            parent[find(other)] = find(k.name)
    for p in world.people:
        find(p.name)
        for _, other in p.relatives:
            parent[find(other)] = find(p.name)
    groups: dict[str, list[str]] = {}
    for name in parent:
        groups.setdefault(find(name), []).append(name)
    return sorted(sorted(g) for g in groups.values())


def _thirds(names: list[str], rng: random.Random) -> dict[str, tuple[str, ...]]:
    names = sorted(names)
    rng.shuffle(names)
    a, b = len(names) // 3, 2 * len(names) // 3
    parts = (tuple(names[:a]), tuple(names[a:b]), tuple(names[b:]))
    return dict(zip(PHANTOM_USES, parts, strict=True))


def split_entities(
    world: World, *, heldout_share: float = 0.25, seed: int = 0
) -> EntitySplit:
    """Split the world's entities for instruction data (see the module's description).

    Parameters
    ----------
    world
        The small world.
    heldout_share
        Share of the corpus's groups (kingdoms, families) held out of instruction data, in
        ``[0, 1)``; at least one group stays in training.
    seed
        Seed of the split.

    Raises
    ------
    TypeError, ValueError
        For a bad ``world``, ``heldout_share`` or ``seed``.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> split = split_entities(make_world(0))
    >>> set(split.subjects["train"]) & set(split.subjects["heldout"])
    set()

    Introduced in chapter 8.
    """
    if not isinstance(world, World):
        raise TypeError(f"world must be a World, got {type(world).__name__}")
    check_float(
        "heldout_share", heldout_share, minimum=0.0, maximum=1.0, open_maximum=True
    )
    check_int("seed", seed)
    rng = random.Random(f"entity-split-{world.seed}-{seed}")
    groups = _groups(world)
    rng.shuffle(groups)
    n_held = min(round(heldout_share * len(groups)), len(groups) - 1)
    held = {name for g in groups[:n_held] for name in g}
    corpus_subjects = {f.subject for f in world.facts}
    subjects = {
        "train": tuple(sorted(corpus_subjects - held)),
        "heldout": tuple(sorted(corpus_subjects & held)),
        "unseen": tuple(sorted({f.subject for f in world.heldout_facts})),
    }
    facts = {
        split: tuple(
            f for f in world.facts + world.heldout_facts if f.subject in set(names)
        )
        for split, names in subjects.items()
    }
    used = {p.name for p in world.people + world.heldout_people}
    used_kingdoms = {k.name for k in world.kingdoms + world.heldout_kingdoms}
    people = [n for n in MALE_NAMES + FEMALE_NAMES if n not in used]
    kingdoms = [k for k, _ in KINGDOMS if k not in used_kingdoms]
    return EntitySplit(
        seed=seed,
        subjects=subjects,
        phantom_people=_thirds(people, rng),
        phantom_kingdoms=_thirds(kingdoms, rng),
        facts=facts,
        unseen_names=tuple(world.heldout),
    )
