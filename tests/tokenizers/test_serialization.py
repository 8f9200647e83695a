"""Tests of the tokenizer file format (stepbytoken.tokenizers.serialization)."""

from __future__ import annotations

import json

import pytest

from stepbytoken.tokenizers import SPLIT_PATTERN, BPETokenizer
from stepbytoken.tokenizers.serialization import (
    read_tokenizer_file,
    tokenizer_from_dict,
    tokenizer_to_dict,
    write_tokenizer_file,
)

EOT = "<|endoftext|>"


def test_dict_round_trip():
    data = tokenizer_to_dict([(104, 105), (256, 33)], {EOT: 258}, SPLIT_PATTERN)
    assert data["format"] == "stepbytoken-bpe" and data["version"] == 1
    assert json.loads(json.dumps(data)) == data
    assert tokenizer_from_dict(data) == ([(104, 105), (256, 33)], [EOT], SPLIT_PATTERN)


def test_save_load_round_trip(tok, sample, tmp_path):
    path = tmp_path / "tok.json"
    tok.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["pattern"] == SPLIT_PATTERN
    assert data["merges"][0] == list(tok.merges[0][0])
    assert data["special_tokens"] == {EOT: tok.vocab_size - 1}
    loaded = BPETokenizer.load(path)
    assert loaded == tok
    assert loaded.encode(sample + EOT) == tok.encode(sample + EOT)
    assert BPETokenizer.from_dict(json.loads(json.dumps(tok.to_dict()))) == tok


def test_load_errors(tok, tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer file not found"):
        BPETokenizer.load(tmp_path / "missing.json")
    path = tmp_path / "tok.json"
    tok.save(path)
    path.write_text(path.read_text()[:50])  # truncated: corrupted JSON
    with pytest.raises(ValueError, match=r"tok\.json is not a valid tokenizer file"):
        BPETokenizer.load(path)
    good = tok.to_dict()
    bad_cases = [
        ({**good, "version": 99}, "unsupported tokenizer version 99"),
        ({**good, "format": "other"}, "'format' must be"),
        (
            {k: v for k, v in good.items() if k != "merges"},
            r"missing the fields \['merges'\]",
        ),
        ({**good, "merges": [[1, 2, 3]]}, "list of \\[a, b\\] pairs"),
        ({**good, "merges": [[1, 999]], "special_tokens": {}}, "may only use ids in"),
        ({**good, "special_tokens": {EOT: 5}}, "special token ids must be"),
    ]
    for data, message in bad_cases:
        path.write_text(json.dumps(data))
        with pytest.raises(
            ValueError, match=rf"tok\.json is not a valid tokenizer file: .*{message}"
        ):
            BPETokenizer.load(path)
    with pytest.raises(ValueError, match="tokenizer data must be a dict"):
        tokenizer_from_dict([1, 2])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((None, {}, SPLIT_PATTERN), "merges must be a list of"),
        (([(104, 105)], None, SPLIT_PATTERN), "special_tokens must map str to int ids"),
        (([(104, 105)], {}, None), "pattern must be a str"),
    ],
)
def test_tokenizer_to_dict_refuses_none_by_name(args, match):
    with pytest.raises(TypeError, match=match):
        tokenizer_to_dict(*args)


def test_write_tokenizer_file_refuses_bad_data_and_paths(tmp_path):
    data = tokenizer_to_dict([(104, 105)], {}, SPLIT_PATTERN)
    with pytest.raises(TypeError, match="data must be a dict"):
        write_tokenizer_file(None, tmp_path / "t.json")
    with pytest.raises(TypeError, match="path must be a str or path, got NoneType"):
        write_tokenizer_file(data, None)
    with pytest.raises(ValueError, match="path cannot be encoded as a file name"):
        write_tokenizer_file(data, str(tmp_path / "a\ud800b.json"))
    with pytest.raises(TypeError, match="path must be a str or path, got NoneType"):
        read_tokenizer_file(None)
    assert not list(tmp_path.iterdir())  # nothing written
