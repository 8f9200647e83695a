"""Tests for stepbytoken.artifacts.reference: the shipped model, its hash checks, and the recipe."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
import torch

from stepbytoken.artifacts import file_sha256, reference
from stepbytoken.cli import main
from stepbytoken.generation import generate
from stepbytoken.nn import GPT, count_parameters
from stepbytoken.world import DOC_SEPARATOR, make_world, words

# What the shipped model must still achieve (the manifest records what the recipe measured);
# lower these only together with a rebuilt model and an honest reason.
MIN_TRAIN_FACT_ACCURACY = 0.8
MAX_HELDOUT_FACT_ACCURACY = 0.2


@pytest.fixture(scope="module")
def ref() -> reference.Reference:
    return reference.load_reference()


@pytest.fixture(scope="module")
def world():
    return make_world(reference.WORLD_SEED)


# -- the shipped files ------------------------------------------------------------------------


def test_pinned_manifest_matches_the_shipped_file():
    assert file_sha256(reference.REFERENCE_DIR / "manifest.json") == reference.MANIFEST_SHA256


def test_shipped_files_are_small():
    sizes = {p.name: p.stat().st_size for p in reference.REFERENCE_DIR.iterdir()}
    assert set(sizes) == {"model.safetensors", "tokenizer.json", "manifest.json"}
    assert sum(sizes.values()) < 8_000_000


def test_load_reference(ref):
    assert isinstance(ref.model, GPT) and not ref.model.training
    manifest = ref.manifest
    assert ref.config.vocab_size == ref.tokenizer.vocab_size == manifest["model"]["vocab_size"]
    assert ref.config.block_size == manifest["model"]["block_size"]
    assert count_parameters(ref.model) == manifest["parameters"]
    assert ref.model.lm_head.weight is ref.model.wte.weight  # still tied
    assert reference.load_reference() is ref  # cached


def test_manifest_records_the_recipe(ref):
    manifest = ref.manifest
    settings = reference.reference_settings()
    assert manifest["tokenizer"]["num_merges"] == settings["num_merges"]
    assert manifest["tokenizer"]["special_tokens"] == [DOC_SEPARATOR]
    for key, value in settings["model_args"].items():
        assert manifest["model"][key] == value
    for key, value in settings["train_args"].items():
        assert manifest["training"][key] == value
    assert manifest["results"]["steps"] == settings["train_args"]["steps"]
    assert manifest["corpus"]["args"] == settings["corpus_args"]


def test_the_corpus_has_not_drifted(ref):
    # If world.py changes, the shipped model was trained on another corpus: rerun the recipe.
    corpus = reference.reference_corpus()
    assert hashlib.sha256(corpus.encode("utf-8")).hexdigest() == ref.manifest["corpus"]["sha256"]


def test_recorded_fact_accuracies(ref):
    results = ref.manifest["results"]
    assert results["train_fact_accuracy"] >= MIN_TRAIN_FACT_ACCURACY
    assert results["heldout_fact_accuracy"] <= MAX_HELDOUT_FACT_ACCURACY
    assert results["final_val_loss"] < 2.0 and results["final_train_loss"] < 2.0


def test_live_answers_match_the_recorded_accuracy(ref, world):
    pairs = world.questions("train")[::39]  # 20 questions spread over every relation
    assert len(pairs) == 20
    accuracy = reference.fact_accuracy(ref.model, ref.tokenizer, pairs)
    assert accuracy >= ref.manifest["results"]["train_fact_accuracy"] - 0.15


def test_heldout_answers_are_confident_inventions(ref, world):
    pairs = world.questions("heldout")[:12]
    answers = reference.answer_questions(ref.model, ref.tokenizer, [q for q, _ in pairs])
    assert all(answers), answers  # it always answers something...
    assert sum(a == b for a, (_, b) in zip(answers, pairs, strict=True)) <= 3  # ...mostly wrong


def test_story_continuation_uses_the_worlds_words(ref, world):
    person = next(p for p in world.people if p.role == "adult")
    prompt = f"{DOC_SEPARATOR}\n{person.name} lives in"
    idx = torch.tensor(ref.tokenizer.encode(prompt))
    out = generate(ref.model, idx, 40, greedy=True)
    text = ref.tokenizer.decode(out[len(idx) :].tolist())
    known = set(words(reference.reference_corpus()))
    new_words = words(text.split(DOC_SEPARATOR)[0])
    assert len(new_words) >= 5
    assert set(new_words) <= known, set(new_words) - known
    assert text.split()[0] == person.home  # the town it read about


def test_answer_questions_checks_arguments(ref):
    with pytest.raises(TypeError, match="list of strings"):
        reference.answer_questions(ref.model, ref.tokenizer, "What?")
    with pytest.raises(ValueError, match="max_new_tokens"):
        reference.answer_questions(ref.model, ref.tokenizer, ["What?"], max_new_tokens=0)
    with pytest.raises(TypeError, match="BPETokenizer"):
        reference.answer_questions(ref.model, "tok", ["What?"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        reference.fact_accuracy(ref.model, ref.tokenizer, [])


# -- hash checks and missing files ------------------------------------------------------------


@pytest.fixture
def shipped_copy(tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(reference.REFERENCE_DIR, folder)
    return folder


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json", "manifest.json"])
def test_a_flipped_byte_is_refused(shipped_copy, name):
    path = shipped_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256") as info:
        reference.load_reference(shipped_copy)
    assert "corrupted or was changed" in str(info.value)


def test_an_intact_copy_loads(shipped_copy, ref):
    copy = reference.load_reference(shipped_copy)
    assert copy is not ref
    idx = torch.tensor([ref.tokenizer.encode("Q: What is the capital of")])
    assert torch.equal(copy.model(idx)[0], ref.model(idx)[0])


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json", "manifest.json"])
def test_a_missing_file_names_the_recipe(shipped_copy, name):
    (shipped_copy / name).unlink()
    with pytest.raises(FileNotFoundError, match="python -m stepbytoken train reference"):
        reference.load_reference(shipped_copy)


def test_bad_manifest_hash_argument(shipped_copy):
    with pytest.raises(ValueError, match="64 hex digits"):
        reference.load_reference(shipped_copy, manifest_sha256="abc")


# -- the recipe, end to end, at toy size ------------------------------------------------------


@pytest.fixture
def toy_recipe(monkeypatch):
    """Shrink the recipe's corpus, tokenizer and model so that it runs in seconds."""
    monkeypatch.setattr(reference, "CORPUS_ARGS", {"n_stories": 40, "seed": 0})
    monkeypatch.setattr(reference, "NUM_MERGES", 40)
    monkeypatch.setattr(
        reference, "MODEL_ARGS", {**reference.MODEL_ARGS, "n_layer": 1, "d_model": 16}
    )
    monkeypatch.setattr(
        reference, "TRAIN_ARGS", {**reference.TRAIN_ARGS, "batch_size": 4, "eval_batches": 1}
    )


