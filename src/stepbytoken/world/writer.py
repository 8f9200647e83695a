"""The writer: fills the templates with the world's names; all randomness comes from one rng."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from stepbytoken.checks import check_choice, check_instance, check_str, check_strings
from stepbytoken.world.entities import Person
from stepbytoken.world.lexicon import (
    ANIMALS,
    COLOURS,
    FOODS,
    NUMBER_WORDS,
    OBJECTS,
    PLACES,
    PROFESSIONS,
    VERBS,
)
from stepbytoken.world.story_templates import INTRO, MEET, NOUN_SENTENCES

if TYPE_CHECKING:
    from stepbytoken.world.world import World

__all__ = ["Writer", "an", "cap", "in_tense", "person_fields"]

_JOBS = {
    name: (workplace, work, worked) for name, workplace, work, worked in PROFESSIONS
}
_SOUNDS = {animal[0]: animal[2] for animal in ANIMALS}
#: The tenses a story is told in.
TENSES = ("present", "past")

_TENSE = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")


def an(word: str) -> str:
    """Indefinite article and word: ``"apple" -> "an apple"``, ``"cup" -> "a cup"``."""
    check_str("word", word, allow_empty=False)
    return ("an " if word[0].lower() in "aeiou" else "a ") + word


def cap(sentence: str) -> str:
    """Capitalize the first letter only: ``"the goat" -> "The goat"``, ``"" -> ""``."""
    check_str("sentence", sentence)
    return sentence[0].upper() + sentence[1:] if sentence else sentence


def in_tense(text: str, tense: str) -> str:
    """Keep one form of each ``[present|past]``: ``("She [goes|went].", "past") -> "She went."``."""
    check_str("text", text)
    tense = check_choice("tense", tense, TENSES)
    return _TENSE.sub(r"\2" if tense == "past" else r"\1", text)


def person_fields(key: str, p: Person) -> dict[str, str]:
    """Template fields for a person: ``{p}``, ``{p_he}``, ``{p_He}``, ``{p_his}``, ...

    Examples
    --------
    >>> mira = Person("Mira", "female", "adult", 34, "Tolm", "Varnia", "red", profession="baker")
    >>> f = person_fields("p", mira)
    >>> f["p"], f["p_He"], f["p_job"], f["p_worked"]
    ('Mira', 'She', 'baker', 'baked bread')

    Introduced in chapter 3.
    """
    check_str("key", key, allow_empty=False)
    check_instance("p", p, Person)
    f = {
        key: p.display,
        f"{key}_name": p.name,
        f"{key}_he": p.he,
        f"{key}_He": p.he.capitalize(),
        f"{key}_him": p.him,
        f"{key}_his": p.his,
        f"{key}_His": p.his.capitalize(),
        f"{key}_noun": p.noun,
        f"{key}_home": p.home,
        f"{key}_job": p.profession or p.noun,
        f"{key}_colour": p.colour,
    }
    if p.profession:
        workplace, work, worked = _JOBS[p.profession]
        f |= {
            f"{key}_workplace": workplace,
            f"{key}_work": work,
            f"{key}_worked": worked,
        }
    if p.pet and p.pet_name:
        f |= {
            f"{key}_pet": p.pet,
            f"{key}_an_pet": an(p.pet),
            f"{key}_pet_name": p.pet_name,
            f"{key}_pet_sound": _SOUNDS[p.pet],
        }
    return f


class Writer:
    """Writes sentences about the world; every random choice is drawn from ``rng``.

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> writer = Writer(make_world(seed=0), random.Random(0))
    >>> writer.pick(("Hello, {name}.",), name="Mira")
    'Hello, Mira.'

    Introduced in chapter 3.
    """

    def __init__(self, world: World, rng: random.Random) -> None:
        if not all(hasattr(world, a) for a in ("people", "heldout_people", "kingdoms")):
            raise TypeError(
                f"world must be a World (see make_world), got {type(world).__name__}"
            )
        check_instance("rng", rng, random.Random)
        self.world = world
        self.rng = rng
        self.people = {p.name: p for p in world.people + world.heldout_people}
        self.kingdoms = {k.name: k for k in world.kingdoms + world.heldout_kingdoms}
        self.train_people = list(world.people)
        self.commoners = [p for p in world.people if p.role != "royal"]

    def pick(self, options: Sequence[str], **fields: str) -> str:
        """One of ``options``, filled with ``fields`` and capitalized."""
        if not (isinstance(options, (list, tuple)) and options):
            raise TypeError(
                f"options must be a non-empty list of templates, got {options!r}"
            )
        check_strings("options", options)
        return cap(self.rng.choice(options).format(**fields))

    def number(self) -> str:
        """A small number in words."""
        return self.rng.choice(NUMBER_WORDS)

    def partner(self, p: Person) -> tuple[Person, str]:
        """A second character of the other gender, and how ``p`` knows them."""
        check_instance("p", p, Person)
        other = "female" if p.gender == "male" else "male"
        relatives = [(r, n) for r, n in p.relatives if self.people[n].gender == other]
        if relatives and self.rng.random() < 0.7:
            relation, name = self.rng.choice(relatives)
            return self.people[name], relation
        pool = [q for q in self.commoners if q.gender == other]
        pool = [q for q in pool if q.home == p.home] or pool
        return self.rng.choice(pool), self.rng.choice(("friend", "neighbour"))

    def fields(
        self, p: Person, q: Person | None = None, *, lasting: bool = False
    ) -> dict[str, str]:
        """The fields of a story about ``p`` (and ``q``): places, objects, animals, numbers.

        ``lasting`` draws ``{obj}`` again among things that are not food.
        """
        k = self.kingdoms[p.kingdom]
        obj, objs, obj_phrase = self.rng.choice(OBJECTS)
        if lasting:
            obj, objs, obj_phrase = self.rng.choice(
                [o for o in OBJECTS if o[0] not in FOODS]
            )
        animal, animals, sound, _ = self.rng.choice(ANIMALS)
        colour = self.rng.choice(COLOURS)
        f = {
            "home": p.home,
            "kingdom": k.name,
            "adj": k.adjective,
            "currency": k.currency,
            "product": k.product,
            "place": self.rng.choice(PLACES),
            "place2": "",
            "colour": colour,
            "an_colour": an(colour),
            "obj": obj,
            "an_obj": an(obj),
            "objs": objs,
            "obj_phrase": obj_phrase,
            "animal": animal,
            "an_animal": an(animal),
            "animals": animals,
            "sound": sound,
            "n": self.number(),
            "m": self.number(),
            "town_kind": "city" if p.home == k.capital else "town",
        }
        f["place2"] = self.rng.choice([x for x in PLACES if x != f["place"]])
        f.update(person_fields("p", p))
        if q is not None:
            f.update(person_fields("q", q))
        return f

    def verb_phrase(self, tense: str, exclude: Sequence[str] = ()) -> str:
        """``"walked to the mill"``: a verb of :data:`VERBS` not in ``exclude``, and its tail."""
        check_choice("tense", tense, TENSES)
        check_strings("exclude", exclude)  # checked; kept as given (often a set)
        present, past, tails = self.rng.choice(
            [v for v in VERBS if v[0] not in exclude]
        )
        tail = self.rng.choice(tails).format(place=self.rng.choice(PLACES))
        return f"{present if tense == 'present' else past} {tail}"

    def noun_sentence(self, p: Person, tense: str, kind: str | None = None) -> str:
        """A sentence about one or several animals (``kind="animal"``) or things (``"object"``).

        ``"She saw a goat climbing on the rocks."`` or ``"She saw three goats climbing ..."``.
        """
        check_instance("p", p, Person)
        check_choice("tense", tense, TENSES)
        if kind is not None:
            check_choice("kind", kind, ("animal", "object"))
        kind = kind or self.rng.choice(("animal", "object"))
        plural = self.rng.random() < 0.5
        past = tense == "past"
        if plural:
            det = self.rng.choice(NUMBER_WORDS + ("some", "many"))
            be, it = ("were" if past else "are"), "them"
        else:
            det, be, it = "a", ("was" if past else "is"), "it"
        f = {"he": p.he, "him": p.him, "his": p.his, "be": be, "it": it}
        if kind == "animal":
            singular, plural_form, f["sound"], f["doing"] = self.rng.choice(ANIMALS)
            options = NOUN_SENTENCES["animal"] + (
                NOUN_SENTENCES["animal, past"] if past else ()
            )
            f["place"] = self.rng.choice(PLACES)
        else:
            singular, plural_form, f["what"] = self.rng.choice(OBJECTS)
            options = NOUN_SENTENCES["object"]
        f["noun"] = plural_form if plural else singular
        f["phrase"] = f"{det} {f['noun']}" if plural else an(f["noun"])
        return in_tense(self.pick(options, **f), tense)

    def intro(self, f: dict[str, str], p: Person) -> str:
        """The first sentence of a story about ``p``: who they are and where they live."""
        check_instance("p", p, Person)
        return self.pick(INTRO[p.role], **f)

    def meet(self, f: dict[str, str]) -> str:
        """How ``{p}`` meets ``{q}``, their ``{relation}``."""
        stranger = f["relation"] in ("friend", "neighbour")
        return self.pick(MEET["stranger" if stranger else "relative"], **f)
