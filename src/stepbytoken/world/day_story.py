"""A day in the life: a story told in the present tense ("Every day she bakes bread.") or past.

Two lines about who the character is and what they do every day (:data:`DAY`), two or three
things they do (:meth:`Writer.verb_phrase`), one or two noun sentences put in among them, a
line about their pet and a last line. Every template holds both tenses: ``[goes|went]``.

Introduced in chapter 3.
"""

from __future__ import annotations

from stepbytoken.checks import check_choice, check_instance
from stepbytoken.world.entities import Person
from stepbytoken.world.writer import TENSES, Writer, in_tense

__all__ = ["DAY", "DAY_END", "DAY_OPENERS", "DAY_PET", "day_story"]

#: A day in the life: (where the character lives, what they do every day), by role.
#: :meta hide-value:
DAY = {
    "royal": (
        (
            "{p} [lives|lived] in the castle in {home}.",
            "{p} of {kingdom} [lives|lived] in {home}.",
        ),
        (
            "[Every morning|One morning] {p_he} [walks|walked] in the castle garden.",
            "[Every day|One day] {p_he} [rides|rode] out to meet the people of {kingdom}.",
        ),
    ),
    "child": (
        (
            "{p} [is|was] a {p_noun} who [lives|lived] in {home}.",
            "{p} [is|was] a little {p_noun} from {home}.",
        ),
        (
            "[Every morning|One morning] {p_he} [goes|went] to school.",
            "[Every day|One day] {p_he} [walks|walked] to school with {p_his} friends.",
        ),
    ),
    "adult": (
        (
            "{p} [is|was] a {p_job} in {home}.",
            "{p} [is|was] a {p_noun} who [lives|lived] in {home}.",
            "{p} [lives|lived] in {home} and [works|worked] as a {p_job}.",
        ),
        (
            "[Every morning|One morning] {p_he} [goes|went] to the {p_workplace}.",
            "[Every day|One day] {p_he} [{p_work}|{p_worked}].",
            "[Each morning|One morning] {p_he} [walks|walked] to the {p_workplace}, "
            "where {p_he} [{p_work}|{p_worked}].",
        ),
    ),
}

#: How the sentences of a day in the life begin, in either tense and in one of them.
#: :meta hide-value:
DAY_OPENERS = {
    "both": ("After that", "In the afternoon", "In the evening", "Before lunch"),
    "past": ("Then", "Later", "At noon"),
    "present": ("Sometimes", "On rest days", "Often"),
}

#: A line about the pet, for characters who have one.
#: :meta hide-value:
DAY_PET = (
    "{p_His} {p_pet}, {p_pet_name}, [follows|followed] {p_him} everywhere.",
    "{p_He} [feeds|fed] {p_his} {p_pet} {p_pet_name}.",
)

#: The last line of a day in the life.
#: :meta hide-value:
DAY_END = (
    "At night {p_he} [sleeps|slept] well.",
    "{p_He} [likes|liked] {p_his} life in {home}.",
    "{p_He} [is|was] happy in {home}.",
)


def day_story(w: Writer, p: Person, tense: str) -> list[str]:
    """The sentences of a day in the life of ``p``, in the ``"present"`` or ``"past"`` tense.

    Examples
    --------
    >>> import random
    >>> from stepbytoken.world import make_world
    >>> world = make_world(seed=0)
    >>> child = next(p for p in world.people if p.role == "child")
    >>> day_story(Writer(world, random.Random(0)), child, "present")[1].startswith("Every")
    True

    Introduced in chapter 3.
    """
    check_instance("w", w, Writer)
    check_instance("p", p, Person)
    check_choice("tense", tense, TENSES)
    f = w.fields(p)

    def say(options: tuple[str, ...]) -> str:
        return in_tense(w.pick(options, **f), tense)

    out = [say(options) for options in DAY[p.role]]
    openers = DAY_OPENERS["both"] + DAY_OPENERS[tense]
    used: list[str] = []
    for opener in w.rng.sample(openers, k=w.rng.randint(2, 3)):
        phrase = w.verb_phrase(tense, exclude=used)
        used.append(phrase.split()[0])
        out.append(f"{opener} {p.he} {phrase}.")
    for _ in range(w.rng.randint(1, 2)):
        out.insert(w.rng.randint(2, len(out)), w.noun_sentence(p, tense))
    if p.pet:
        out.append(say(DAY_PET))
    out.append(say(DAY_END))
    return out
