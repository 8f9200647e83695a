"""Tests for stepbytoken.recipes.reference: training and writing the reference model."""

from __future__ import annotations

import hashlib
import json

import pytest

from stepbytoken.artifacts import RECIPE_COMMAND, file_sha256, load_reference
from stepbytoken.cli import main
from stepbytoken.recipes import reference
from stepbytoken.world import DOC_SEPARATOR


def test_the_artifact_names_this_recipes_command():
    assert f"python -m stepbytoken {reference.NAME}" == RECIPE_COMMAND


def test_manifest_records_the_recipe(ref):
    manifest = ref.manifest
    settings = reference.reference_settings()
    assert manifest["tokenizer"]["num_merges"] == settings["num_merges"]
    assert manifest["tokenizer"]["special_tokens"] == [DOC_SEPARATOR]
    for key, value in settings["model_args"].items():
        assert manifest["model"][key] == value
    for key, value in settings["train_args"].items():
        assert manifest["training"][key] == value
    assert manifest["results"]["steps"] == settings["train_args"]["steps"]
    assert manifest["corpus"]["args"] == settings["corpus_args"]
    assert manifest["recipe"] == RECIPE_COMMAND


def test_the_corpus_has_not_drifted(ref):
    # If the world changes, the shipped model was trained on another corpus: rerun the recipe.
    corpus = reference.reference_corpus()
    assert hashlib.sha256(corpus.encode("utf-8")).hexdigest() == ref.manifest["corpus"]["sha256"]


# -- the recipe, end to end, at toy size ------------------------------------------------------


@pytest.fixture
def toy_recipe(monkeypatch):
    """Shrink the recipe's corpus, tokenizer and model so that it runs in seconds."""
    monkeypatch.setattr(reference, "CORPUS_ARGS", {"n_stories": 40, "seed": 0})
    monkeypatch.setattr(reference, "NUM_MERGES", 40)
    monkeypatch.setattr(
        reference, "MODEL_ARGS", {**reference.MODEL_ARGS, "n_layer": 1, "d_model": 16}
    )
    monkeypatch.setattr(
        reference, "TRAIN_ARGS", {**reference.TRAIN_ARGS, "batch_size": 4, "eval_batches": 1}
    )


def test_recipe_runs_end_to_end(tmp_path, toy_recipe):
    manifest = reference.train_reference(tmp_path, steps=3, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "model.safetensors",
        "tokenizer.json",
    ]
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    assert manifest["recipe"] == f"{RECIPE_COMMAND} --steps 3"
    results = manifest["results"]
    assert results["steps"] == 3 and manifest["training"]["steps"] == 3
    assert results["eval_steps"] == [0, 3]
    assert 0.0 <= results["train_fact_accuracy"] <= 1.0
    corpus = reference.reference_corpus()
    assert manifest["corpus"]["sha256"] == hashlib.sha256(corpus.encode()).hexdigest()
    assert manifest["corpus"]["val_documents"] == (corpus.count(DOC_SEPARATOR) + 1) // 20

    loaded = load_reference(tmp_path, manifest_sha256=file_sha256(tmp_path / "manifest.json"))
    assert loaded.config.d_model == 16 and loaded.manifest == manifest


def test_recipe_checks_steps(tmp_path):
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        reference.train_reference(tmp_path, steps=0)
    with pytest.raises(TypeError, match="steps must be an int >= 1"):
        reference.train_reference(tmp_path, steps=2.5)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_cli_trains_and_prints_the_hash(tmp_path, toy_recipe, capsys):
    assert main(["train", "reference", "--steps", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"sha256 of the manifest: {file_sha256(tmp_path / 'manifest.json')}" in out
    assert "update it to ship the new files" in out
