"""Tests of the diffusion recipe and its shipped U-Net and DiT (stepbytoken.recipes.diffusion)."""

from __future__ import annotations

import argparse

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_artifact
from stepbytoken.evaluation.image_scores import image_scores
from stepbytoken.generation.diffusion import ddim_sample
from stepbytoken.nn import count_parameters
from stepbytoken.recipes import diffusion
from stepbytoken.recipes.diffusion import (
    DIFFUSION_DIR,
    DIFFUSION_SPEC,
    caption_vectors,
    eval_specs,
    load_diffusion,
    train_diffusion,
)
from stepbytoken.world.images import caption, combination_split


@pytest.fixture(scope="module")
def shipped():
    torch.set_num_threads(1)
    return load_diffusion()


def test_the_recipe_has_a_command_line():
    assert diffusion.NAME == "train diffusion"
    parser = argparse.ArgumentParser()
    diffusion.add_arguments(parser)
    assert parser.parse_args(["--steps", "3"]).steps == 3


def test_the_shipped_manifest_is_pinned_and_the_weights_are_small():
    assert file_sha256(DIFFUSION_DIR / MANIFEST_FILE) == diffusion.MANIFEST_SHA256
    total = sum((DIFFUSION_DIR / name).stat().st_size for name in DIFFUSION_SPEC.files)
    assert total < 3_000_000


def test_the_shipped_models_are_what_the_manifest_says(shipped):
    m = shipped.manifest
    assert count_parameters(shipped.unet) == m["unet"]["parameters"]
    assert count_parameters(shipped.dit) == m["dit"]["parameters"]
    # about the same size, trained alike
    ratio = m["dit"]["parameters"] / m["unet"]["parameters"]
    assert 0.8 < ratio < 1.25
    assert m["schedule"] == {
        "kind": "linear",
        "n_steps": 1000,
        "beta_start": 1e-4,
        "beta_end": 0.02,
    }


def test_the_shipped_unet_draws_what_the_manifest_measured(shipped):
    """Sampling again gives the recorded scores at the recipe's guidance scale."""
    specs = eval_specs()
    cond = caption_vectors([caption(s) for s in specs], shipped.vision)
    images = ddim_sample(
        shipped.unet, cond, shipped.schedule, guidance_scale=diffusion.GUIDANCE, seed=0
    ).images
    v = shipped.vision
    scores = image_scores(images, specs, v.vit, v.clip, v.vocab)
    recorded = shipped.manifest["results"]["unet"]["guidance"][str(diffusion.GUIDANCE)]
    for key in ("shape", "colour", "match"):
        assert scores[key] == pytest.approx(recorded[key], abs=2 / len(specs))
    assert scores["clip"] == pytest.approx(recorded["clip"], abs=0.02)
    # and the text matters: the guided samples match their captions far above chance
    assert (
        recorded["match"]
        > shipped.manifest["results"]["unet"]["guidance"]["0.0"]["match"] + 0.2
    )


def test_eval_specs_are_training_kinds_or_held_out_pairs():
    split = combination_split(diffusion.SPLIT_SEED)
    assert set(eval_specs()) <= set(split.train)
    assert set(eval_specs(heldout=True)) == set(split.heldout)


def test_the_recipe_runs_and_writes_a_loadable_artifact(tmp_path, monkeypatch):
    monkeypatch.setattr(diffusion, "N_EVAL", 3)
    monkeypatch.setattr(diffusion, "GUIDANCE_SCALES", (0.0, 3.0))
    monkeypatch.setattr(diffusion, "STEP_COUNTS", (2,))
    monkeypatch.setattr(diffusion, "SAMPLE_STEPS", 2)
    manifest = train_diffusion(tmp_path, steps=2, progress=False)
    assert manifest["recipe"].endswith("--steps 2")
    assert len(manifest["unet"]["loss_curve"]) == 1
    assert set(manifest["results"]["dit"]["guidance"]) == {"0.0", "3.0"}
    loaded = load_diffusion(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert loaded.unet.config.channels == tuple(manifest["unet"]["config"]["channels"])
    load_artifact(tmp_path, DIFFUSION_SPEC, file_sha256(tmp_path / MANIFEST_FILE))


def test_a_device_that_is_not_there_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"torch.cuda.is_available\(\) is False"):
        diffusion.train_diffusion(tmp_path, steps=2, progress=False, device="cuda")
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda'"):
        diffusion.train_diffusion(tmp_path, steps=2, progress=False, device="tpu")
