"""Tests of chapter 9's measurements and their shipped record (recipes.memory_curves)."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation.memory import Recall, accuracy_by_distance, recall
from stepbytoken.recipes import RECIPES, memory_curves
from stepbytoken.recipes.memory import load_memory
from stepbytoken.recipes.memory_curves import (
    BUDGET,
    DISTRACTORS,
    FILLERS,
    PER_FILLER,
    load_memory_curves,
)
from stepbytoken.world import make_world, recall_examples


@pytest.fixture(scope="module")
def shipped():
    return load_memory_curves()


def test_the_recipe_is_a_command():
    assert memory_curves in RECIPES and memory_curves.NAME == "memory-curves"


def test_the_record_has_every_measurement(shipped):
    curves, manifest = shipped
    for name in ("sft", "memory"):
        c = curves[name]
        assert len(c["distance"]) == len(FILLERS) * PER_FILLER
        assert [len(c["needle"][str(n)]) for n in DISTRACTORS] == [
            n + 1 for n in DISTRACTORS
        ]
        s = c["strategies"]
        assert s["summarise"]["fact_kept"] == 1.0  # the rule keeps the told fact
        assert s["truncate"]["fact_kept"] == s["sliding window"]["fact_kept"] == 0.0
        assert (
            s["window only"]["fact_kept"] == 0.0
        )  # about 220 tokens: the fact is gone
    assert manifest["settings"]["budget"] == BUDGET


def test_recorded_recall_is_reproduced(shipped):
    """Greedy answers are deterministic: the first conversations give the record again."""
    curves, _ = shipped
    model, tok, _ = load_memory()
    examples = recall_examples(make_world(0), 3, 4, split="heldout", seed=1)
    rows = recall(model, tok, examples, method="generate")
    first = [r for r in curves["memory"]["distance"] if r["n_filler"] == 4][:3]
    assert [(r.distance, r.correct, r.answer) for r in rows] == [
        (r["distance"], r["generate"], r["answer"]) for r in first
    ]


def test_the_window_edge_shows_in_the_record(shipped):
    curves, _ = shipped
    rows = [
        Recall(r["distance"], r["answer"], r["generate"])
        for r in curves["memory"]["distance"]
    ]
    table = accuracy_by_distance(rows, 32)
    inside = [acc for edge, n, acc in table if edge <= 96]
    past = [acc for edge, n, acc in table if edge - 32 >= 128]
    assert min(inside) > 0.5 and max(past) < 0.25
