"""Tests for stepbytoken.artifacts.reference: the shipped model, loading it, and its hash checks."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from stepbytoken.artifacts import (
    MANIFEST_SHA256,
    REFERENCE_DIR,
    file_sha256,
    load_reference,
)
from stepbytoken.generation import generate
from stepbytoken.nn import GPT, count_parameters
from stepbytoken.recipes import WORLD_SEED, reference_corpus
from stepbytoken.world import DOC_SEPARATOR, make_world, words

# What the shipped model must still achieve (the manifest records what the recipe measured);
# lower these only together with a rebuilt model and an honest reason.
MIN_TRAIN_FACT_ACCURACY = 0.8
MAX_HELDOUT_FACT_ACCURACY = 0.2


# -- the shipped files ------------------------------------------------------------------------


def test_pinned_manifest_matches_the_shipped_file():
    assert file_sha256(REFERENCE_DIR / "manifest.json") == MANIFEST_SHA256


def test_shipped_files_are_small():
    sizes = {p.name: p.stat().st_size for p in REFERENCE_DIR.iterdir()}
    assert set(sizes) == {
        "model.safetensors",
        "tokenizer.json",
        "manifest.json",
        "timing.json",
    }
    assert sum(sizes.values()) < 8_000_000


def test_load_reference(ref):
    assert isinstance(ref.model, GPT) and not ref.model.training
    manifest = ref.manifest
    assert (
        ref.config.vocab_size
        == ref.tokenizer.vocab_size
        == manifest["model"]["vocab_size"]
    )
    assert ref.config.block_size == manifest["model"]["block_size"]
    assert count_parameters(ref.model) == manifest["parameters"]
    assert ref.model.lm_head.weight is ref.model.wte.weight  # still tied
    assert load_reference() is ref  # cached


def test_recorded_fact_accuracies(ref):
    results = ref.manifest["results"]
    assert results["train_fact_accuracy"] >= MIN_TRAIN_FACT_ACCURACY
    assert results["heldout_fact_accuracy"] <= MAX_HELDOUT_FACT_ACCURACY
    assert results["final_val_loss"] < 2.0 and results["final_train_loss"] < 2.0


def test_story_continuation_uses_the_worlds_words(ref):
    world = make_world(WORLD_SEED)
    person = next(p for p in world.people if p.role == "adult")
    prompt = f"{DOC_SEPARATOR}\n{person.name} lives in"
    idx = torch.tensor(ref.tokenizer.encode(prompt))
    out = generate(ref.model, idx, 40, greedy=True)
    text = ref.tokenizer.decode(out[len(idx) :].tolist())
    known = set(words(reference_corpus()))
    new_words = words(text.split(DOC_SEPARATOR)[0])
    assert len(new_words) >= 5
    assert set(new_words) <= known, set(new_words) - known
    assert text.split()[0] == person.home  # the town it read about


# -- hash checks and missing files ------------------------------------------------------------


@pytest.fixture
def shipped_copy(tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    return folder


@pytest.mark.parametrize(
    "name", ["model.safetensors", "tokenizer.json", "manifest.json"]
)
def test_a_flipped_byte_is_refused(shipped_copy, name):
    path = shipped_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256") as info:
        load_reference(shipped_copy)
    assert "corrupted or was changed" in str(info.value)
    # how to rebuild it
    assert "python -m stepbytoken train reference" in str(info.value)


def test_an_intact_copy_loads(shipped_copy, ref):
    copy = load_reference(shipped_copy)
    assert copy is not ref
    idx = torch.tensor([ref.tokenizer.encode("Q: What is the capital of")])
    assert torch.equal(copy.model(idx)[0], ref.model(idx)[0])
    assert (
        load_reference(shipped_copy, manifest_sha256=MANIFEST_SHA256.upper()) is not ref
    )


@pytest.mark.parametrize(
    "name", ["model.safetensors", "tokenizer.json", "manifest.json"]
)
def test_a_missing_file_names_the_recipe(shipped_copy, name):
    (shipped_copy / name).unlink()
    with pytest.raises(
        FileNotFoundError, match="python -m stepbytoken train reference"
    ):
        load_reference(shipped_copy)


def test_bad_manifest_hash_argument(shipped_copy):
    with pytest.raises(ValueError, match="64 hex digits"):
        load_reference(shipped_copy, manifest_sha256="abc")
    with pytest.raises(TypeError, match="manifest_sha256 must be a str"):
        load_reference(shipped_copy, manifest_sha256=123)  # type: ignore[arg-type]


def test_a_manifest_of_another_kind_is_refused(shipped_copy):
    path = shipped_copy / "manifest.json"
    path.write_bytes(
        path.read_bytes().replace(b"stepbytoken-reference", b"stepbytoken-other")
    )
    with pytest.raises(
        ValueError, match="not a version-2 stepbytoken-reference manifest"
    ):
        load_reference(shipped_copy, manifest_sha256=file_sha256(path))


# -- timing, and malformed files of one's own ---------------------------------------------------


def test_training_time_comes_from_the_unhashed_timing_file(ref):
    # The hashed manifest holds no duration; the loader merges timing.json into the results,
    # which is where the chapter pages read the training time.
    hashed = json.loads((REFERENCE_DIR / "manifest.json").read_text())
    assert "training_time_s" not in hashed["results"]
    timing = json.loads((REFERENCE_DIR / "timing.json").read_text())
    assert ref.manifest["results"]["training_time_s"] == timing["training_time_s"] > 0
    assert {k: v for k, v in ref.manifest.items() if k != "results"} == {
        k: v for k, v in hashed.items() if k != "results"
    }


def test_the_weights_are_the_ones_the_model_was_trained_to():
    # Rewriting the manifest in version 2 left the weights alone.
    weights = REFERENCE_DIR / "model.safetensors"
    assert file_sha256(weights) == (
        "0c1daebbeb6afbdfacbbd78d4c061cb0c0bb854ebdf6386cfc0ded1b6765c7d5"
    )


def test_a_missing_timing_file_loads_without_a_time(shipped_copy):
    (shipped_copy / "timing.json").unlink()
    assert "training_time_s" not in load_reference(shipped_copy).manifest["results"]


@pytest.mark.parametrize(
    "text", ["{", "[1, 2]", '{"training_time_s": -1}', '{"t": "x"}']
)
def test_a_malformed_timing_file_is_named(shipped_copy, text):
    (shipped_copy / "timing.json").write_text(text)
    with pytest.raises(ValueError, match=r"timing\.json") as info:
        load_reference(shipped_copy)
    assert "python -m stepbytoken train reference" in str(info.value)


def rewrite_manifest(folder, change) -> str:
    """Change the folder's manifest with ``change(manifest)``; return the new file's hash."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    return file_sha256(path)


