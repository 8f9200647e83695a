"""Tests of chapter 7's decoder recipe and its shipped scores (stepbytoken.recipes.decoders)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.evaluation import compare_decoders
from stepbytoken.recipes import RECIPES, decoders
from stepbytoken.recipes.decoders import (
    DECODER_ARGS,
    SETTINGS,
    decoder_openings,
    load_decoder_scores,
)


@pytest.fixture(scope="module")
def prompts():
    return decoder_openings()[:, :7].tolist()


def test_the_recipe_is_a_command():
    assert decoders in RECIPES
    assert decoders.NAME == "decoders"


def test_shipped_scores_are_what_compare_decoders_returns(prompts):
    scores = load_decoder_scores(prompts, SETTINGS, **DECODER_ARGS)
    assert list(scores) == list(SETTINGS)
    # Each setting is sampled with the same seed, independently of the others: recompute two.
    some = {name: SETTINGS[name] for name in ("greedy", "top-p = 0.9")}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the recipe
    try:
        fresh = compare_decoders(load_reference().model, prompts, some, **DECODER_ARGS)
    finally:
        torch.set_num_threads(threads)
    for name, result in fresh.items():
        for score, values in result.items():
            np.testing.assert_allclose(scores[name][score], values, rtol=0, atol=1e-6)


def test_other_arguments_are_refused(prompts):
    with pytest.raises(ValueError, match="must be those of the recipe"):
        load_decoder_scores(prompts, SETTINGS, **{**DECODER_ARGS, "n_samples": 4})
    with pytest.raises(ValueError, match="must be those of the recipe"):
        load_decoder_scores(prompts[:-1], SETTINGS, **DECODER_ARGS)
    changed = {**SETTINGS, "T = 1": {"temperature": 1.1}}
    with pytest.raises(ValueError, match="must be those of the recipe"):
        load_decoder_scores(prompts, changed, **DECODER_ARGS)
