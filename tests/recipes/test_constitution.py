"""Tests of chapter 8's constitutional-AI recipe and its shipped model and measurements."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.assistant import grade, summarise
from stepbytoken.evaluation.constitution import CONSTITUTION, violation_rates
from stepbytoken.recipes import RECIPES, constitution
from stepbytoken.recipes.constitution import (
    CONSTITUTION_DIR,
    KINDS,
    MANIFEST_SHA256,
    load_constitution,
    train_constitution,
)
from stepbytoken.recipes.sft import eval_examples, eval_toolbox, load_sft


@pytest.fixture(scope="module")
def shipped():
    return load_constitution()


def test_the_recipe_is_a_command():
    assert constitution in RECIPES and constitution.NAME == "train constitution"


def test_the_shipped_manifest_is_the_pinned_one(shipped):
    assert file_sha256(CONSTITUTION_DIR / MANIFEST_FILE) == MANIFEST_SHA256
    assert shipped.manifest["constitution"] == [
        {"name": p.name, "text": p.text} for p in CONSTITUTION
    ]
    assert not shipped.model.training
    assert shipped.model.config.vocab_size == shipped.tokenizer.vocab_size


def test_the_counts_add_up(shipped):
    results = shipped.manifest["results"]
    revision, feedback = results["revision"], results["feedback"]
    outcomes = ("accepted", "revised", "dropped")
    assert sum(revision[k] for k in outcomes) == revision["prompts"]
    kept = revision["accepted"] + revision["revised"] + revision["tool_turns"]["kept"]
    assert 0 < revision["trained_on"] <= kept
    assert sum(feedback[k] for k in ("pairs", "ties", "empty")) == feedback["prompts"]
    assert 0 < feedback["trained_on"] <= feedback["pairs"]
    for shown in revision["examples"]:
        assert shown["critique"] and shown["revision"] != shown["initial"]


def test_the_assistant_is_measured_as_its_own_recipe_graded_it(shipped):
    recorded = shipped.manifest["results"]["sft"]["grades"]
    assert recorded == load_sft().manifest["results"]["sft"]


def test_one_recorded_measurement_is_measured_again_the_same(shipped):
    """The stage-2 model's greedy answers to the held-out format examples."""
    examples = [e for e in eval_examples() if e.kind == "format"]
    graded = grade(shipped.model, shipped.tokenizer, examples, toolbox=eval_toolbox())
    results = shipped.manifest["results"]["stage2"]
    assert summarise(graded)["format"] == results["grades"]["format"]
    rates = violation_rates(examples, [g.text for g in graded])
    recorded = results["violations_by_kind"]["greedy"]["format"]
    assert {k: round(v, 4) for k, v in rates.items()} == recorded


def test_every_model_is_measured_on_every_principle(shipped):
    results = shipped.manifest["results"]
    names = {p.name for p in CONSTITUTION} | {"any"}  # the manifest sorts its keys
    for model in ("sft", "stage1", "stage2"):
        for how in ("greedy", "sampled"):
            assert set(results[model]["violations"][how]) == names
            assert set(results[model]["violations_by_kind"][how]) == set(KINDS)


def test_a_short_run_writes_an_artifact_that_loads(tmp_path, monkeypatch):
    monkeypatch.setattr(constitution, "REVISION_PROMPTS", {"format": 4, "unknown": 2})
    monkeypatch.setattr(constitution, "TOOL_PROMPTS", 2)
    monkeypatch.setattr(constitution, "FEEDBACK_PROMPTS", {"format": 30})
    monkeypatch.setattr(constitution, "EVAL_PER_KIND", 1)
    monkeypatch.setattr(constitution, "EVAL_SAMPLES", 2)
    for name in ("SFT_ARGS", "DPO_ARGS"):
        args = getattr(constitution, name)
        monkeypatch.setattr(constitution, name, {**args, "steps": 2, "warmup_steps": 0})
    manifest = train_constitution(tmp_path, progress=False)
    results = manifest["results"]
    assert results["revision"]["prompts"] == 6 and results["revision"]["steps"] == 2
    assert set(results["stage2"]["grades"]) == {*KINDS, "tool"}
    tuned = load_constitution(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert tuned.model.config == load_sft().model.config
