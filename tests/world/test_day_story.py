"""Tests for a day in the life: one tense throughout, the right shape."""

from __future__ import annotations

import random

import pytest

from stepbytoken.world.day_story import DAY_END, DAY_OPENERS, DAY_PET, day_story
from stepbytoken.world.writer import Writer, in_tense, person_fields


@pytest.mark.parametrize("tense", ["present", "past"])
def test_a_day_has_its_shape_in_one_tense(world, tense):
    writer = Writer(world, random.Random(tense))
    other = "past" if tense == "present" else "present"
    for p in world.people:
        out = day_story(writer, p, tense)
        assert 6 <= len(out) <= 9
        assert out[1].startswith(("Every", "Each") if tense == "present" else "One")
        openers = [
            s for s in out if s.startswith(DAY_OPENERS["both"] + DAY_OPENERS[tense])
        ]
        assert 2 <= len(openers) <= 3
        assert not any(s.startswith(DAY_OPENERS[other]) for s in out)
        f = person_fields("p", p) | {"home": p.home}
        assert out[-1] in {in_tense(t.format(**f), tense) for t in DAY_END}
        if p.pet:
            assert out[-2] in {in_tense(t.format(**f), tense) for t in DAY_PET}
        assert not any("[" in s or "{" in s for s in out)
