"""Tests for stepbytoken.artifacts.checksums: hashing files and reading them only when intact."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.artifacts import check_sha256, file_sha256, read_checked


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=2000))
def test_hash_and_checked_read_agree_with_hashlib(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("c") / "f.bin"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    assert file_sha256(path) == digest
    assert read_checked(path, digest) == data
    assert read_checked(path, digest.upper()) == data


def test_a_changed_file_is_refused_with_both_hashes(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("hello")
    expected = file_sha256(path)
    path.write_text("hellO")
    with pytest.raises(ValueError, match="corrupted or was changed") as info:
        read_checked(path, expected)
    assert expected in str(info.value) and file_sha256(path) in str(info.value)


def test_a_missing_file_names_the_hint(tmp_path):
    with pytest.raises(FileNotFoundError, match="f.txt; run the recipe"):
        read_checked(tmp_path / "f.txt", "0" * 64, missing_hint="run the recipe")
    with pytest.raises(FileNotFoundError, match="file not found"):
        file_sha256(tmp_path / "f.txt")


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0" * 63, "0" * 65, ""])
def test_check_sha256_refuses_what_is_not_a_digest(bad):
    with pytest.raises(ValueError, match="digest_arg must be 64 hex digits"):
        check_sha256("digest_arg", bad)
    with pytest.raises(TypeError, match="digest_arg must be a str"):
        check_sha256("digest_arg", 0)


@given(digest=st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64))
def test_check_sha256_accepts_any_case(digest):
    assert check_sha256("sha256", digest) == digest.lower()


@pytest.mark.parametrize(
    ("path", "error", "match"),
    [
        (None, TypeError, "path must be a str or path, got NoneType"),
        (b"a.bin", TypeError, "path must be a str or path, got bytes"),
        ("", ValueError, "path must be a non-empty path"),
        ("a\ud800b", ValueError, "path cannot be encoded as a file name"),
    ],
)
def test_hashing_and_reading_refuse_what_is_not_a_path(path, error, match):
    with pytest.raises(error, match=match):
        file_sha256(path)
    with pytest.raises(error, match=match):
        read_checked(path, "0" * 64)
