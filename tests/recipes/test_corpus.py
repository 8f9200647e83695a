"""Tests for stepbytoken.recipes.corpus: rebuilding the real-text corpus file."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from stepbytoken.artifacts import is_inside_package
from stepbytoken.cli import build_parser, main
from stepbytoken.recipes import corpus
from stepbytoken.text import REAL_TEXT_FILE, REAL_TEXT_SHA256


def test_cli_rebuilds_the_corpus_and_prints_its_hash(tmp_path, capsys):
    out_file = tmp_path / "sub" / "pydocs.txt.gz"
    assert main(["corpus", "--out", str(out_file)]) == 0
    text = gzip.decompress(out_file.read_bytes()).decode("utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    out = capsys.readouterr().out
    assert f"wrote {out_file}" in out
    assert f"sha256 of the text: {digest}" in out
    # The shipped file was built with one Python version; another gives another text.
    assert ("update it to ship the new file" in out) == (digest != REAL_TEXT_SHA256)
    assert len(text) > 100_000 and text.endswith("\n")


def test_the_default_output_is_outside_the_package():
    args = build_parser().parse_args(["corpus"])
    assert (
        args.out == Path("stepbytoken-artifacts") / "pydocs.txt.gz" and not args.force
    )
    assert not is_inside_package(args.out.resolve())


def test_the_shipped_corpus_is_only_replaced_with_force(capsys):
    before = REAL_TEXT_FILE.read_bytes()
    with pytest.raises(ValueError, match="refusing to overwrite it"):
        main(["corpus", "--out", str(REAL_TEXT_FILE)])
    assert REAL_TEXT_FILE.read_bytes() == before
    assert capsys.readouterr().out == ""  # refused before writing anything


def test_an_interrupted_corpus_write_leaves_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "pydocs.txt.gz"
    out.write_bytes(b"old")

    def half(path):
        path.write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(corpus, "write_real_text", half)
    with pytest.raises(KeyboardInterrupt):
        main(["corpus", "--out", str(out)])
    assert out.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [
        out.name
    ]
