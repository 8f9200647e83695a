"""Tests of the tokenizer file format (stepbytoken.tokenizers.serialization)."""

from __future__ import annotations

import json

import pytest

from stepbytoken.tokenizers import SPLIT_PATTERN, BPETokenizer
from stepbytoken.tokenizers.serialization import tokenizer_from_dict, tokenizer_to_dict

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
        ({k: v for k, v in good.items() if k != "merges"}, r"missing the fields \['merges'\]"),
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
