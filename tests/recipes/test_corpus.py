"""Tests for stepbytoken.recipes.corpus: rebuilding the real-text corpus file."""

from __future__ import annotations

import gzip
import hashlib

from stepbytoken.cli import main
from stepbytoken.text import REAL_TEXT_SHA256


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
