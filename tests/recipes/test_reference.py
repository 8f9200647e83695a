"""Tests for stepbytoken.recipes.reference: training and writing the reference model."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from stepbytoken.artifacts import (
    RECIPE_COMMAND,
    REFERENCE_DIR,
    file_sha256,
    load_reference,
)
from stepbytoken.cli import main
from stepbytoken.nn import GPTConfig
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
    assert (
        hashlib.sha256(corpus.encode("utf-8")).hexdigest()
        == ref.manifest["corpus"]["sha256"]
    )


# -- the recipe, end to end, at toy size ------------------------------------------------------


def test_recipe_runs_end_to_end(tmp_path, toy_recipe):
    manifest = reference.train_reference(tmp_path, steps=3, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "model.safetensors",
        "timing.json",
        "tokenizer.json",
    ]
    hashed = json.loads((tmp_path / "manifest.json").read_text())
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert "training_time_s" not in hashed["results"] and timing["training_time_s"] >= 0
    assert manifest == {**hashed, "results": {**hashed["results"], **timing}}
    assert manifest["recipe"] == f"{RECIPE_COMMAND} --steps 3"
    results = manifest["results"]
    assert results["steps"] == 3 and manifest["training"]["steps"] == 3
    assert results["eval_steps"] == [0, 3]
    assert 0.0 <= results["train_fact_accuracy"] <= 1.0
    corpus = reference.reference_corpus()
    assert manifest["corpus"]["sha256"] == hashlib.sha256(corpus.encode()).hexdigest()
    assert (
        manifest["corpus"]["val_documents"] == (corpus.count(DOC_SEPARATOR) + 1) // 20
    )

    loaded = load_reference(
        tmp_path, manifest_sha256=file_sha256(tmp_path / "manifest.json")
    )
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


# -- reproducible, fail-safe, and where it writes -----------------------------------------------


def test_a_rerun_gives_byte_identical_files(tmp_path, toy_recipe):
    first = reference.train_reference(tmp_path / "1", steps=4, progress=False)
    second = reference.train_reference(tmp_path / "2", steps=4, progress=False)
    for name in ("manifest.json", "model.safetensors", "tokenizer.json"):
        assert (tmp_path / "1" / name).read_bytes() == (
            tmp_path / "2" / name
        ).read_bytes(), name
    manifest = (tmp_path / "1" / "manifest.json").read_text()
    # no timestamps, no durations
    assert "time" not in manifest and '_s"' not in manifest
    assert {k: v for k, v in first.items() if k != "results"} == {
        k: v for k, v in second.items() if k != "results"
    }


def keys(value):
    """The nested keys of a manifest: dicts by their keys, lists and numbers by their type."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    return type(value).__name__ if not isinstance(value, int | float) else "number"


def test_the_shipped_manifest_has_the_layout_the_recipe_writes(tmp_path, toy_recipe):
    # The shipped manifest was rewritten in version 2 without retraining: it must still be
    # exactly what the recipe writes, key for key.
    reference.train_reference(tmp_path, steps=2, progress=False)
    written = json.loads((tmp_path / "manifest.json").read_text())
    shipped = json.loads((REFERENCE_DIR / "manifest.json").read_text())
    # Settings differ at toy size; model fields added to GPTConfig later (with defaults) are
    # absent from the shipped manifest, and its model loads with their default values.
    written["corpus"].pop("args"), shipped["corpus"].pop("args")
    written_model, shipped_model = written.pop("model"), shipped.pop("model")
    assert keys(written) == keys(shipped)
    defaults = {f.name: f.default for f in dataclasses.fields(GPTConfig)}
    assert set(shipped_model) <= set(written_model)
    for key in set(written_model) - set(shipped_model):
        assert written_model[key] == defaults[key], key
    GPTConfig(**shipped_model)
    assert written["training"]["device"] == shipped["training"]["device"] == "cpu"
    assert written["training"]["processes"] == shipped["training"]["processes"] == 1
    assert written["training"]["autocast"] is shipped["training"]["autocast"] is None
    assert sorted(json.loads((tmp_path / "timing.json").read_text())) == sorted(
        json.loads((REFERENCE_DIR / "timing.json").read_text())
    )


def test_an_interrupted_recipe_leaves_no_half_written_artifact(
    tmp_path, toy_recipe, monkeypatch
):
    reference.train_reference(tmp_path, steps=2, progress=False)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    digest_before = file_sha256(tmp_path / "manifest.json")

    def save_half(model, path):
        path.write_bytes(b"half a file")
        raise KeyboardInterrupt  # Ctrl-C while the weights are written

    monkeypatch.setattr(reference, "save_weights", save_half)
    with pytest.raises(KeyboardInterrupt):
        reference.train_reference(tmp_path, steps=3, progress=False)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    loaded = load_reference(tmp_path, manifest_sha256=digest_before)
    assert loaded.manifest["results"]["steps"] == 2


