"""The ``facts`` and ``qa`` documents: the world's facts stated in varied words, and asked.

Introduced in chapter 3.
"""

from __future__ import annotations

from stepbytoken.checks import check_instance, check_int
from stepbytoken.world.corpus import Document
from stepbytoken.world.entities import Kingdom, Person
from stepbytoken.world.facts import RELATIONS, Fact, kingdom_facts, person_facts
from stepbytoken.world.writer import Writer, an, cap

__all__ = [
    "fact_documents",
    "family_document",
    "kingdom_document",
    "person_document",
    "qa_documents",
    "statement",
]

#: First sentence of a document about a kingdom, and the sentences about its towns, people
#: and royal family.
KINGDOM_OPENINGS = (
    "{k} is a kingdom.",
    "{k} is an old kingdom.",
    "This is about the kingdom of {k}.",
)
KINGDOM_TOWNS = (
    "Other towns in {k} are {a} and {b}.",
    "{a} and {b} are towns in {k}.",
    "Besides {c}, {k} has the towns {a} and {b}.",
)
KINGDOM_PEOPLE = (
    "Its people are called {adj}.",
    "The people of {k} are {adj}.",
    "Things from {k} are called {adj}.",
)
KINGDOM_ROYALS = (
    "King {K} and Queen {Q} have a son, Prince {P}, and a daughter, Princess {R}.",
    "The king and the queen of {k} have two children: Prince {P} and Princess {R}.",
)

#: First sentence of a document about a person who is not a royal.
PERSON_OPENINGS = (
    "{name} is {an_noun} from {home}.",
    "{name} is {an_noun}.",
    "This is about {name}.",
)

#: A document about a family: its opening, then a line per parent, per child, for a brother
#: and sister, and per uncle or aunt.
FAMILY_OPENINGS = (
    "The family of {F} and {M} lives in {home}.",
    "{F} and {M} live in {home} with their children.",
    "This is about the family of {F} and {M}.",
)
FAMILY_PARENT = (
    "{P} is the {role}. {He} is {age} and works as a {job}.",
    "{P} is the {other} of {S}. {He} is a {job}.",
    "The {role} is {P}. {He} works as a {job}.",
)
FAMILY_CHILD = (
    "Their {role} is {K}. {He} is {age} years old.",
    "They have a {role} called {K}. {He} is a {noun} of {age}.",
    "{K} is their {role}; {he} is {age}.",
)
FAMILY_SIBLINGS = (
    "{S} is the brother of {D}, and {D} is the sister of {S}.",
    "{D} has a brother, {S}, and {S} has a sister, {D}.",
)
FAMILY_EXTRA = (
    "{P} has a {rel}, {X}. {He} is the {role} of the children.",
    "{X} is the {rel} of {P}. {He} lives in {home}.",
    "The children have an {role}, {X}. {He} is the {rel} of {P}.",
)


def statement(w: Writer, fact: Fact, person: Person | None) -> str:
    """``fact`` in one of the wordings of :data:`RELATIONS` (``person``: the subject, if one)."""
    check_instance("w", w, Writer)
    check_instance("fact", fact, Fact)
    if person is not None:
        check_instance("person", person, Person)
    templates = RELATIONS[fact.relation][1]
    his = person.his if person else "its"
    return cap(
        w.rng.choice(templates).format(
            s=fact.subject, o=fact.object, an_o=an(fact.object), his=his
        )
    )


def kingdom_document(w: Writer, k: Kingdom) -> str:
    """A ``facts`` document about kingdom ``k``: an opening, then its facts in a random order.

    Examples
    --------
    >>> import random
    >>> from stepbytoken.world import make_world
    >>> world = make_world(seed=0)
    >>> k = world.kingdoms[0]
    >>> k.capital in kingdom_document(Writer(world, random.Random(0)), k)
    True

    Introduced in chapter 3.
    """
    check_instance("w", w, Writer)
    check_instance("k", k, Kingdom)
    sentences = [w.pick(KINGDOM_OPENINGS, k=k.name)]
    body = [statement(w, f, None) for f in kingdom_facts(k) if f.relation != "kingdom"]
    towns = list(k.towns[1:])
    w.rng.shuffle(towns)
    body.append(w.pick(KINGDOM_TOWNS, k=k.name, a=towns[0], b=towns[1], c=k.capital))
    body.append(w.pick(KINGDOM_PEOPLE, k=k.name, adj=k.adjective))
    body.append(
        w.pick(KINGDOM_ROYALS, k=k.name, K=k.king, Q=k.queen, P=k.prince, R=k.princess)
    )
    w.rng.shuffle(body)
    return " ".join(sentences + body)


