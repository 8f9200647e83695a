"""Tests of chapter 3's word-vector recipe and its shipped artifact (recipes.word_vectors)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.recipes import RECIPES, word_vectors
from stepbytoken.recipes.word_vectors import (
    TRAIN_ARGS,
    corpus_words,
    load_word_vectors,
    train_vectors,
)
from stepbytoken.training import train_word_vectors


def test_the_recipe_is_a_command():
    assert word_vectors in RECIPES
    assert word_vectors.NAME == "train word-vectors"


def test_shipped_vectors_load_for_chapter_3s_words():
    text_words = corpus_words()
    wv, timing = load_word_vectors(text_words)
    assert wv.dim == TRAIN_ARGS["dim"] and len(wv.losses) == TRAIN_ARGS["epochs"]
    assert wv.losses[-1] < wv.losses[0]  # the loss per pair fell
    assert timing["training_cpu_s"] > 0
    # every word seen at least min_count times, as train_word_vectors builds its vocabulary
    assert min(wv.vocab.counts) >= TRAIN_ARGS["min_count"]
    # two trades
    assert wv.similarity("baker", "smith") > wv.similarity("baker", "blue")


def test_other_words_are_refused():
    with pytest.raises(ValueError, match="not the words the vectors"):
        load_word_vectors(["a", "few", "other", "words"])
    with pytest.raises(TypeError, match="text_words must be a list"):
        load_word_vectors("a string")


def test_the_recipe_reproduces_the_shipped_files(tmp_path, monkeypatch):
    # A smaller run (1 epoch) twice: byte-identical manifests, and the same vectors as
    # train_word_vectors gives directly with those settings.
    monkeypatch.setitem(TRAIN_ARGS, "epochs", 1)
    train_vectors(tmp_path / "a")
    train_vectors(tmp_path / "b")
    digest = file_sha256(tmp_path / "a" / MANIFEST_FILE)
    assert file_sha256(tmp_path / "b" / MANIFEST_FILE) == digest
    wv, _ = load_word_vectors(directory=tmp_path / "a", manifest_sha256=digest)
    direct = train_word_vectors(corpus_words(), **TRAIN_ARGS)
    assert torch.equal(wv.weight, direct.weight)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"text_words": [None]},
            TypeError,
            r"text_words\[0\] must be a str, got NoneType",
        ),
        ({"text_words": "the cat"}, TypeError, "text_words must be a list of str"),
        ({"directory": 3}, TypeError, "directory must be a str or path, got int"),
        (
            {"directory": b"out"},
            TypeError,
            "directory must be a str or path, got bytes",
        ),
        ({"directory": ""}, ValueError, "directory must be a non-empty path"),
    ],
)
def test_load_word_vectors_refuses_bad_arguments_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_word_vectors(**kwargs)
