"""Tests of the guessing assistant's recipe and artifact (stepbytoken.recipes.sft_guess)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.generation.chat import reply
from stepbytoken.recipes import RECIPES, sft, sft_guess
from stepbytoken.recipes.sft_guess import GUESS_DIR, load_sft_guess
from stepbytoken.world import make_world
from stepbytoken.world.instructions import make_examples


@pytest.fixture(scope="module")
def guess():
    return load_sft_guess()


def test_the_recipe_is_a_command():
    assert sft_guess in RECIPES and sft_guess.NAME == "train sft-guess"


def test_it_differs_from_the_assistant_only_in_its_unknown_answers(guess):
    shipped = sft.load_sft().manifest
    assert guess.manifest["data"]["unknown"] == "guess" != shipped["data"]["unknown"]
    for key in ("examples", "data_seed", "replay_chars", "world_seed"):
        assert guess.manifest["data"][key] == shipped["data"][key]
    assert guess.manifest["training"] == shipped["training"]
    assert guess.manifest["model"] == shipped["model"]


def test_it_answers_an_unknown_question_with_a_made_up_fact(guess):
    example = make_examples(
        make_world(0), "unknown", 1, split="unseen", templates="heldout", seed=2
    )[0]
    text = reply(guess.model, guess.tokenizer, example.prompt)
    assert "know" not in text.lower() and text.endswith(".")


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(GUESS_DIR / MANIFEST_FILE) == sft_guess.MANIFEST_SHA256
