"""Tests of chapter 14's recipe and artifact (stepbytoken.recipes.lora)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_reference
from stepbytoken.evaluation.facts import fact_accuracy
from stepbytoken.nn.lora import merge_lora, optimizer_memory
from stepbytoken.recipes import lora
from stepbytoken.recipes.lora import (
    ADAPTER,
    LORA_DIR,
    RUNS,
    heldout_loss,
    load_adapted,
    load_lora,
    train_lora,
)
from stepbytoken.world import make_world
from stepbytoken.world.new_region import new_region


@pytest.fixture(scope="module")
def shipped():
    return load_lora()


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(LORA_DIR / MANIFEST_FILE) == lora.MANIFEST_SHA256


def test_every_run_is_recorded_with_its_arithmetic(shipped):
    runs = shipped.results["runs"]
    assert [(r["method"], r["targets"], r["rank"]) for r in runs] == list(RUNS)
    for run in runs:
        # the memory measured after one AdamW step is what the arithmetic predicts
        assert run["measured_bytes"] == run["optimizer_bytes"]
        assert run["optimizer_bytes"] == optimizer_memory(run["trainable"])
    full = runs[0]
    assert (
        full["trainable"]
        == full["total"]
        == sum(p.numel() for p in load_reference().model.parameters())
    )
    # an adapter file is a small fraction of the model's
    assert all(r["saved_bytes"] < shipped.results["base_bytes"] / 5 for r in runs[1:])


def test_the_shipped_adapter_answers_as_recorded(shipped):
    """Loaded onto the reference model, the adapter scores what the recipe measured."""
    model = load_adapted(shipped)
    region = new_region(make_world(0), lora.REGION_WORDINGS, seed=lora.REGION_SEED)
    tokenizer = load_reference().tokenizer
    recorded = next(r for r in shipped.results["runs"] if r["name"] == "lora-all-4")
    measured = fact_accuracy(model, tokenizer, region.asked)
    assert measured == pytest.approx(recorded["accuracy"]["new_asked"], abs=1e-4)
    # merged into plain weights, it computes the same logits
    idx = torch.tensor([tokenizer.encode(region.text[:300])[:64]])
    merged = merge_lora(model).eval()
    # float32 sums in another order: the gap is rounding, about 1e-5 and CPU-dependent
    torch.testing.assert_close(merged(idx)[0], model(idx)[0], atol=1e-4, rtol=1e-5)


def test_the_heldout_text_loss_is_reproduced(shipped):
    tokenizer = load_reference().tokenizer
    ids = torch.tensor(tokenizer.encode(shipped.heldout_text))
    loss = heldout_loss(load_reference().model, ids)
    assert loss == pytest.approx(shipped.results["heldout_loss"]["fp32"], abs=1e-3)


def test_the_recipe_runs_in_a_few_steps(tmp_path):
    manifest = train_lora(
        tmp_path / "out", steps=1, runs=(RUNS[0], ADAPTER), progress=False
    )
    assert "--steps 1" in manifest["recipe"]
    small = load_lora(
        tmp_path / "out", manifest_sha256=file_sha256(tmp_path / "out" / MANIFEST_FILE)
    )
    assert [r["name"] for r in small.results["runs"]] == ["full", "lora-all-4"]
    assert small.results["spectrum"]  # the full fine-tune's singular values
    assert all(name.endswith(("lora_A", "lora_B")) for name in small.adapter)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="runs must"):
        train_lora(tmp_path, steps=1, runs=(RUNS[0],), progress=False)
    with pytest.raises(ValueError, match="steps"):
        train_lora(tmp_path, steps=0, progress=False)
    with pytest.raises(TypeError, match="LoRAResults"):
        load_adapted("not results")


def test_the_recipe_is_a_command():
    from stepbytoken.recipes import RECIPES, lora

    assert lora in RECIPES and lora.NAME == "train lora"
