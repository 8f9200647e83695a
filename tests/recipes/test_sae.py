"""Tests of the sparse autoencoder's recipe and artifact (stepbytoken.recipes.sae)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_reference
from stepbytoken.evaluation.activations import mlp_activations
from stepbytoken.evaluation.dictionary import sae_stats
from stepbytoken.recipes import sae as sae_recipe
from stepbytoken.recipes.sae import SAE_DIR, load_sae, train_sae


@pytest.fixture(scope="module")
def shipped():
    return load_sae()


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(SAE_DIR / MANIFEST_FILE) == sae_recipe.MANIFEST_SHA256


def test_the_shipped_files_are_small():
    assert (SAE_DIR / "sae.safetensors").stat().st_size < 1_500_000


def test_the_shipped_sae_is_sparse_and_reconstructs(shipped):
    reference = load_reference()
    text = "Piet is a man who lives in Gissam. Every day he catches fish."
    idx = torch.tensor([reference.tokenizer.encode(text)])
    x = mlp_activations(reference.model, idx, shipped.layer)[0]
    stats = sae_stats(shipped.sae, x)
    assert stats.l0 < 0.1 * shipped.sae.d_dict
    assert stats.fvu < 0.5
    assert shipped.results["stats"]["l0"] < 0.1 * shipped.sae.d_dict
    assert 0 < shipped.results["loss"]["recovered"] <= 1.01


def test_every_label_has_a_best_feature_with_contexts(shipped):
    labels = shipped.results["labels"]
    assert "colour" in labels and "story document" in labels
    feature = str(labels["colour"]["feature"])
    contexts = shipped.results["features"][feature]
    assert len(contexts) == sae_recipe.TOP_CONTEXTS
    values = [c["value"] for c in contexts]
    assert values == sorted(values, reverse=True)


def test_the_recipe_runs_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setattr(sae_recipe, "N_WINDOWS", 64)
    monkeypatch.setattr(sae_recipe, "N_EVAL_DOCS", 20)
    manifest = train_sae(tmp_path, steps=3, progress=False)
    assert manifest["settings"]["steps"] == 3
    loaded = load_sae(tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE))
    assert loaded.sae.d_dict == sae_recipe.D_DICT
    assert set(loaded.results) >= {"stats", "loss", "labels", "features", "neurons"}


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        train_sae(tmp_path, steps=0)
