"""Tests of the thinking recipe and its artifact (stepbytoken.recipes.thinking)."""

from __future__ import annotations

import json

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.thinking import budget_curve, direct_accuracy
from stepbytoken.recipes import RECIPES, thinking
from stepbytoken.recipes.thinking import THINKING_DIR, eval_problems, load_thinking


@pytest.fixture(scope="module")
def shipped():
    torch.set_num_threads(1)
    return load_thinking()


def test_the_recipe_is_a_command():
    assert thinking in RECIPES and thinking.NAME == "train thinking"


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(THINKING_DIR / MANIFEST_FILE) == thinking.MANIFEST_SHA256


def test_the_thinker_beats_the_direct_answerer_on_held_out_chains(shipped):
    """Measured again here: thirty held-out chains, greedy, the full thinking budget."""
    chains = [p for p in eval_problems() if p.kind == "chain"][:30]
    think = budget_curve(
        shipped.thinker, shipped.tokenizer, chains, [thinking.MAX_THOUGHT]
    )
    direct, _, _ = direct_accuracy(shipped.direct, shipped.tokenizer, chains)
    assert think.accuracy[0] >= 0.9 and think.accuracy[0] > direct
    results = shipped.results
    assert results["thinker"]["accuracy"][-1] > results["direct"]["accuracy"]


def test_the_results_match_their_problems(shipped):
    results = shipped.results
    n = len(results["problems"])
    assert n == thinking.N_EVAL and len(results["budgets"]) == len(thinking.BUDGETS)
    assert len(results["thinker"]["answers"]) == len(thinking.BUDGETS)
    assert all(len(row) == n for row in results["thinker"]["answers"])
    assert len(results["direct"]["answers"]) == n
    assert [p["question"] for p in results["problems"]] == [
        p.question for p in eval_problems()
    ]


def test_the_recipe_runs_at_toy_size(tmp_path, monkeypatch):
    monkeypatch.setattr(thinking, "N_EXAMPLES", 8)
    monkeypatch.setattr(thinking, "BUDGETS", (0, 4))
    monkeypatch.setattr(thinking, "VOTE_KS", (1, 2))
    monkeypatch.setattr(thinking, "MAX_THOUGHT", 6)
    monkeypatch.setattr(thinking, "N_VOTE", 2)
    monkeypatch.setattr(thinking, "REPLAY_CHARS", 20_000)
    manifest = thinking.train_thinking(tmp_path, steps=2, n_eval=2, progress=False)
    assert manifest["training"]["steps"] == 2
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["budgets"] == [0, 4] and len(results["thinker"]["accuracy"]) == 2
    loaded = load_thinking(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert loaded.thinker.config == loaded.direct.config
    assert loaded.results["votes"]["problems"] == 2