def person_document(w: Writer, p: Person) -> str:
    """A ``facts`` document about person ``p``; every other sentence starts with a pronoun."""
    check_instance("w", w, Writer)
    check_instance("p", p, Person)
    facts = person_facts(p)
    w.rng.shuffle(facts)
    if p.title:
        out = [f"{p.name} is the {p.title} of {p.kingdom}."]
    else:
        out = [w.pick(PERSON_OPENINGS, name=p.name, an_noun=an(p.noun), home=p.home)]
    for i, fact in enumerate(facts):
        text = statement(w, fact, p)
        if i % 2 == 1 and text.startswith(p.name + " "):  # vary: "She lives in ..."
            text = cap(p.he) + text[len(p.name) :]
        out.append(text)
    return " ".join(out)


def family_document(w: Writer, father: Person) -> str:
    """A ``facts`` document about a whole family, with a pronoun after each role word."""
    check_instance("w", w, Writer)
    check_instance("father", father, Person)
    mother = w.people[father.relative("wife")]
    kids = [w.people[n] for r, n in father.relatives if r in ("son", "daughter")]
    out = [w.pick(FAMILY_OPENINGS, F=father.name, M=mother.name, home=father.home)]
    for p, role, spouse in ((father, "father", mother), (mother, "mother", father)):
        other = "husband" if role == "father" else "wife"
        out.append(
            w.pick(
                FAMILY_PARENT,
                P=p.name,
                He=p.he.capitalize(),
                age=str(p.age),
                job=p.profession,
                role=role,
                other=other,
                S=spouse.name,
            )
        )
    for kid in kids:
        role = "son" if kid.gender == "male" else "daughter"
        out.append(
            w.pick(
                FAMILY_CHILD,
                K=kid.name,
                He=kid.he.capitalize(),
                he=kid.he,
                age=str(kid.age),
                role=role,
                noun=kid.noun,
            )
        )
    if len(kids) == 2:
        son, daughter = sorted(kids, key=lambda k: k.gender != "male")
        out.append(w.pick(FAMILY_SIBLINGS, S=son.name, D=daughter.name))
    for side in (father, mother):
        for relation, name in side.relatives:
            if relation not in ("brother", "sister"):
                continue
            extra = w.people[name]
            out.append(
                w.pick(
                    FAMILY_EXTRA,
                    P=side.name,
                    X=extra.name,
                    He=extra.he.capitalize(),
                    rel=relation,
                    role="uncle" if extra.gender == "male" else "aunt",
                    home=extra.home,
                )
            )
            for kid in kids:
                nephew = "nephew" if kid.gender == "male" else "niece"
                out.append(f"{kid.name} is the {nephew} of {extra.name}.")
    return " ".join(out)


def fact_documents(w: Writer, n: int) -> list[Document]:
    """``n`` ``facts`` documents, about every training kingdom, person and family in turn.

    The subjects are shuffled, used up, then shuffled again.
    """
    check_instance("w", w, Writer)
    check_int("n", n, minimum=0)
    docs: list[Document] = []
    order: list[str] = []
    for _ in range(n):
        if not order:
            order = [k.name for k in w.world.kingdoms]
            order += [p.name for p in w.world.people]
            order += [
                "family of " + p.name
                for p in w.world.people
                if p.role == "adult" and p.relative("wife")
            ]
            w.rng.shuffle(order)
        name = order.pop()
        if name.startswith("family of "):
            text = family_document(w, w.people[name.removeprefix("family of ")])
        elif name in w.kingdoms:
            text = kingdom_document(w, w.kingdoms[name])
        else:
            text = person_document(w, w.people[name])
        docs.append(Document("facts", text))
    return docs


def qa_documents(w: Writer, n: int) -> list[Document]:
    """``n`` ``qa`` documents of 3 to 6 questions each, asking every training fact in turn."""
    check_instance("w", w, Writer)
    check_int("n", n, minimum=0)
    docs: list[Document] = []
    order: list[Fact] = []
    for _ in range(n):
        pairs = []
        for _ in range(w.rng.randint(3, 6)):
            if not order:
                order = list(w.world.facts)
                w.rng.shuffle(order)
            fact = order.pop()
            pairs.append(f"Q: {fact.question()}\nA: {fact.object}")
        docs.append(Document("qa", "\n\n".join(pairs)))
    return docs