def test_recipe_runs_end_to_end(tmp_path, toy_recipe):
    manifest = reference.train_reference(tmp_path, steps=3, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "model.safetensors",
        "tokenizer.json",
    ]
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    results = manifest["results"]
    assert results["steps"] == 3 and manifest["training"]["steps"] == 3
    assert results["eval_steps"] == [0, 3]
    assert 0.0 <= results["train_fact_accuracy"] <= 1.0
    corpus = reference.reference_corpus()
    assert manifest["corpus"]["sha256"] == hashlib.sha256(corpus.encode()).hexdigest()
    assert manifest["corpus"]["val_documents"] == (corpus.count(DOC_SEPARATOR) + 1) // 20

    loaded = reference.load_reference(
        tmp_path, manifest_sha256=file_sha256(tmp_path / "manifest.json")
    )
    assert loaded.config.d_model == 16 and loaded.manifest == manifest


def test_recipe_checks_steps(tmp_path):
    with pytest.raises(ValueError, match="positive int"):
        reference.train_reference(tmp_path, steps=0)
    with pytest.raises(TypeError, match="positive int"):
        reference.train_reference(tmp_path, steps=2.5)  # type: ignore[arg-type]


def test_cli_trains_and_prints_the_hash(tmp_path, toy_recipe, capsys):
    assert main(["train", "reference", "--steps", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"sha256 of the manifest: {file_sha256(tmp_path / 'manifest.json')}" in out
    assert "update it to ship the new files" in out