def test_the_default_output_is_outside_the_package(
    tmp_path, toy_recipe, monkeypatch, capsys
):
    assert reference.DEFAULT_OUT == Path("stepbytoken-artifacts") / "reference"
    monkeypatch.chdir(tmp_path)
    assert main(["train", "reference", "--steps", "2"]) == 0
    assert (
        tmp_path / "stepbytoken-artifacts" / "reference" / "manifest.json"
    ).is_file()
    out = capsys.readouterr().out
    assert "to ship them, rerun with --out" in out and "--force" in out


def test_the_shipped_artifact_is_only_replaced_with_force(tmp_path, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("refused too late: training started")

    monkeypatch.setattr(reference, "train", no_training)
    before = file_sha256(REFERENCE_DIR / "manifest.json")
    with pytest.raises(ValueError, match="refusing to overwrite it"):
        main(["train", "reference", "--steps", "2", "--out", str(REFERENCE_DIR)])
    with pytest.raises(ValueError, match="refusing to overwrite it"):
        reference.train_reference(REFERENCE_DIR, steps=2)
    with pytest.raises(ValueError, match="out_dir must be a non-empty path"):
        reference.train_reference("", steps=2)
    assert file_sha256(REFERENCE_DIR / "manifest.json") == before


# -- on several processes, and on a GPU ---------------------------------------------------------

# Two processes each take half of every global batch and DDP averages their gradients, so each
# update equals the one-process update up to float32 rounding (the halves are summed in another
# order, about 1e-7 relative per operation). Over the toy run's 20 Adam steps at lr 3e-3 that
# rounding grew to at most 9.5e-7 nats in the per-step loss (measured 2026-12-03); 1e-4 keeps a
# 100x margin and is still far below what a wrong batch split or a missing gradient average
# changes the curve by (0.1 nats and more: the loss falls by 0.5 in these 20 steps).
DDP_LOSS_TOLERANCE = 1e-4


def run_tiny_in_two_processes(script, losses, out):
    """The toy recipe under ``torchrun --nproc_per_node 2`` (CPU, gloo); its per-step losses."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
    ]
    command += ["2", str(script), str(losses), "train", "reference", "--steps", "20"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [*command, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(Path(losses).read_text()), result


def test_two_processes_under_torchrun_follow_one(
    tmp_path, toy_recipe, tiny_script, monkeypatch
):
    runs = []
    train = reference.train
    monkeypatch.setattr(
        reference, "train", lambda *a, **k: runs.append(train(*a, **k)) or runs[-1]
    )
    assert (
        main(["train", "reference", "--steps", "20", "--out", str(tmp_path / "one")])
        == 0
    )
    one = runs[0].train_loss
    two, result = run_tiny_in_two_processes(
        tiny_script, tmp_path / "two.json", tmp_path / "two"
    )
    assert len(one) == len(two) == 20
    differences = [abs(a - b) for a, b in zip(one, two, strict=True)]
    assert max(differences) <= DDP_LOSS_TOLERANCE, differences
    # it learned something, so the comparison means something
    assert one[-1] < one[0] - 0.3
    # Only rank 0 printed, and the two runs wrote the same files.
    assert result.stdout.count("sha256 of the manifest") == 1
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(
        p.name for p in (tmp_path / "one").iterdir()
    )
    manifests = [
        json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("one", "two")
    ]
    assert [m["training"]["processes"] for m in manifests] == [1, 2]
    for m in manifests:
        m["training"].pop("processes")
        m.pop("files")  # the weights differ by rounding
        m.pop("results")
    assert manifests[0] == manifests[1]


@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="needs a CUDA GPU: torch.cuda.is_available() is False on this machine",
)
def test_the_recipe_trains_on_a_gpu_in_bfloat16(tmp_path, toy_recipe):
    cpu = reference.train_reference(tmp_path / "cpu", steps=20, progress=False)
    gpu = reference.train_reference(
        tmp_path / "gpu", steps=20, progress=False, device="cuda"
    )
    assert (
        gpu["training"]["device"] == "cuda"
        and gpu["training"]["autocast"] == "bfloat16"
    )
    # bfloat16 keeps 8 bits of mantissa: the losses agree to a few hundredths, not exactly.
    for a, b in zip(
        cpu["results"]["eval_train_loss"],
        gpu["results"]["eval_train_loss"],
        strict=True,
    ):
        assert abs(a - b) < 0.05 * a
    loaded = load_reference(
        tmp_path / "gpu",
        manifest_sha256=file_sha256(tmp_path / "gpu" / "manifest.json"),
    )
    assert loaded.config == reference.GPTConfig(**gpu["model"])


def test_cuda_is_refused_clearly_without_a_gpu(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"torch.cuda.is_available\(\) is False"):
        reference.train_reference(tmp_path, steps=2, device="cuda")
