"""Tests of the assistant's recipe and its shipped artifact (stepbytoken.recipes.sft)."""

from __future__ import annotations

import json

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.assistant import grade, summarise
from stepbytoken.generation import generate
from stepbytoken.recipes import RECIPES, sft
from stepbytoken.recipes.sft import (
    EVAL_PER_KIND,
    TRAIN_ARGS,
    eval_examples,
    eval_toolbox,
    load_sft,
    train_sft,
)
from stepbytoken.tokenizers.chat import END, chat_prompt
from stepbytoken.world.conversation import Message


@pytest.fixture(scope="module")
def assistant():
    return load_sft()


def test_the_recipe_is_a_command():
    assert sft in RECIPES
    assert sft.NAME == "train sft"


def test_held_out_examples_share_nothing_with_the_training_mixture():
    from stepbytoken.world import make_world
    from stepbytoken.world.instructions import training_examples

    held = {e.prompt for e in eval_examples()}
    trained = {e.prompt for e in training_examples(make_world(0), sft.N_EXAMPLES)}
    assert len(held) > 5 * EVAL_PER_KIND and not held & trained


def test_shipped_assistant_reproduces_its_recorded_grades(assistant):
    """Greedy answers are deterministic: grading the loaded model again gives the record."""
    results = assistant.manifest["results"]
    assert results["steps"] == TRAIN_ARGS["steps"]
    for kind in ("fact", "unknown"):
        examples = [e for e in eval_examples() if e.kind == kind]
        rows = grade(
            assistant.model, assistant.tokenizer, examples, toolbox=eval_toolbox()
        )
        assert summarise(rows)[kind] == results["sft"][kind]
    # fine-tuning taught the format: the base model, asked in it, gets nothing right
    assert results["sft"]["unknown"]["correct"] > results["base"]["unknown"]["correct"]
    assert results["sft"]["fact"]["correct"] > results["base"]["fact"]["correct"]


def test_shipped_assistant_ends_its_message(assistant):
    """The base model never writes <|end|>; the assistant closes its answer with it."""
    tok = assistant.tokenizer
    prompt = chat_prompt(tok, [Message("user", "Who is the king of Zorbania?")])
    out = generate(
        assistant.model, prompt, 30, greedy=True, stop_token=tok.special_id(END)
    )
    answer = out[len(prompt) :].tolist()
    assert answer[-1] == tok.special_id(END) and len(answer) < 30


def test_a_short_run_writes_an_artifact_that_loads(tmp_path):
    manifest = train_sft(tmp_path / "a", steps=2, eval_per_kind=1, progress=False)
    assert manifest["results"]["steps"] == 2
    assert set(manifest["results"]["sft"]) == set(manifest["results"]["base"])
    digest = file_sha256(tmp_path / "a" / MANIFEST_FILE)
    loaded = load_sft(tmp_path / "a", manifest_sha256=digest)
    assert loaded.model.config.vocab_size == loaded.tokenizer.vocab_size
    # a rerun writes a byte-identical manifest (and so identical weights)
    train_sft(tmp_path / "b", steps=2, eval_per_kind=1, progress=False)
    assert file_sha256(tmp_path / "b" / MANIFEST_FILE) == digest


def test_a_manifest_from_another_tokenizer_is_refused(tmp_path):
    train_sft(tmp_path, steps=1, eval_per_kind=1, progress=False)
    path = tmp_path / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["tokenizer_sha256"] = "0" * 64
    path.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="another tokenizer"):
        load_sft(tmp_path, manifest_sha256=file_sha256(path))


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="steps"):
        train_sft(tmp_path, steps=0)
    with pytest.raises(ValueError, match="eval_per_kind"):
        train_sft(tmp_path, eval_per_kind=0)
