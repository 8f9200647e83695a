"""Tests of chapter 6's width recipe and its shipped artifact (stepbytoken.recipes.model_widths)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.recipes import RECIPES, model_widths
from stepbytoken.recipes.model_widths import (
    TRAIN_ARGS,
    WIDTHS,
    load_width_runs,
    tokenizer_sha256,
    width_data,
)
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.training import estimate_loss


@pytest.fixture(scope="module")
def data():
    return width_data()


def test_the_recipe_is_a_command():
    assert model_widths in RECIPES
    assert model_widths.NAME == "train widths"


def test_shipped_models_match_their_records(data):
    tokenizer, _, val_ids = data
    runs = load_width_runs(tokenizer)
    assert sorted(runs) == list(WIDTHS)
    for d_model, (model, result) in runs.items():
        assert model.config.d_model == d_model and not model.training
        assert len(result.train_loss) == TRAIN_ARGS["steps"] == result.eval_steps[-1]
        # train() estimates the held-out loss on fixed windows (seed + 1): the shipped weights
        # give back the recorded final estimate
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            loss = estimate_loss(
                model,
                val_ids,
                batch_size=TRAIN_ARGS["batch_size"],
                eval_batches=TRAIN_ARGS["eval_batches"],
                seed=TRAIN_ARGS["seed"] + 1,
            )
        finally:
            torch.set_num_threads(threads)
        assert loss == pytest.approx(result.final_val_loss, abs=1e-3)
    # the wider model learned more from the same batches
    assert runs[32][1].final_val_loss < runs[16][1].final_val_loss


def test_another_tokenizer_is_refused():
    other = BPETokenizer.train("a small text, not the small world", 5)
    with pytest.raises(ValueError, match="not the one the models"):
        load_width_runs(other)
    with pytest.raises(TypeError, match="tokenizer must be a BPETokenizer"):
        load_width_runs("tokenizer")
    assert tokenizer_sha256(other) == tokenizer_sha256(
        BPETokenizer.from_dict(other.to_dict())
    )
