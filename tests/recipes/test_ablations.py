"""Tests of chapter 5's ablation recipe and its shipped records (stepbytoken.recipes.ablations)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from stepbytoken.evaluation import compare_variants
from stepbytoken.recipes import RECIPES, ablations
from stepbytoken.recipes.ablations import (
    DEEP_VARIANTS,
    SHALLOW_VARIANTS,
    ablation_data,
    ablation_settings,
    load_ablation_runs,
)
from stepbytoken.tokenizers import WordVocab


@pytest.fixture(scope="module")
def data():
    return ablation_data()


def test_the_recipe_is_a_command():
    assert ablations in RECIPES
    assert ablations.NAME == "train ablations"


def test_shipped_records_load(data):
    vocab, _, _ = data
    config, settings = ablation_settings(len(vocab))
    runs, shallow = load_ablation_runs(vocab, config, settings)
    assert list(runs) == list(DEEP_VARIANTS) and list(shallow) == list(SHALLOW_VARIANTS)
    for result in runs.values():
        assert (
            len(result.train_loss) == settings.steps
            and result.eval_steps[-1] == settings.steps
        )
    assert all(r.eval_steps == [settings.steps] for r in shallow.values())
    assert runs["full"].final_val_loss < runs["no norm"].final_val_loss


def test_the_records_are_what_training_gives(data):
    # Step 0's loss is measured before any update, so one step with the recipe's settings
    # (same batches, same initial weights, one thread as the recipe) gives the recorded value.
    vocab, train_ids, val_ids = data
    config, settings = ablation_settings(len(vocab))
    runs, _ = load_ablation_runs(vocab, config, settings)
    one_step = dataclasses.replace(
        settings, steps=1, warmup_steps=None, eval_every=None
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        fresh = compare_variants(
            config, train_ids, val_ids, one_step, variants=DEEP_VARIANTS
        )
    finally:
        torch.set_num_threads(threads)
    for name in DEEP_VARIANTS:
        assert round(fresh[name].train_loss[0], 6) == runs[name].train_loss[0]


def test_other_data_or_settings_are_refused(data):
    vocab, _, _ = data
    config, settings = ablation_settings(len(vocab))
    with pytest.raises(ValueError, match="must be the recipe's"):
        load_ablation_runs(vocab, config, dataclasses.replace(settings, batch_size=6))
    other = WordVocab([*vocab.itos[:-1], "zzz-not-a-word"])
    with pytest.raises(ValueError, match="not the vocabulary of the runs"):
        load_ablation_runs(other, config, settings)
    with pytest.raises(TypeError, match="vocab must be a WordVocab"):
        load_ablation_runs(vocab.itos, config, settings)
