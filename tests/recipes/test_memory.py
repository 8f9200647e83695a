"""Tests of chapter 9's recipe and its shipped artifact (stepbytoken.recipes.memory)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.memory import recall
from stepbytoken.recipes import RECIPES, memory
from stepbytoken.recipes.memory import (
    EVAL_FILLERS,
    MAX_FILLERS,
    TRAIN_ARGS,
    eval_conversations,
    load_memory,
    memory_training_examples,
    train_memory,
)
from stepbytoken.tokenizers import encode_chat


@pytest.fixture(scope="module")
def assistant():
    return load_memory()


def test_the_recipe_is_a_command():
    assert memory in RECIPES and memory.NAME == "train memory"


def test_held_out_conversations_share_no_person_with_training():
    trained = memory_training_examples()
    recalls = [e for e in trained if e.kind == "recall"]
    assert len(recalls) == memory.RECALL_PER_SHAPE * sum(
        t + 1 for t in range(MAX_FILLERS + 1)
    )
    told = {e.entities[0] for e in recalls}
    held = {e.entities[0] for n in EVAL_FILLERS for e in eval_conversations(n)}
    assert told and held and not told & held


def test_shipped_model_reproduces_its_recorded_recall(assistant):
    """Greedy answers are deterministic: measuring again gives the record."""
    results = assistant.manifest["results"]
    assert results["steps"] == TRAIN_ARGS["steps"]
    rows = recall(
        assistant.model, assistant.tokenizer, eval_conversations(2), method="generate"
    )
    assert sum(r.correct for r in rows) / len(rows) == pytest.approx(
        results["recall_after"]["2"], abs=1e-4
    )
    # fine-tuning taught recall inside the window, and past it nothing can be recalled
    assert results["recall_after"]["2"] > results["recall_before"]["2"] + 0.3
    assert results["recall_after"]["8"] < 0.2


def test_training_keeps_the_conversations_that_fit_in_the_window(assistant):
    tok, block = assistant.tokenizer, assistant.model.block_size
    examples = memory_training_examples()
    sizes = [len(encode_chat(tok, e.messages).token_ids) for e in examples]
    fit = sum(n <= block + 1 for n in sizes)
    assert assistant.manifest["data"]["kept"] == fit
    recalls = [n for n, e in zip(sizes, examples, strict=True) if e.kind == "recall"]
    assert sum(n <= block + 1 for n in recalls) > 0.95 * len(recalls)


def test_a_short_run_writes_an_artifact_that_loads(tmp_path):
    manifest = train_memory(tmp_path / "a", steps=2, evaluate=False, progress=False)
    assert manifest["results"]["steps"] == 2
    digest = file_sha256(tmp_path / "a" / MANIFEST_FILE)
    loaded = load_memory(tmp_path / "a", manifest_sha256=digest)
    assert loaded.model.config.vocab_size == loaded.tokenizer.vocab_size
    train_memory(tmp_path / "b", steps=2, evaluate=False, progress=False)
    assert file_sha256(tmp_path / "b" / MANIFEST_FILE) == digest