def drop(key):
    return lambda manifest: manifest.pop(key)


def set_in(section, key, value):
    return lambda manifest: manifest[section].__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (drop("model"), "'model' must hold GPTConfig's fields"),
        (drop("results"), "'model' must hold GPTConfig's fields"),
        (set_in("model", "n_layer", "four"), "'model' must hold GPTConfig's fields"),
        (set_in("model", "colour", 1), "'model' must hold GPTConfig's fields"),
        (set_in("model", "n_layer", 3), "does not hold the weights of the model"),
        (
            set_in("model", "vocab_size", 99),
            "vocab_size 99 differs from the tokenizer's",
        ),
        (lambda m: m.__setitem__("files", [1]), "'files' must be an object"),
        (set_in("files", "model.safetensors", 7), "each file a 'sha256'"),
        (set_in("files", "model.safetensors", {"bytes": 1}), "each file a 'sha256'"),
    ],
)
def test_a_malformed_manifest_of_ones_own_is_named(shipped_copy, change, message):
    digest = rewrite_manifest(shipped_copy, change)
    with pytest.raises(ValueError, match=message) as info:
        load_reference(shipped_copy, manifest_sha256=digest)
    assert str(shipped_copy) in str(info.value)
    assert "python -m stepbytoken train reference" in str(info.value)


def test_a_manifest_that_is_not_json_is_named(shipped_copy):
    path = shipped_copy / "manifest.json"
    path.write_text('{"format": ')
    with pytest.raises(
        ValueError, match="manifest.json is malformed: not valid JSON"
    ) as info:
        load_reference(shipped_copy, manifest_sha256=file_sha256(path))
    assert "python -m stepbytoken train reference" in str(info.value)


@pytest.mark.parametrize(
    "tokenizer",
    [
        "not json",
        '{"format": "stepbytoken-bpe"}',
        '{"format": "stepbytoken-bpe", "version": 1, '
        '"pattern": "(", "merges": [], "special_tokens": {}}',
    ],
)
def test_a_malformed_tokenizer_of_ones_own_is_named(shipped_copy, tokenizer):
    (shipped_copy / "tokenizer.json").write_text(tokenizer)
    digest = rewrite_manifest(
        shipped_copy,
        set_in(
            "files",
            "tokenizer.json",
            {
                "sha256": file_sha256(shipped_copy / "tokenizer.json"),
                "bytes": len(tokenizer),
            },
        ),
    )
    with pytest.raises(ValueError, match="tokenizer.json is malformed") as info:
        load_reference(shipped_copy, manifest_sha256=digest)
    assert "python -m stepbytoken train reference" in str(info.value)


def test_weights_that_do_not_parse_are_named(shipped_copy):
    weights = shipped_copy / "model.safetensors"
    weights.write_bytes(b"\x00" * 64)
    digest = rewrite_manifest(
        shipped_copy,
        set_in(
            "files", "model.safetensors", {"sha256": file_sha256(weights), "bytes": 64}
        ),
    )
    with pytest.raises(
        ValueError, match="model.safetensors is not a safetensors file"
    ) as info:
        load_reference(shipped_copy, manifest_sha256=digest)
    assert "python -m stepbytoken train reference" in str(info.value)
