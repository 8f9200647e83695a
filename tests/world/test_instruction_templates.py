"""Tests for the task wordings: unique identifiers, valid splits, placeholders that fill."""

from __future__ import annotations

import pytest

from stepbytoken.world import instruction_templates as T


def all_templates():
    groups = [T.ASK, T.LIST_TOWNS, T.PASSAGE, T.TOOL_ARITHMETIC, T.TOOL_TWO_AGES]
    groups += [T.SCRATCH_RELATIONS, *T.CONSTRAINTS.values()]
    return [t for group in groups for t in group]


def test_identifiers_are_unique_and_splits_valid():
    templates = all_templates()
    assert len({t.id for t in templates}) == len(templates)
    assert {t.split for t in templates} == {"train", "heldout"}


def test_every_group_with_training_wordings_has_held_out_ones():
    groups = [T.ASK, T.LIST_TOWNS, T.PASSAGE, T.TOOL_ARITHMETIC, T.TOOL_TWO_AGES]
    groups += [T.SCRATCH_RELATIONS, *T.CONSTRAINTS.values()]
    for group in groups:
        assert T.pick_templates(group, "heldout"), group
    # a rule never trained
    assert not T.pick_templates(T.CONSTRAINTS["lowercase"], "train")


def test_placeholders_fill():
    for t in T.ASK:
        assert "Q?" in t.text.format(q="Q?")
    for t in T.PASSAGE:
        assert "P." in t.text.format(p="P.", q="Q?")
    with pytest.raises(ValueError, match="templates"):
        T.pick_templates(T.ASK, "test")
