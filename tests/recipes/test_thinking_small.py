"""Tests of the small thinker's recipe and artifact (stepbytoken.recipes.thinking_small)."""

from __future__ import annotations

import json

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.thinking import budget_curve
from stepbytoken.nn import GPT, count_parameters
from stepbytoken.recipes import RECIPES, family, thinking, thinking_small
from stepbytoken.recipes.family import family_config
from stepbytoken.recipes.thinking_small import SMALL_DIR, load_thinking_small


@pytest.fixture(scope="module")
def small():
    torch.set_num_threads(1)
    return load_thinking_small()


def test_the_recipe_is_a_command():
    assert thinking_small in RECIPES and thinking_small.NAME == "train thinking-small"


def test_the_shipped_manifest_is_pinned_and_names_the_family(small):
    assert file_sha256(SMALL_DIR / MANIFEST_FILE) == thinking_small.MANIFEST_SHA256
    assert small.manifest["family_manifest_sha256"] == family.MANIFEST_SHA256
    assert small.model.config.d_model == family.MEMBERS["s"]["d_model"]


def test_the_shipped_answers_are_the_small_thinkers_own(small):
    """Measured again here: its greedy answers after whole thoughts, as the recipe recorded."""
    assert count_parameters(small.model) == small.results["small"]["parameters"]
    problems = thinking.eval_problems(8)
    curve = budget_curve(small.model, small.tokenizer, problems, [thinking.MAX_THOUGHT])
    assert curve.answers[0] == small.results["small"]["answers"][-1][:8]
    # the chapter's finding: cheaper than the larger direct answerer, and more often right
    direct = thinking.load_thinking().results["direct"]
    mine = small.results["small"]
    assert mine["flops"][-1] < direct["flops"]
    assert mine["accuracy"][-1] > direct["accuracy"]


def test_the_recipe_runs_at_toy_size(tmp_path, monkeypatch):
    monkeypatch.setattr(thinking, "N_EXAMPLES", 8)
    monkeypatch.setattr(thinking, "BUDGETS", (0, 4))
    monkeypatch.setattr(thinking, "MAX_THOUGHT", 6)
    monkeypatch.setattr(thinking, "REPLAY_CHARS", 20_000)
    tiny = GPT(family_config("xs", 1281), seed=0)
    monkeypatch.setattr(thinking_small, "_base", lambda: (tiny, "0" * 64))
    manifest = thinking_small.train_thinking_small(
        tmp_path, steps=2, n_eval=2, progress=False
    )
    assert manifest["family_manifest_sha256"] == "0" * 64
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results["small"]["accuracy"]) == 2
    loaded = load_thinking_small(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert loaded.model.config.n_layer == 1
