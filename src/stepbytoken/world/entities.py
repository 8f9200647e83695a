"""The people and kingdoms of the small world, and how a seed draws them from the word lists."""

from __future__ import annotations

import random
from dataclasses import dataclass

from stepbytoken.checks import (
    check_choice,
    check_instance,
    check_int,
    check_str,
    check_strings,
)
from stepbytoken.world.lexicon import (
    COLOURS,
    CURRENCIES,
    FEMALE_NAMES,
    KINGDOMS,
    MALE_NAMES,
    PET_NAMES,
    PETS,
    PRODUCTS,
    PROFESSIONS,
    TOWNS,
)

__all__ = ["Kingdom", "NamePools", "Person", "make_family", "make_kingdoms"]

ROYAL_TITLES = ("king", "queen", "prince", "princess")


@dataclass(frozen=True)
class Kingdom:
    """A kingdom of the small world.

    Attributes are names as they appear in the text (``name="Varnia"``, ``adjective="Varnian"``,
    ``currency="skell"``); ``towns`` starts with the capital; ``king``, ``queen``, ``prince``
    and ``princess`` are the names of the royal family.

    Examples
    --------
    >>> rng = random.Random(0)
    >>> k = make_kingdoms(rng, NamePools(rng), 1)[0][0]
    >>> k.capital == k.towns[0], len(k.towns)
    (True, 3)

    Introduced in chapter 3.
    """

    name: str
    adjective: str
    capital: str
    towns: tuple[str, ...]
    currency: str
    product: str
    king: str
    queen: str
    prince: str
    princess: str


@dataclass(frozen=True)
class Person:
    """A person of the small world.

    ``role`` is ``"adult"``, ``"child"`` or ``"royal"``; ``title`` is a royal title or ``None``;
    ``profession`` is ``None`` for children and royals; ``pet`` and ``pet_name`` are ``None``
    for people without a pet. ``relatives`` holds ``(relation, name)`` pairs:
    ``("father", "Tobin")`` means Tobin is this person's father.

    Examples
    --------
    >>> king = Person("Orrin", "male", "royal", 50, "Tolm", "Varnia", "red", title="king",
    ...               relatives=(("wife", "Mira"),))
    >>> king.he, king.noun, king.display, king.relative("wife")
    ('he', 'king', 'King Orrin', 'Mira')

    Introduced in chapter 3.
    """

    name: str
    gender: str
    role: str
    age: int
    home: str
    kingdom: str
    colour: str
    profession: str | None = None
    title: str | None = None
    pet: str | None = None
    pet_name: str | None = None
    relatives: tuple[tuple[str, str], ...] = ()

    @property
    def he(self) -> str:
        """Subject pronoun: ``"he"`` or ``"she"``."""
        return "he" if self.gender == "male" else "she"

    @property
    def him(self) -> str:
        """Object pronoun: ``"him"`` or ``"her"``."""
        return "him" if self.gender == "male" else "her"

    @property
    def his(self) -> str:
        """Possessive: ``"his"`` or ``"her"``."""
        return "his" if self.gender == "male" else "her"

    @property
    def noun(self) -> str:
        """What the person is: man, woman, boy, girl, or a royal title."""
        if self.title is not None:
            return self.title
        if self.role == "child":
            return "boy" if self.gender == "male" else "girl"
        return "man" if self.gender == "male" else "woman"

    @property
    def display(self) -> str:
        """How stories name the person: ``"Mira"``, or ``"King Orrin"`` for royals."""
        return f"{self.title.capitalize()} {self.name}" if self.title else self.name

    def relative(self, relation: str) -> str | None:
        """Name of the relative in ``relation`` (``"father"``, ...), or ``None``."""
        return dict(self.relatives).get(check_str("relation", relation))


class NamePools:
    """Shuffled pools of names that hand out each name once.

    Examples
    --------
    >>> pools = NamePools(random.Random(0))
    >>> name, adjective = pools.take("kingdom")
    >>> pools.left("kingdom")
    15

    Introduced in chapter 3.
    """

    def __init__(self, rng: random.Random) -> None:
        check_instance("rng", rng, random.Random)
        self.pools: dict[str, list] = {}
        for key, items in (
            ("kingdom", KINGDOMS),
            ("town", TOWNS),
            ("currency", CURRENCIES),
            ("male", MALE_NAMES),
            ("female", FEMALE_NAMES),
            ("pet", PET_NAMES),
        ):
            pool = list(items)
            rng.shuffle(pool)
            self.pools[key] = pool

    def take(self, key: str):
        """The next name of pool ``key``; raises ``ValueError`` when the pool is empty."""
        check_choice("key", key, tuple(self.pools))
        if not self.pools[key]:
            raise ValueError(
                f"the world ran out of {key} names; ask for fewer kingdoms or families "
                "(n_kingdoms, n_families, n_heldout_kingdoms, n_heldout_families)"
            )
        return self.pools[key].pop()

    def left(self, key: str) -> int:
        """How many names of pool ``key`` are left."""
        return len(self.pools[check_choice("key", key, tuple(self.pools))])


