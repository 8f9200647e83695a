"""Tests of chapter 19's sweep recipe and artifact (stepbytoken.recipes.scaling)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_reference
from stepbytoken.evaluation.scaling import non_embedding_parameters
from stepbytoken.nn import GPT
from stepbytoken.recipes import RECIPES, scaling
from stepbytoken.recipes.family import MEMBERS, family_config
from stepbytoken.recipes.scaling import (
    BATCH_SIZE,
    BLOCK_SIZE,
    SIZES,
    load_scaling,
    scaling_config,
    scaling_grid,
    train_scaling,
)

SMALL = {"sizes": ["L1-d12", "L1-d16"], "budgets": [2e7], "min_steps": 1}


@pytest.fixture(scope="module")
def shipped():
    return load_scaling()


def test_the_recipe_is_a_command():
    assert scaling in RECIPES and scaling.NAME == "train scaling"


def test_the_grid_widens_the_family_with_the_same_model_settings():
    vocab = load_reference().tokenizer.vocab_size
    for name, member in MEMBERS.items():
        assert member in SIZES.values(), name
        size = next(k for k, v in SIZES.items() if v == member)
        family = family_config(name, vocab)
        ours = scaling_config(size, vocab)
        assert ours.block_size == BLOCK_SIZE
        assert {**vars(family), "block_size": BLOCK_SIZE} == vars(ours)


def test_every_point_spends_its_budget(shipped):
    points, manifest = shipped
    assert len(points) == manifest["grid"]["points"] >= 20
    for p in points:
        assert p["tokens"] == p["steps"] * BATCH_SIZE * BLOCK_SIZE
        assert p["compute"] == 6 * p["non_embedding"] * p["tokens"]
        assert p["compute"] == pytest.approx(p["budget"], rel=0.05)
        assert 40 <= p["steps"] <= 20000
    assert manifest["environment"]["torch"] and manifest["environment"]["stepbytoken"]
    assert manifest["timing"]["wall_s"] > 0


def test_more_compute_buys_a_lower_best_loss(shipped):
    """The measured property: the best held-out loss falls from budget to budget."""
    points, _ = shipped
    budgets = sorted({p["budget"] for p in points})
    best = [min(p["val_loss"] for p in points if p["budget"] == b) for b in budgets]
    assert best == sorted(best, reverse=True), best


def test_a_shipped_point_is_reproduced_exactly(shipped):
    """Retrain the cheapest shipped point here: the same held-out loss to the last digit."""
    points, _ = shipped
    cheapest = min(points, key=lambda p: p["steps"] * p["non_embedding"])
    from stepbytoken.recipes import scaling as module

    tokenizer = load_reference().tokenizer
    train_data, val_data = module.reference_token_ids(tokenizer)
    module._init_worker(train_data, val_data)
    try:
        point = {k: cheapest[k] for k in ("size", "budget", "non_embedding", "steps")}
        again = module._train_point(point, tokenizer.vocab_size)
    finally:
        module._DATA.clear()
    assert again["val_loss"] == cheapest["val_loss"]
    assert again["final_train_loss"] == cheapest["final_train_loss"]


def test_the_recipe_gives_the_same_bytes_whatever_the_number_of_workers(tmp_path):
    one = train_scaling(tmp_path / "one", **SMALL, workers=1, progress=False)
    two = train_scaling(tmp_path / "two", **SMALL, workers=2, progress=False)
    assert len(one["points"]) == 2 and one["points"] == two["points"]
    for name in ("points.json", MANIFEST_FILE):
        assert (tmp_path / "one" / name).read_bytes() == (
            tmp_path / "two" / name
        ).read_bytes()
    points, manifest = load_scaling(
        tmp_path / "one", manifest_sha256=file_sha256(tmp_path / "one" / MANIFEST_FILE)
    )
    assert points == one["points"]
    assert manifest["recipe"].endswith("(a smaller grid)")


def test_the_grid_counts_non_embedding_parameters():
    (point,) = scaling_grid(["L2-d64"], [1e11])
    model = GPT(scaling_config("L2-d64", 1281), seed=0)
    assert point["non_embedding"] == non_embedding_parameters(model)
    assert point["steps"] == round(1e11 / (6 * point["non_embedding"] * 512))


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="size must be one of"):
        scaling_config("L9-d999", 100)
    with pytest.raises(TypeError, match="size must be a str"):
        scaling_config(3, 100)
    with pytest.raises(ValueError, match="budget"):
        scaling_grid(["L1-d12"], [-1.0])
    with pytest.raises(ValueError, match="workers"):
        train_scaling(tmp_path, **SMALL, workers=0)
