"""Tests of the reward-model and DPO recipes and their shipped artifacts."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.recipes import RECIPES, dpo, reward
from stepbytoken.recipes.dpo import load_dpo, train_dpo_model
from stepbytoken.recipes.reward import (
    _agreement,
    load_reward,
    pair_data,
    train_reward,
)
from stepbytoken.recipes.sft import load_sft
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import conversation_logprobs, conversation_rewards


@pytest.fixture(scope="module")
def assistant():
    return load_sft()


def test_the_recipes_are_commands():
    assert reward in RECIPES and dpo in RECIPES
    assert (reward.NAME, dpo.NAME) == ("train reward", "train dpo")


def test_training_and_held_out_pairs_do_not_share_a_prompt(assistant):
    train = {p.example.prompt for p in pair_data(assistant, "train")[2]}
    held = {p.example.prompt for p in pair_data(assistant, "heldout")[2]}
    assert len(held) > 100 and not train & held


def test_shipped_reward_model_reproduces_its_held_out_agreement(assistant):
    model, manifest = load_reward()
    pad_id = assistant.tokenizer.special_id(END)
    again = _agreement(model, *pair_data(assistant, "heldout"), pad_id)
    assert again == manifest["results"]["heldout"]
    assert again["accuracy"] > 0.5  # better than a coin


def test_shipped_dpo_model_moved_towards_the_chosen_answers(assistant):
    tuned = load_dpo()
    pad_id = assistant.tokenizer.special_id(END)
    chosen, rejected, _ = pair_data(assistant, "heldout")
    measured = manifest_pairs = tuned.manifest["results"]["heldout_pairs"]
    ratio = [
        a - b
        for a, b in zip(
            conversation_logprobs(tuned.model, chosen[:50], pad_id=pad_id),
            conversation_logprobs(assistant.model, chosen[:50], pad_id=pad_id),
            strict=True,
        )
    ]
    assert measured["implicit_reward_accuracy"] > 0.5
    assert manifest_pairs["chosen_logratio"] > manifest_pairs["rejected_logratio"]
    assert sum(ratio) != 0  # the weights differ from the assistant's


def test_rewards_refuse_a_language_model(assistant):
    with pytest.raises(TypeError, match="RewardModel"):
        conversation_rewards(assistant.model, [], pad_id=0)


def test_short_runs_write_artifacts_that_load(tmp_path):
    manifest = train_reward(tmp_path / "r", steps=2, progress=False)
    assert manifest["results"]["steps"] == 2
    model, _ = load_reward(
        tmp_path / "r", manifest_sha256=file_sha256(tmp_path / "r" / MANIFEST_FILE)
    )
    assert not model.training
    manifest = train_dpo_model(tmp_path / "d", steps=2, eval_per_kind=1, progress=False)
    assert set(manifest["results"]["dpo"]) >= {"fact", "unknown"}
    tuned = load_dpo(
        tmp_path / "d", manifest_sha256=file_sha256(tmp_path / "d" / MANIFEST_FILE)
    )
    assert tuned.model.config.vocab_size == tuned.tokenizer.vocab_size
