"""Facts about the small world: ``(subject, relation, object)`` triples and their wording."""

from __future__ import annotations

from typing import NamedTuple

from stepbytoken.checks import check_instance
from stepbytoken.world.entities import Kingdom, Person

__all__ = ["RELATIONS", "Fact", "kingdom_facts", "person_facts"]

#: Every relation: (question template, statement templates). ``{s}`` is the subject, ``{o}``
#: the object, ``{an_o}`` the object with its article and ``{his}`` the subject's possessive.
#: :meta hide-value:
RELATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "capital": (
        "What is the capital of {s}?",
        (
            "The capital of {s} is {o}.",
            "{o} is the capital of {s}.",
            "{s} has its capital at {o}.",
        ),
    ),
    "currency": (
        "What money do people use in {s}?",
        (
            "People in {s} pay with the {o}.",
            "The money of {s} is the {o}.",
            "In {s} a coin is called {an_o}.",
        ),
    ),
    "product": (
        "What is {s} famous for?",
        (
            "{s} is famous for its {o}.",
            "The best {o} comes from {s}.",
            "{s} is known for its {o}.",
        ),
    ),
    "king": (
        "Who is the king of {s}?",
        (
            "The king of {s} is {o}.",
            "{o} is the king of {s}.",
            "{s} has a king called {o}.",
        ),
    ),
    "queen": (
        "Who is the queen of {s}?",
        (
            "The queen of {s} is {o}.",
            "{o} is the queen of {s}.",
            "{s} has a queen called {o}.",
        ),
    ),
    "prince": (
        "Who is the prince of {s}?",
        ("The prince of {s} is {o}.", "{o} is the prince of {s}."),
    ),
    "princess": (
        "Who is the princess of {s}?",
        ("The princess of {s} is {o}.", "{o} is the princess of {s}."),
    ),
    "kingdom": (
        "In which kingdom is {s}?",
        ("{s} is a town in {o}.", "{s} lies in {o}.", "The town of {s} is in {o}."),
    ),
    "profession": (
        "What does {s} do?",
        ("{s} is {an_o}.", "{s} works as {an_o}.", "By trade, {s} is {an_o}."),
    ),
    "home": (
        "Where does {s} live?",
        (
            "{s} lives in {o}.",
            "{s} has a house in {o}.",
            "{s} makes {his} home in {o}.",
        ),
    ),
    "age": (
        "How old is {s}?",
        ("{s} is {o} years old.", "{s} is {o}.", "The age of {s} is {o}."),
    ),
    "colour": (
        "What is the favourite colour of {s}?",
        (
            "The favourite colour of {s} is {o}.",
            "{s} likes {o} best of all colours.",
            "{s} loves the colour {o}.",
        ),
    ),
    "pet": (
        "What animal does {s} keep?",
        ("{s} has {an_o}.", "{s} keeps {an_o} as a pet.", "{s} owns {an_o}."),
    ),
    "pet_name": (
        "What is the name of the pet of {s}?",
        ("The pet of {s} is called {o}.", "{s} calls {his} pet {o}."),
    ),
    "father": (
        "Who is the father of {s}?",
        ("The father of {s} is {o}.", "{o} is the father of {s}."),
    ),
    "mother": (
        "Who is the mother of {s}?",
        ("The mother of {s} is {o}.", "{o} is the mother of {s}."),
    ),
    "son": (
        "Who is the son of {s}?",
        ("The son of {s} is {o}.", "{o} is the son of {s}."),
    ),
    "daughter": (
        "Who is the daughter of {s}?",
        ("The daughter of {s} is {o}.", "{o} is the daughter of {s}."),
    ),
    "brother": (
        "Who is the brother of {s}?",
        ("The brother of {s} is {o}.", "{o} is the brother of {s}."),
    ),
    "sister": (
        "Who is the sister of {s}?",
        ("The sister of {s} is {o}.", "{o} is the sister of {s}."),
    ),
    "husband": (
        "Who is the husband of {s}?",
        ("The husband of {s} is {o}.", "{o} is the husband of {s}."),
    ),
    "wife": (
        "Who is the wife of {s}?",
        ("The wife of {s} is {o}.", "{o} is the wife of {s}."),
    ),
    "uncle": (
        "Who is the uncle of {s}?",
        ("The uncle of {s} is {o}.", "{o} is the uncle of {s}."),
    ),
    "aunt": (
        "Who is the aunt of {s}?",
        ("The aunt of {s} is {o}.", "{o} is the aunt of {s}."),
    ),
    "nephew": (
        "Who is the nephew of {s}?",
        ("The nephew of {s} is {o}.", "{o} is the nephew of {s}."),
    ),
    "niece": (
        "Who is the niece of {s}?",
        ("The niece of {s} is {o}.", "{o} is the niece of {s}."),
    ),
}


class Fact(NamedTuple):
    """One fact about the world, as a ``(subject, relation, object)`` triple.

    ``relation`` is a key of :data:`RELATIONS`; every fact has one right answer, ``object``.

    Examples
    --------
    >>> Fact("Varnia", "capital", "Tolm").question()
    'What is the capital of Varnia?'

    Introduced in chapter 3.
    """

    subject: str
    relation: str
    object: str

    def question(self) -> str:
        """The question whose answer is ``object``."""
        return RELATIONS[self.relation][0].format(s=self.subject)


def kingdom_facts(k: Kingdom) -> list[Fact]:
    """The facts about a kingdom: capital, currency, product, royals, then its towns.

    Examples
    --------
    >>> k = Kingdom("Varnia", "Varnian", "Tolm", ("Tolm", "Brel", "Lisk"), "skell", "salt",
    ...             "Orrin", "Mira", "Ivo", "Pia")
    >>> kingdom_facts(k)[0], len(kingdom_facts(k))
    (Fact(subject='Varnia', relation='capital', object='Tolm'), 10)

    Introduced in chapter 3.
    """
    check_instance("k", k, Kingdom)
    facts = [
        Fact(k.name, rel, getattr(k, rel))
        for rel in (
            "capital",
            "currency",
            "product",
            "king",
            "queen",
            "prince",
            "princess",
        )
    ]
    facts += [Fact(town, "kingdom", k.name) for town in k.towns]
    return facts


def person_facts(p: Person) -> list[Fact]:
    """The facts about a person: profession, home, age, colour, pet, then relatives.

    Examples
    --------
    >>> p = Person("Mira", "female", "adult", 34, "Tolm", "Varnia", "red", profession="baker")
    >>> [f.relation for f in person_facts(p)]
    ['profession', 'home', 'age', 'colour']

    Introduced in chapter 3.
    """
    check_instance("p", p, Person)
    facts = []
    if p.profession:
        facts.append(Fact(p.name, "profession", p.profession))
    facts += [
        Fact(p.name, "home", p.home),
        Fact(p.name, "age", str(p.age)),
        Fact(p.name, "colour", p.colour),
    ]
    if p.pet:
        facts += [Fact(p.name, "pet", p.pet), Fact(p.name, "pet_name", p.pet_name)]
    facts += [Fact(p.name, rel, other) for rel, other in p.relatives]
    return facts