def make_kingdoms(
    rng: random.Random, pools: NamePools, n: int
) -> tuple[list[Kingdom], list[Person]]:
    """Draw ``n`` kingdoms and their royal families (king, queen, prince, princess).

    Returns
    -------
    kingdoms, royals
        ``n`` kingdoms and ``4 * n`` royals, in the order of their kingdoms.

    Examples
    --------
    >>> rng = random.Random(0)
    >>> kingdoms, royals = make_kingdoms(rng, NamePools(rng), 2)
    >>> len(kingdoms), [p.title for p in royals[:4]]
    (2, ['king', 'queen', 'prince', 'princess'])

    Introduced in chapter 3.
    """
    check_instance("rng", rng, random.Random)
    check_instance("pools", pools, NamePools)
    check_int("n", n, minimum=0)
    products = list(PRODUCTS)
    rng.shuffle(products)
    kingdoms, royals = [], []
    for i in range(n):
        name, adjective = pools.take("kingdom")
        towns = tuple(pools.take("town") for _ in range(3))
        names = {
            t: pools.take("male" if t in ("king", "prince") else "female")
            for t in ROYAL_TITLES
        }
        k = Kingdom(
            name,
            adjective,
            towns[0],
            towns,
            pools.take("currency"),
            products[i % len(products)],
            names["king"],
            names["queen"],
            names["prince"],
            names["princess"],
        )
        kingdoms.append(k)
        king_age = rng.randint(40, 65)
        queen_age = king_age + rng.randint(-5, 3)
        prince_age, princess_age = rng.randint(6, 20), rng.randint(6, 20)
        rel = {
            "king": (("wife", k.queen), ("son", k.prince), ("daughter", k.princess)),
            "queen": (("husband", k.king), ("son", k.prince), ("daughter", k.princess)),
            "prince": (("father", k.king), ("mother", k.queen), ("sister", k.princess)),
            "princess": (
                ("father", k.king),
                ("mother", k.queen),
                ("brother", k.prince),
            ),
        }
        ages = {
            "king": king_age,
            "queen": queen_age,
            "prince": prince_age,
            "princess": princess_age,
        }
        for title in ROYAL_TITLES:
            gender = "male" if title in ("king", "prince") else "female"
            royals.append(
                Person(
                    names[title],
                    gender,
                    "royal",
                    ages[title],
                    k.capital,
                    k.name,
                    rng.choice(COLOURS),
                    title=title,
                    relatives=rel[title],
                )
            )
    return kingdoms, royals


def make_family(
    rng: random.Random, pools: NamePools, towns: list[tuple[str, str]]
) -> list[Person]:
    """Draw a father, a mother, one or two children and perhaps an uncle or an aunt.

    Parameters
    ----------
    rng, pools
        The world's random generator and name pools.
    towns
        ``(town, kingdom)`` pairs the family may live in.

    Examples
    --------
    >>> rng = random.Random(0)
    >>> family = make_family(rng, NamePools(rng), [("Tolm", "Varnia")])
    >>> [p.role for p in family[:2]], {p.home for p in family}
    (['adult', 'adult'], {'Tolm'})

    Introduced in chapter 3.
    """
    check_instance("rng", rng, random.Random)
    check_instance("pools", pools, NamePools)
    if isinstance(towns, (str, bytes)) or not isinstance(towns, list) or not towns:
        raise TypeError(
            f"towns must be a non-empty list of (town, kingdom) pairs, got {towns!r}"
        )
    for i, town in enumerate(towns):
        if len(check_strings(f"towns[{i}]", town)) != 2:
            raise ValueError(f"towns[{i}] must be a (town, kingdom) pair, got {town!r}")
    home, kingdom = rng.choice(towns)
    names = {"father": pools.take("male"), "mother": pools.take("female")}
    kids = rng.choice(
        (("son",), ("daughter",), ("son", "daughter"), ("son", "daughter"))
    )
    for kid in kids:
        names[kid] = pools.take("male" if kid == "son" else "female")
    extra = rng.choice((None, "uncle", "aunt", "uncle", "aunt"))
    side = rng.choice(("father", "mother"))
    if extra:
        names[extra] = pools.take("male" if extra == "uncle" else "female")
    rel: dict[str, list[tuple[str, str]]] = {key: [] for key in names}
    rel["father"].append(("wife", names["mother"]))
    rel["mother"].append(("husband", names["father"]))
    for kid in kids:
        rel[kid] += [("father", names["father"]), ("mother", names["mother"])]
        rel["father"].append((kid, names[kid]))
        rel["mother"].append((kid, names[kid]))
    if len(kids) == 2:
        rel["son"].append(("sister", names["daughter"]))
        rel["daughter"].append(("brother", names["son"]))
    if extra:
        sibling = "brother" if extra == "uncle" else "sister"
        rel[side].append((sibling, names[extra]))
        rel[extra].append(("brother" if side == "father" else "sister", names[side]))
        for kid in kids:
            rel[kid].append((extra, names[extra]))
            rel[extra].append(("nephew" if kid == "son" else "niece", names[kid]))
    father_age = rng.randint(30, 55)
    ages = {"father": father_age, "mother": max(26, father_age + rng.randint(-6, 4))}
    youngest_parent = min(ages.values())
    for kid in kids:
        ages[kid] = rng.randint(5, min(12, youngest_parent - 20))
    if extra:
        ages[extra] = rng.randint(24, 60)
    people = []
    for key, name in names.items():
        gender = "male" if key in ("father", "son", "uncle") else "female"
        child = key in ("son", "daughter")
        profession = None if child else rng.choice(PROFESSIONS)[0]
        person_home, person_kingdom = (
            rng.choice(towns) if key in ("uncle", "aunt") else (home, kingdom)
        )
        pet = pet_name = None
        if rng.random() < 0.6 and pools.left("pet"):
            pet, pet_name = rng.choice(PETS), pools.take("pet")
        people.append(
            Person(
                name,
                gender,
                "child" if child else "adult",
                ages[key],
                person_home,
                person_kingdom,
                rng.choice(COLOURS),
                profession=profession,
                pet=pet,
                pet_name=pet_name,
                relatives=tuple(rel[key]),
            )
        )
    return people
