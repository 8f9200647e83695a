"""Tests of the grouped-query uptraining recipe and its shipped results
(stepbytoken.recipes.grouped_query)."""

from __future__ import annotations

import json

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_reference
from stepbytoken.generation.kv_cache import kv_cache_bytes
from stepbytoken.recipes import grouped_query
from stepbytoken.recipes.grouped_query import (
    GROUPED_DIR,
    load_grouped_query,
    train_grouped_query,
)


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(GROUPED_DIR / MANIFEST_FILE) == grouped_query.MANIFEST_SHA256


def test_the_shipped_results_hold_every_variant_and_their_cache_sizes():
    results, manifest = load_grouped_query()
    config = load_reference().config
    assert sorted(results, key=int) == ["1", "2", "4"]
    for key, row in results.items():
        g = int(key)
        assert row["cache_bytes_per_token"] == kv_cache_bytes(
            config.n_layer, g, config.d_head, 1, bytes_per_value=4
        )
        assert row["eval_steps"][-1] == manifest["training"]["steps"]
    # the brief training recovers part of what the conversion cost
    for key in ("2", "1"):
        assert results[key]["final_val_loss"] < results[key]["converted_val_loss"]
    # sharing key/value heads costs quality right after the conversion
    losses = [results[k]["converted_val_loss"] for k in ("4", "2", "1")]
    assert losses == sorted(losses)


def test_the_recipe_runs_in_a_few_steps(tmp_path, monkeypatch):
    monkeypatch.setitem(grouped_query.TRAIN_ARGS, "eval_batches", 1)
    monkeypatch.setitem(grouped_query.TRAIN_ARGS, "batch_size", 2)
    manifest = train_grouped_query(tmp_path / "out", steps=2, progress=False)
    assert manifest["recipe"].endswith("--steps 2")
    results, _ = load_grouped_query(
        tmp_path / "out", manifest_sha256=file_sha256(tmp_path / "out" / MANIFEST_FILE)
    )
    assert [results[k]["eval_steps"] for k in ("4", "2", "1")] == [[0, 2]] * 3
    assert (
        json.loads((tmp_path / "out" / "results.json").read_text())["1"]["n_kv_head"]
        == 1
    )


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        train_grouped_query(tmp_path, steps=0, progress=False)
    with pytest.raises(FileNotFoundError):
        load_grouped_query(tmp_path / "missing")
