"""Tests for the story templates: well-formed data that the stories can read."""

from __future__ import annotations

import re
import string

from stepbytoken.world.day_story import DAY, DAY_END, DAY_PET
from stepbytoken.world.story_templates import (
    INTRO,
    MEET,
    NOUN_SENTENCES,
    STORIES,
    STORY_KINDS,
    Either,
)

TENSED = (
    [t for ts in NOUN_SENTENCES.values() for t in ts] + list(DAY_PET) + list(DAY_END)
)
TENSED += [t for lines in DAY.values() for ts in lines for t in ts]


def story_templates() -> list[str]:
    """Every template of STORIES, INTRO and MEET (told in the past tense only)."""
    out = [t for ts in (*INTRO.values(), *MEET.values()) for t in ts]
    for story in STORIES.values():
        for line in story.lines:
            options = line.options if isinstance(line, Either) else line
            if isinstance(options, tuple):
                out += options
    return out


def test_story_kinds_name_the_stories():
    kinds = {kind for kind, _, _ in STORY_KINDS}
    told = {kind for kind in kinds if not kind.startswith("day, ") and kind != "royal"}
    assert told | {"royal tour", "royal visit"} == set(STORIES)
    assert all(weight > 0 for _, weight, _ in STORY_KINDS)


def test_templates_are_sentences_with_known_fields():
    for template in story_templates() + TENSED:
        assert template.endswith((".", '"')), template
        assert "  " not in template
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        assert all(re.fullmatch(r"[a-zA-Z_0-9]+", name) for name in fields), template


def test_only_tensed_templates_use_brackets():
    assert not any("[" in t or "]" in t for t in story_templates())
    for template in TENSED:
        assert template.count("[") == template.count("]") == template.count("|")


def test_every_story_opens_with_an_intro():
    assert all(story.lines[0] == "intro" for story in STORIES.values())
    assert set(INTRO) == set(DAY) == {"royal", "child", "adult"}
