"""Tests of the vision recipe and its shipped ViT and CLIP (stepbytoken.recipes.vision)."""

from __future__ import annotations

import argparse

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.zero_shot import every_place_templates, zero_shot_accuracy
from stepbytoken.nn.clip import tokenize_captions
from stepbytoken.recipes import vision
from stepbytoken.recipes.vision import (
    VISION_DIR,
    fresh_set,
    heldout_set,
    load_vision,
    measure,
    train_vision,
)
from stepbytoken.training.contrastive import hard_negative_batch
from stepbytoken.world.images import COLOURS, SHAPES, caption, combination_split


@pytest.fixture(scope="module")
def shipped():
    return load_vision()


def test_the_recipe_has_a_command_line():
    assert vision.NAME == "train vision"
    parser = argparse.ArgumentParser()
    vision.add_arguments(parser)
    assert parser.parse_args(["--steps", "3"]).steps == 3


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(VISION_DIR / MANIFEST_FILE) == vision.MANIFEST_SHA256


def test_the_classifier_names_shapes_on_fresh_pictures(shipped):
    data = fresh_set()
    with torch.no_grad():
        predicted = shipped.vit(data.images).argmax(dim=1)
    accuracy = (predicted == data.attribute("shape")).float().mean().item()
    assert accuracy > 0.9
    assert accuracy == pytest.approx(
        shipped.manifest["results"]["vit_accuracy"], abs=1e-4
    )


def test_measure_reproduces_the_manifest(shipped):
    results = measure(shipped.vit, shipped.clip, shipped.vocab)
    recorded = shipped.manifest["results"]
    for key, value in results.items():
        if isinstance(value, dict):
            for template, share in value.items():
                assert share == pytest.approx(recorded[key][template], abs=1e-3)
        else:
            assert value == pytest.approx(recorded[key], abs=1e-3)


def test_zero_shot_is_measured_on_pairs_clip_never_read(shipped):
    split = combination_split(vision.SPLIT_SEED)
    data = heldout_set()
    assert {(s.shape, s.colour) for s in data.specs} == set(split.pairs)
    training_captions = {caption(s) for s in split.train}
    assert not training_captions & set(data.captions)
    assert [tuple(p) for p in shipped.manifest["data"]["heldout_pairs"]] == list(
        split.pairs
    )
    colour = zero_shot_accuracy(
        shipped.clip,
        shipped.vocab,
        data.images,
        data.attribute("colour"),
        COLOURS,
        ["a {}"],
    )
    shape = zero_shot_accuracy(
        shipped.clip,
        shipped.vocab,
        data.images,
        data.attribute("shape"),
        SHAPES,
        every_place_templates(),
    )
    assert colour > 0.9 and shape > 0.5  # chance is 1 / 6
    for template in vision.SHAPE_TEMPLATES:  # prompts are never whole training captions
        assert not {template.format(s) for s in SHAPES} & training_captions


def test_the_similarity_matrix_peaks_on_matching_captions(shipped):
    data = heldout_set(1)
    idx, lengths = tokenize_captions(data.captions, shipped.vocab)
    with torch.no_grad():
        sims = shipped.clip.similarity(data.images, idx, lengths)
    assert (sims.argmax(dim=1) == torch.arange(len(sims))).float().mean() > 0.5


def test_hard_negative_batches_are_distinct_and_half_alike():
    specs = combination_split(0).train
    generator = torch.Generator().manual_seed(3)
    for _ in range(5):
        batch = hard_negative_batch(specs, 40, generator)
        assert len(batch) == len(set(batch)) == 40
        alike = {(specs[i].size, specs[i].position) for i in batch[:30]}
        assert len(alike) == 1
    with pytest.raises(ValueError):
        hard_negative_batch(specs, 1, generator)
    with pytest.raises(TypeError):
        hard_negative_batch(specs, 4, "generator")


def test_zero_shot_accuracy_refuses_bad_templates(shipped):
    data = heldout_set(1)
    with pytest.raises(ValueError, match="contain"):
        zero_shot_accuracy(
            shipped.clip,
            shipped.vocab,
            data.images,
            data.attribute("shape"),
            SHAPES,
            ["a"],
        )
    with pytest.raises(ValueError, match="one entry per image"):
        zero_shot_accuracy(
            shipped.clip,
            shipped.vocab,
            data.images,
            torch.zeros(2, dtype=torch.long),
            SHAPES,
            ["a {}"],
        )


def test_the_recipe_runs_a_few_steps(tmp_path):
    manifest = train_vision(tmp_path / "vision", steps=3, progress=False)
    assert manifest["vit"]["training"]["steps"] == 3
    assert manifest["recipe"].endswith("--steps 3")
    digest = file_sha256(tmp_path / "vision" / MANIFEST_FILE)
    loaded = load_vision(tmp_path / "vision", manifest_sha256=digest)
    assert loaded.clip.config.d_model == vision.CLIP_ARGS["model"]["d_model"]
    assert 0.0 <= loaded.manifest["results"]["zero_shot_colour"] <= 1.0


def test_the_recipe_is_a_command():
    from stepbytoken.recipes import RECIPES

    assert vision in RECIPES and vision.NAME == "train vision"
