"""Tests of the induction recipe and its artifact (stepbytoken.recipes.induction)."""

from __future__ import annotations

import json

import pytest
import torch

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256, load_reference
from stepbytoken.evaluation.induction import attention_scores, repeat_losses
from stepbytoken.recipes import induction
from stepbytoken.recipes.induction import (
    INDUCTION_DIR,
    load_induction,
    probe_lists,
    repeat_documents,
    train_induction,
)


@pytest.fixture(scope="module")
def shipped():
    return load_induction()


def test_the_shipped_manifest_is_pinned():
    assert file_sha256(INDUCTION_DIR / MANIFEST_FILE) == induction.MANIFEST_SHA256


def test_the_shipped_scores_match_the_model_and_show_an_induction_circuit(shipped):
    idx = probe_lists(shipped.tokenizer)
    scores = attention_scores(shipped.model, idx)
    first, second = repeat_losses(shipped.model, idx)
    recorded = shipped.scores
    torch.testing.assert_close(
        scores.prefix_matching,
        torch.tensor(recorded["prefix_matching"][-1]),
        atol=1e-4,
        rtol=0,
    )
    assert first == pytest.approx(recorded["loss_first"][-1], abs=1e-3)
    assert second == pytest.approx(recorded["loss_second"][-1], abs=1e-3)
    assert recorded["steps"][-1] == shipped.manifest["results"]["steps"]
    # the circuit formed: a previous-token head in layer 0, an induction head in layer 1,
    # and the repeat became far easier than the first half
    assert max(recorded["previous_token"][-1][0]) > 2 * max(
        recorded["previous_token"][0][0]
    )
    assert float(scores.prefix_matching[1].max()) > 0.3  # even attention: about 0.03
    assert second < 0.2 * first


def test_repeat_documents_repeat_their_words():
    tokenizer = load_reference().tokenizer
    ids = repeat_documents(tokenizer, 400, seed=3)
    assert ids.numel() == 400
    text = tokenizer.decode(ids.tolist())
    for doc in text.split("<|endoftext|>")[:-1]:
        lines = doc.strip().split("\n")
        assert len(lines) in (2, 3) and len(set(lines)) == 1
    assert torch.equal(ids, repeat_documents(tokenizer, 400, seed=3))


def test_the_recipe_runs_end_to_end(tmp_path):
    manifest = train_induction(tmp_path, steps=2, progress=False)
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["steps"] == [0, 2]
    assert len(scores["copying"][0]) == 2
    run = load_induction(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert run.manifest["recipe"] == manifest["recipe"]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        train_induction(tmp_path, steps=0)
    with pytest.raises(TypeError):
        repeat_documents("tokenizer", 10)


def test_a_device_that_is_not_there_is_refused_clearly(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"torch.cuda.is_available\(\) is False"):
        train_induction(tmp_path, steps=2, progress=False, device="cuda")
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda'"):
        train_induction(tmp_path, steps=2, progress=False, device="tpu")


def test_the_probe_lists_follow_the_pattern_documents(shipped):
    tokenizer = shipped.tokenizer
    idx = probe_lists(tokenizer)
    (newline,) = tokenizer.encode_ordinary("\n")
    half = idx.shape[1] // 2
    assert torch.equal(idx[:, :half], idx[:, half:])
    assert (idx[:, half - 1] == newline).all() and (idx[:, : half - 1] != newline).all()
    plain = probe_lists(tokenizer, 20, line_break=False)
    assert torch.equal(plain, idx[:, : half - 1].repeat(1, 2))
    with pytest.raises(ValueError, match="words"):
        probe_lists(tokenizer, 1)
