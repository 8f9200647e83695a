"""The ``story`` documents: a character, a cast around them, and lines read from templates.

At most one man or boy and at most one woman or girl are named in a story, so every
``he``/``she`` has exactly one possible referent, named before it.
"""

from __future__ import annotations

from stepbytoken.checks import check_instance
from stepbytoken.world.day_story import day_story
from stepbytoken.world.entities import Person
from stepbytoken.world.story_templates import STORIES, STORY_KINDS, Either, Line, Story
from stepbytoken.world.writer import Writer

__all__ = ["cast_fields", "tell", "write_story"]


def write_story(w: Writer) -> str:
    """A story about a random training character, of a kind drawn from :data:`STORY_KINDS`.

    Examples
    --------
    >>> import random
    >>> from stepbytoken.world import make_world
    >>> text = write_story(Writer(make_world(seed=0), random.Random(0)))
    >>> text[0].isupper(), text.endswith(".")
    (True, True)

    Introduced in chapter 3.
    """
    check_instance("w", w, Writer)
    p = w.rng.choice(w.train_people)
    can_tell = {"anyone": True, "pet owners": bool(p.pet), "adults": p.role == "adult"}
    kinds = [(kind, weight) for kind, weight, who in STORY_KINDS if can_tell[who]]
    kind = w.rng.choices([k for k, _ in kinds], weights=[wt for _, wt in kinds])[0]
    if kind.startswith("day, "):
        return " ".join(day_story(w, p, kind.removeprefix("day, ")))
    if kind == "royal":
        kind = "royal tour" if p.title else "royal visit"
    return " ".join(tell(w, p, STORIES[kind]))


def cast_fields(w: Writer, p: Person, story: Story) -> dict[str, str]:
    """The template fields of ``story`` about ``p``, with the second character its cast finds.

    Casts: ``"partner"`` (a relative, friend or neighbour of the other gender), ``"alone"``,
    ``"royal tour"`` (a royal meets a subject of the other gender), ``"royal visit"`` (a royal
    of the other gender comes to town) and ``"journey"`` (to another kingdom).
    """
    check_instance("w", w, Writer)
    check_instance("p", p, Person)
    check_instance("story", story, Story)
    if story.cast == "partner":
        q, relation = w.partner(p)
        return w.fields(p, q, lasting=story.lasting) | {"relation": relation}
    if story.cast == "alone":
        return w.fields(p)
    k = w.kingdoms[p.kingdom]
    if story.cast == "royal tour":
        subjects = [x for x in w.commoners if x.gender != p.gender]
        q = w.rng.choice([x for x in subjects if x.kingdom == k.name] or subjects)
        return w.fields(p, q) | {"town": q.home}
    if story.cast == "royal visit":
        title = "king" if p.gender == "female" else "queen"
        title = w.rng.choice((title, "prince" if p.gender == "female" else "princess"))
        return w.fields(p, w.people[getattr(k, title)])
    if story.cast == "journey":
        dest = w.rng.choice([x for x in w.world.kingdoms if x.name != p.kingdom])
        f = w.fields(p)
        f.update(
            dest=dest.name,
            dest_capital=dest.capital,
            dest_adj=dest.adjective,
            dest_currency=dest.currency,
            dest_product=dest.product,
            days=w.number(),
        )
        return f
    raise ValueError(f"unknown cast {story.cast!r}")


def tell(w: Writer, p: Person, story: Story) -> list[str]:
    """The sentences of ``story`` about ``p``, one per line of the story."""
    check_instance("w", w, Writer)
    check_instance("p", p, Person)
    check_instance("story", story, Story)
    f = cast_fields(w, p, story)
    return [_sentence(w, p, line, f) for line in story.lines]


def _sentence(w: Writer, p: Person, line: Line, f: dict[str, str]) -> str:
    if isinstance(line, Either):
        line = line.options if w.rng.random() < line.probability else line.otherwise
    if line == "intro":
        return w.intro(f, p)
    if line == "meet":
        return w.meet(f)
    if line in ("animal", "object"):
        return w.noun_sentence(p, "past", line)
    return w.pick(line, **f)
