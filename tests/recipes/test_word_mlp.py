"""Tests of chapter 1's MLP recipe and its shipped artifact (stepbytoken.recipes.word_mlp)."""

from __future__ import annotations

import json

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation import perplexity
from stepbytoken.recipes import RECIPES, word_mlp
from stepbytoken.recipes.word_mlp import (
    TRAIN_ARGS,
    fit_word_mlp,
    load_word_mlp,
    train_word_mlp,
    vocab_sha256,
    word_data,
)
from stepbytoken.tokenizers import WordVocab


@pytest.fixture(scope="module")
def data():
    return word_data()


def test_the_recipe_is_a_command():
    assert word_mlp in RECIPES
    assert word_mlp.NAME == "train word-mlp"


def test_shipped_model_matches_its_record(data):
    vocab, _, heldout_ids = data
    model, result, timing = load_word_mlp(vocab)
    assert not model.training
    assert result.config.steps == TRAIN_ARGS["steps"] == len(result.train_loss)
    assert result.eval_steps[-1] == TRAIN_ARGS["steps"]
    assert timing["training_cpu_s"] > 0 and timing["training_time_s"] > 0
    # The recorded held-out loss was estimated on random windows; the full held-out text's
    # loss, ln(perplexity), agrees with it to within a few hundredths of a nat.
    full = torch.tensor(perplexity(model, heldout_ids)).log().item()
    assert abs(full - result.final_val_loss) < 0.1
    assert full < result.eval_val_loss[0] - 3  # it learned: from about ln(vocab) = 8.3


def test_a_short_run_writes_an_artifact_that_loads_and_reproduces(tmp_path, data):
    vocab, train_ids, heldout_ids = data
    manifest = train_word_mlp(tmp_path / "a", steps=3, progress=False)
    assert manifest["results"]["steps"] == 3 and manifest["data"]["vocab_size"] == len(
        vocab
    )
    digest = file_sha256(tmp_path / "a" / MANIFEST_FILE)
    model, result, timing = load_word_mlp(vocab, tmp_path / "a", manifest_sha256=digest)
    assert result.eval_steps == [0, 3] and set(timing) == {
        "training_time_s",
        "training_cpu_s",
    }
    # the same settings and seed in this process (one thread, as the recipe) give the same
    # weights and losses
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        again, run = fit_word_mlp(vocab, train_ids, heldout_ids, steps=3)
    finally:
        torch.set_num_threads(threads)
    pairs = zip(model.parameters(), again.parameters(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert result.train_loss == [round(x, 4) for x in run.train_loss]
    # and a rerun writes a byte-identical manifest
    train_word_mlp(tmp_path / "b", steps=3, progress=False)
    assert file_sha256(tmp_path / "b" / MANIFEST_FILE) == digest


def test_another_vocabulary_is_refused(data):
    vocab, _, _ = data
    other = WordVocab(vocab.itos[:-1])
    assert vocab_sha256(other) != vocab_sha256(vocab)
    with pytest.raises(ValueError, match="not the vocabulary the model"):
        load_word_mlp(other)
    with pytest.raises(TypeError, match="vocab must be a WordVocab"):
        load_word_mlp(vocab.itos)


def test_a_changed_manifest_is_refused(tmp_path, data):
    vocab, _, _ = data
    train_word_mlp(tmp_path, steps=1, progress=False)
    digest = file_sha256(tmp_path / MANIFEST_FILE)
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    manifest["parameters"] += 1
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="sha256|SHA-256"):
        load_word_mlp(vocab, tmp_path, manifest_sha256=digest)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"progress": None}, TypeError, "progress must be a bool"),
        ({"progress": "no"}, TypeError, "progress must be a bool"),
        ({"force": None}, TypeError, "force must be a bool"),
        ({"steps": 1.5}, TypeError, "steps must be an int >= 1"),
        ({"steps": 0}, ValueError, "steps must be an int >= 1"),
    ],
)
def test_train_word_mlp_refuses_bad_arguments_before_training(
    tmp_path, kwargs, error, match
):
    with pytest.raises(error, match=match):
        train_word_mlp(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_fit_word_mlp_refuses_bad_arguments_by_name():
    vocab = WordVocab(["<s>", "<unk>", "a", "b"])
    ids = [0, 2, 3] * 20
    with pytest.raises(TypeError, match="vocab must be a WordVocab"):
        fit_word_mlp(["a", "b"], ids, ids, steps=1)
    with pytest.raises(ValueError, match=r"train_ids\[1\] must be an int in \[0, 3\]"):
        fit_word_mlp(vocab, [0, 4, 3] * 20, ids, steps=1)
    with pytest.raises(TypeError, match="heldout_ids must be a sequence of ints"):
        fit_word_mlp(vocab, ids, None, steps=1)
    with pytest.raises(TypeError, match="progress must be a bool"):
        fit_word_mlp(vocab, ids, ids, steps=1, progress=None)


@pytest.mark.parametrize("directory", [3, b"out", ""])
def test_load_word_mlp_refuses_what_is_not_a_folder_by_name(data, directory):
    vocab = data[0]
    with pytest.raises((TypeError, ValueError), match="directory must be a"):
        load_word_mlp(vocab, directory)
