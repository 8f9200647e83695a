"""Tests of chapter 10's reader recipe and its shipped artifact (stepbytoken.recipes.reader)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.recipes import RECIPES, reader
from stepbytoken.recipes.reader import (
    TRAIN_ARGS,
    load_reader,
    oracle_accuracy,
    reader_training_examples,
    train_reader,
)
from stepbytoken.world import make_world
from stepbytoken.world.entity_split import split_entities


@pytest.fixture(scope="module")
def model():
    return load_reader()


def test_the_recipe_is_a_command():
    assert reader in RECIPES and reader.NAME == "train reader"


def test_no_unseen_name_is_ever_trained_on():
    world = make_world(reader.WORLD_SEED)
    banned = split_entities(world).never_in_training()
    for example in reader_training_examples()[: reader.N_READING]:
        text = " ".join(m.content for m in example.messages)
        assert not set(text.replace(".", " ").replace(",", " ").split()) & banned


def test_shipped_reader_reproduces_its_recorded_accuracy(model):
    """Greedy answers are deterministic: the first questions give the recorded share."""
    results = model.manifest["results"]
    assert results["steps"] == TRAIN_ARGS["steps"]
    # reading practice about strangers taught the assistant to copy from the chunk
    assert results["oracle_accuracy_after"] > results["oracle_accuracy_before"] + 0.3
    first = oracle_accuracy(model.model, model.tokenizer, n=24)
    assert 0.0 <= first <= 1.0
    assert first > results["oracle_accuracy_before"]


def test_a_short_run_writes_an_artifact_that_loads(tmp_path):
    manifest = train_reader(tmp_path / "a", steps=2, evaluate=False, progress=False)
    assert manifest["results"]["steps"] == 2
    digest = file_sha256(tmp_path / "a" / MANIFEST_FILE)
    loaded = load_reader(tmp_path / "a", manifest_sha256=digest)
    assert loaded.model.config.vocab_size == loaded.tokenizer.vocab_size
