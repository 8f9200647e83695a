"""The sentence templates of the stories, as data.

A template is a ``str.format`` string. ``{p}`` is the main character and ``{q}`` the second
one, with their fields ``{p_he}``, ``{p_His}``, ``{q_job}``, ... (see :func:`person_fields`);
the other fields (``{place}``, ``{an_obj}``, ``{currency}``, ...) come from
:meth:`Writer.fields`. ``[sees|saw]`` gives a word in the present and the past tense
(:func:`in_tense`).

A :class:`Story` is a cast (how its characters are found) and its lines. A line is a tuple
of templates (one is picked at random), one of the names ``"intro"``, ``"meet"``, ``"animal"``
and ``"object"`` (a sentence the :class:`Writer` makes), or an :class:`Either`. A day in the
life is told differently (:mod:`~stepbytoken.world.day_story`).

Introduced in chapter 3.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "INTRO",
    "MEET",
    "NOUN_SENTENCES",
    "STORIES",
    "STORY_KINDS",
    "Either",
    "Story",
]


class Either(NamedTuple):
    """A line that is ``options`` with this ``probability``, else ``otherwise``."""

    probability: float
    options: tuple[str, ...]
    otherwise: str


Line = tuple[str, ...] | str | Either


class Story(NamedTuple):
    """A kind of story: how its characters are found (``cast``), and its lines.

    ``cast`` is ``"partner"``, ``"alone"``, ``"royal tour"``, ``"royal visit"`` or
    ``"journey"`` (see :func:`cast_fields`); ``lasting`` keeps food out of ``{obj}``.
    """

    cast: str
    lines: tuple[Line, ...]
    lasting: bool = False


#: The kinds of story: (kind, weight, who can be the main character). A day in the life is
#: told in the present and in the past tense; a royal story depends on who tells it.
#: :meta hide-value:
STORY_KINDS = (
    ("market", 4, "anyone"),
    ("lost", 3, "anyone"),
    ("day, present", 4, "anyone"),
    ("day, past", 4, "anyone"),
    ("gift", 2, "anyone"),
    ("royal", 2, "anyone"),
    ("pet", 4, "pet owners"),
    ("journey", 3, "adults"),
    ("help", 3, "adults"),
)

#: First sentence of a story, by the role of its main character.
#: :meta hide-value:
INTRO = {
    "royal": (
        "{p} of {kingdom} lived in the castle of {home}.",
        "{p} lived in the castle in {home}, the capital of {kingdom}.",
        "Long ago, {p} lived in {home}, in the kingdom of {kingdom}.",
    ),
    "child": (
        "{p} was a {p_noun} who lived in {home}.",
        "There was once a {p_noun} called {p} who lived in {home}.",
        "{p} was a young {p_noun} from the {adj} {town_kind} of {home}.",
        "In {home} there lived a little {p_noun} named {p}.",
    ),
    "adult": (
        "{p} was a {p_job} who lived in {home}.",
        "There was once a {p_noun} called {p} who lived in {home}.",
        "{p} was a {p_noun} from the {adj} {town_kind} of {home}.",
        "In {home} there lived a {p_job} named {p}.",
        "{p} was a {p_job} in {home}, a {town_kind} in {kingdom}.",
    ),
}

#: How the main character meets the second one: a friend or neighbour, or a relative.
#: :meta hide-value:
MEET = {
    "stranger": (
        "There {p_he} met {p_his} {relation} {q}.",
        "There {p_he} met {q}, a {q_noun} from {q_home}.",
        "On the way {p_he} met {q}, who was a {q_job}.",
    ),
    "relative": (
        "There {p_he} met {p_his} {relation} {q}.",
        "On the way {p_he} met {p_his} {relation}, {q}.",
        "{p_His} {relation} {q} was there too.",
    ),
}

#: A sentence about animals or things; ``{phrase}`` is ``a goat`` or ``three goats``.
#: :meta hide-value:
NOUN_SENTENCES = {
    "animal": (
        "{he} [sees|saw] {phrase} {doing}.",
        "near the {place}, {he} [sees|saw] {phrase}.",
        "the {noun} {be} {doing}, and {he} [watches|watched] {it}.",
    ),
    "animal, past": (
        "the {noun} {sound} when {he} came near.",
        "{he} saw {phrase}, and the {noun} {sound} at {him}.",
    ),
    "object": (
        "{he} [buys|bought] {phrase} {what}.",
        "the {noun} {what} {be} on {his} table.",
        "{he} [gives|gave] {phrase} {what} to a friend.",
        "at the market, {he} [finds|found] {phrase} {what}.",
    ),
}

#: The stories told with a cast and a list of lines.
#: :meta hide-value:
STORIES = {
    "market": Story(
        "partner",
        (
            "intro",
            (
                "One morning {p_he} walked to the market.",
                "One day {p_he} went to the market in {home}.",
                "On a sunny morning {p_he} took a basket and went to the market.",
                "Early one morning {p} walked to the busy market.",
            ),
            Either(
                0.4,
                (
                    "{p_He} bought {n} {objs} for {m} {currency}.",
                    "{p_He} paid {m} {currency} for {an_obj}.",
                ),
                "object",
            ),
            "animal",
            "meet",
            (
                "{q} gave {p_him} {an_colour} ribbon.",
                "{q_He} told {p_him} about the {place}.",
                '"Good morning, {p_name}," said {q_name}.',
                "{p_He} and {q_name} talked for a long time.",
                "{q} helped {p_him} carry {p_his} basket.",
            ),
            (
                "Then {p_he} went home happily.",
                "In the evening {p_he} walked back home.",
                "When the sun went down, {p_name} went home.",
                "{p_He} thanked {q_name} and went home.",
            ),
        ),
    ),
    "lost": Story(
        "partner",
        (
            "intro",
            (
                "One day {p_he} lost {p_his} {colour} {obj}.",
                "One evening {p} could not find {p_his} {obj}.",
                "{p_He} had {an_colour} {obj} {obj_phrase}, but one day it was gone.",
            ),
            (
                "{p_He} looked near the {place}, but it was not there.",
                "{p_He} searched the {place} and the {place2}.",
                "{p_He} looked everywhere, even by the {place}.",
            ),
            (
                '"Where is my {obj}?" {p_he} asked.',
                "{p_He} was very sad.",
                "{p_He} sat down and thought hard.",
            ),
            (
                "Then {p_his} {relation} {q} came to help.",
                "Then {q} came by and offered to help.",
                "{q} saw that {p_he} was sad and asked what was wrong.",
            ),
            (
                "{q_He} found the {obj} under a bench near the {place2}.",
                "Together they found it near the {place2}.",
                "{q_He} looked near the {place2} and found it at once.",
            ),
            (
                "{p} thanked {q_him} and smiled.",
                '"Thank you, {q_name}!" said {p_name}.',
                "{p_He} was happy again, and {q_he} was happy too.",
            ),
        ),
        lasting=True,
    ),
    "pet": Story(
        "alone",
        (
            "intro",
            (
                "{p_He} had {p_an_pet} called {p_pet_name}.",
                "{p} had a pet {p_pet} named {p_pet_name}.",
                "{p_His} best friend was {p_an_pet} called {p_pet_name}.",
            ),
            (
                "One day {p_pet_name} ran away to the {place}.",
                "One morning the {p_pet} was not in its bed.",
                "One afternoon {p_pet_name} followed {an_animal} into the {place}.",
            ),
            (
                "{p} looked for {p_pet_name} all over {home}.",
                '"{p_pet_name}! {p_pet_name}!" {p_he} called.',
                "{p_He} searched the {place2} and the streets of {home}.",
            ),
            (
                "At last {p_he} found {p_pet_name} asleep under a tree.",
                "At last {p_he} heard a sound: the {p_pet} {p_pet_sound}.",
                "At last {p_he} found the {p_pet} near the {place2}.",
            ),
            (
                "{p_He} carried {p_pet_name} home and gave it a treat.",
                "{p_He} was so happy to see {p_his} {p_pet} again.",
                "From that day {p_he} never let {p_pet_name} out of sight.",
            ),
        ),
    ),
    "royal tour": Story(  # a royal visits a town of the kingdom and meets someone there
        "royal tour",
        (
            "intro",
            (
                "One summer {p_he} rode to {town} on {an_colour} horse.",
                "One day {p_he} visited the town of {town}.",
            ),
            (
                "There {p_he} met {q}, a {q_job}.",
                "In the square {p_he} met a {q_noun} called {q}.",
            ),
            (
                "{q} bowed and showed {p_him} the {place}.",
                "{q} told {p_him} about life in {town}.",
            ),
            (
                "The {p_noun} thanked {q_name} and gave {q_him} {n} {currency}.",
                "{p_He} smiled and thanked {q_him}.",
            ),
        ),
    ),
    "royal visit": Story(  # a royal comes to the main character's town
        "royal visit",
        (
            "intro",
            (
                "One summer {q} of {kingdom} came to {home}.",
                "One day {q} visited {home}.",
                "There was great news: {q} was coming to {home}.",
            ),
            (
                "{p} waited in the square with everyone else.",
                "{p_He} put on {p_his} {colour} coat and ran to the square.",
            ),
            (
                "{q_name} rode through the streets on {an_colour} horse.",
                "The {q_noun} waved at the crowd.",
            ),
            (
                "{q_He} stopped and spoke to {p}.",
                "{q_He} saw {p} and smiled at {p_him}.",
                "{q_He} asked {p} about the {place}.",
            ),
            (
                "{p_He} would never forget that day.",
                "{p_He} told the story for many years.",
                "That night {p_he} could not sleep.",
            ),
        ),
    ),
    "journey": Story(
        "journey",
        (
            "intro",
            (
                "One spring {p_he} travelled to {dest_capital}, the capital of {dest}.",
                "One year {p} went on a long journey to {dest}.",
                "One day {p_he} left {home} and set off for {dest}.",
            ),
            (
                "The journey took {days} days.",
                "{p_He} walked for {days} days and crossed {n} rivers.",
                "{p_He} rode a cart for {days} days.",
            ),
            (
                "In {dest_capital} {p_he} paid {m} {dest_currency} for a room at an inn.",
                "In {dest_capital} people paid with the {dest_currency}, not the {currency}.",
                "At the market of {dest_capital} {p_he} changed {p_his} {currency} "
                "for {dest_currency}.",
            ),
            (
                "{dest} is famous for its {dest_product}, so {p_he} bought some {dest_product}.",
                "{p_He} saw the {dest_adj} {dest_product} that {dest} is famous for.",
                "The {dest_adj} people showed {p_him} their {dest_product}.",
            ),
            (
                "Then {p_he} went back home to {home}.",
                "After a week {p_he} returned to {home} with many stories.",
                "{p_He} was glad to be home in {kingdom} again.",
            ),
        ),
    ),
    "gift": Story(
        "partner",
        (
            "intro",
            (
                "Soon it would be the birthday of {p_his} {relation} {q}.",
                "{p_He} wanted to give {p_his} {relation} {q} a present.",
            ),
            (
                "{p_He} knew that {q_name} liked the colour {q_colour}.",
                "{p_He} thought for a long time about what to give.",
            ),
            (
                "So {p_he} bought {an_obj} at the market.",
                "So {p_he} made {an_obj} with {p_his} own hands.",
                "So {p_he} paid {m} {currency} for {an_obj} {obj_phrase}.",
            ),
            (
                "{q} opened the present and laughed.",
                "When {q_name} saw the {obj}, {q_he} hugged {p}.",
                '"It is beautiful," said {q_name}.',
            ),
            (
                "{p_He} was glad that {q_he} liked it.",
                "It was a happy day for them both.",
            ),
        ),
        lasting=True,
    ),
    "help": Story(
        "partner",
        (
            "intro",
            (
                "For many years {p_he} {p_worked} for the people of {home}.",
                "{p_He} {p_worked} from morning to night.",
            ),
            (
                "One day {q} came to see {p_him}.",
                "One day {p_his} {relation} {q} needed help.",
            ),
            (
                "{q_He} had no time, because {q_he} had so much work to do.",
                "{q_His} {obj} was broken and {q_he} was worried.",
                "{q_He} was tired after a long day.",
            ),
            (
                "So {p} helped {q_him} all afternoon.",
                "{p_He} {p_worked} for {q_him} as well.",
                "{p_He} gave {q_him} {n} {objs} as a gift.",
            ),
            (
                '"You are a good {p_job}," said {q_name}.',
                "{q_name} thanked {p_him} with a smile.",
                "The next day {q_he} brought {p_him} a cake.",
            ),
        ),
        lasting=True,
    ),
}
