"""The live models' specs and files: what a page needs to run the reference model in a browser."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import pytest

from stepbytoken.artifacts import MODEL_FILE, REFERENCE_DIR, load_reference
from stepbytoken.book.live import EOT, LIVE_MODELS, live_model_files, live_model_spec
from stepbytoken.tokenizers import BPETokenizer


def test_spec_matches_the_manifest_and_the_loaded_model():
    ref = load_reference()
    spec = live_model_spec("reference")
    assert set(spec) == {
        "name",
        "file",
        "sha256",
        "bytes",
        "stored_vocab",
        "config",
        "tokenizer",
        "eot",
    }
    assert spec["name"] == spec["file"] == "reference"
    assert spec["stored_vocab"] == spec["config"]["vocab_size"]
    assert spec["sha256"] == ref.manifest["files"][MODEL_FILE]["sha256"]
    assert spec["bytes"] == ref.manifest["files"][MODEL_FILE]["bytes"]
    # every manifest field, and every field of the loaded model's config (defaults filled in)
    assert spec["config"] == asdict(ref.model.config)
    assert {k: spec["config"][k] for k in ref.manifest["model"]} == ref.manifest[
        "model"
    ]
    assert spec["config"]["d_ff"] == ref.model.blocks[0].mlp.c_fc.out_features
    assert spec["tokenizer"] == ref.tokenizer.to_dict()
    assert (
        BPETokenizer.from_dict(spec["tokenizer"]).vocab_size
        == spec["config"]["vocab_size"]
    )
    assert spec["eot"] == ref.tokenizer.encode(EOT, allowed_special="all")[0]
    assert ref.tokenizer.decode([spec["eot"]]) == EOT
    json.dumps(spec, allow_nan=False)  # ready to embed in a page


def test_spec_is_a_fresh_dict_each_time():
    spec = live_model_spec()
    spec["config"]["n_layer"] = -1
    assert live_model_spec()["config"]["n_layer"] == load_reference().config.n_layer


def test_files_are_the_shipped_weights_with_the_spec_hash():
    files = live_model_files()
    assert files["reference"] == REFERENCE_DIR / MODEL_FILE
    assert set(files) == {m.directory.name for m in LIVE_MODELS.values()}
    for name in LIVE_MODELS:
        spec = live_model_spec(name)
        data = files[spec["file"]].read_bytes()
        assert len(data) == spec["bytes"], name
        assert hashlib.sha256(data).hexdigest() == spec["sha256"], name


def test_the_base_model_is_the_reference_file_grown_by_mean_rows():
    """Chapter 8's base model ships no file of its own: gpt.js grows the reference model."""
    base, ref = live_model_spec("base"), live_model_spec("reference")
    assert base["file"] == "reference" and base["sha256"] == ref["sha256"]
    assert base["stored_vocab"] == ref["config"]["vocab_size"]
    assert base["config"]["vocab_size"] == base["stored_vocab"] + 5  # the chat tokens
    assert base["tokenizer"]["special_tokens"]["<|end|>"] >= base["stored_vocab"]


@pytest.mark.parametrize("name", ["sft", "dpo", "memory", "agent", "sft_guess"])
def test_chat_models_specs_match_their_loaders(name):
    loaded = LIVE_MODELS[name].load()
    spec = live_model_spec(name)
    assert spec["config"] == asdict(loaded.model.config)
    assert spec["tokenizer"] == loaded.tokenizer.to_dict()
    assert spec["sha256"] == loaded.manifest["files"][MODEL_FILE]["sha256"]


@pytest.mark.parametrize("name", ["", "gpt2", "Reference"])
def test_unknown_names_raise_value_error_naming_the_allowed_ones(name):
    with pytest.raises(ValueError, match="name must be one of 'reference'"):
        live_model_spec(name)


def test_a_name_that_is_not_a_string_raises_type_error():
    with pytest.raises(
        TypeError, match="name must be one of 'reference', 'base', .*, got int"
    ):
        live_model_spec(1)  # type: ignore[arg-type]
