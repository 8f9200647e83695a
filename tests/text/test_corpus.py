"""Tests of the shipped real-text corpus (stepbytoken.text.corpus)."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from stepbytoken.text import corpus


def test_real_text_matches_pinned_hash_and_is_large_english_prose():
    text = corpus.real_text()
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == corpus.REAL_TEXT_SHA256
    assert len(text) > 1_000_000
    words = text.lower().split()
    assert words.count("the") / len(words) > 0.03  # English prose, not code


def test_real_text_has_no_code_examples():
    assert ">>>" not in corpus.real_text()


def test_corrupted_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "pydocs.txt.gz"
    bad.write_bytes(gzip.compress(b"not the corpus"))
    monkeypatch.setattr(corpus, "REAL_TEXT_FILE", bad)
    corpus.real_text.cache_clear()
    try:
        with pytest.raises(ValueError, match="sha256"):
            corpus.real_text()
    finally:
        corpus.real_text.cache_clear()


def test_missing_file_names_the_recipe(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "REAL_TEXT_FILE", tmp_path / "missing.txt.gz")
    corpus.real_text.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="python -m stepbytoken corpus"):
            corpus.real_text()
    finally:
        corpus.real_text.cache_clear()


def test_recipe_keeps_prose_and_drops_code(tmp_path):
    (tmp_path / "mod.py").write_text(
        '"""A module that does several useful things for its callers."""\n'
        "def f():\n"
        '    """Return the sum of all the values in the given list.\n\n'
        "    >>> f()\n    3\n"
        '    """\n'
    )
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "t.py").write_text(
        '"""Tests are skipped by the recipe entirely here."""'
    )
    text = corpus.build_real_text(tmp_path)
    assert text.splitlines() == [
        "A module that does several useful things for its callers.",
        "Return the sum of all the values in the given list.",
    ]


def test_split_lines_is_a_partition():
    text = "\n".join(f"line {i}" for i in range(25))
    train, heldout = corpus.split_lines(text, every=5)
    assert len(heldout.splitlines()) == 5
    assert sorted(train.splitlines() + heldout.splitlines()) == sorted(
        text.splitlines()
    )


@pytest.mark.parametrize("every", [0, 1, 2.5, "3"])
def test_split_lines_rejects_bad_every(every):
    with pytest.raises(ValueError, match="every must be an int >= 2"):
        corpus.split_lines("a\nb", every=every)
