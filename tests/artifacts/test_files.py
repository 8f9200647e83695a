"""Tests for stepbytoken.artifacts.files: all-or-nothing writes and paths a recipe may use."""

from __future__ import annotations

import gzip
import os

import pytest

from stepbytoken.artifacts import (
    PACKAGE_DIR,
    REFERENCE_DIR,
    check_output_path,
    is_inside_package,
    write_atomically,
)
from stepbytoken.artifacts.files import staging_folder


def test_write_atomically_writes_and_returns(tmp_path):
    path = tmp_path / "a.txt"
    assert write_atomically(path, lambda tmp: tmp.write_text("hello")) == 5
    assert path.read_text() == "hello" and os.listdir(tmp_path) == ["a.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, error):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half of the new")
        raise error("interrupted")

    with pytest.raises(error):
        write_atomically(path, half_then_fail)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]
    with pytest.raises(error):
        write_atomically(tmp_path / "new.txt", half_then_fail)
    assert os.listdir(tmp_path) == ["a.txt"]  # a new file is not created at all


def test_the_temporary_file_has_the_destinations_name(tmp_path):
    # gzip records the file's name: the bytes must not depend on a random temporary name.
    def write_gz(tmp):
        with gzip.GzipFile(tmp, "wb", mtime=0) as file:
            file.write(b"x")

    write_atomically(tmp_path / "a.gz", write_gz)
    first = (tmp_path / "a.gz").read_bytes()
    write_atomically(tmp_path / "a.gz", write_gz)
    assert (tmp_path / "a.gz").read_bytes() == first and b"a\x00" in first


def test_write_atomically_needs_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder not found"):
        write_atomically(tmp_path / "no" / "a.txt", lambda tmp: tmp.write_text("x"))


def test_is_inside_package(tmp_path):
    assert is_inside_package(PACKAGE_DIR) and is_inside_package(
        REFERENCE_DIR / "model.x"
    )
    assert not is_inside_package(tmp_path) and not is_inside_package(PACKAGE_DIR.parent)


def test_check_output_path(tmp_path):
    assert check_output_path(tmp_path / "x") == tmp_path / "x"
    assert check_output_path(str(tmp_path)) == tmp_path
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="--out must be a non-empty path"):
            check_output_path(empty, what="--out")
    with pytest.raises(ValueError, match="path must be a path without NUL characters"):
        check_output_path("a\x00b")
    with pytest.raises(ValueError, match="path cannot be encoded as a file name"):
        check_output_path("a\ud800b")
    with pytest.raises(TypeError, match="force must be a bool"):
        check_output_path("a", force="no")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="--out must be a str or path, got NoneType"):
        check_output_path(None, what="--out")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match="shipped artifact inside the installed package"
    ):
        check_output_path(REFERENCE_DIR)
    with pytest.raises(ValueError, match="--force"):
        check_output_path(REFERENCE_DIR / "model.safetensors")
    assert check_output_path(REFERENCE_DIR, force=True) == REFERENCE_DIR
    # new is fine
    assert check_output_path(PACKAGE_DIR / "data" / "not-yet-there") is not None


@pytest.mark.parametrize(
    ("directory", "error", "match"),
    [
        (None, TypeError, "directory must be a str or path, got NoneType"),
        (b"out", TypeError, "directory must be a str or path, got bytes"),
        ("", ValueError, "directory must be a non-empty path"),
        ("a\ud800b", ValueError, "directory cannot be encoded as a file name"),
    ],
)
def test_staging_folder_refuses_what_is_not_a_path(directory, error, match):
    with pytest.raises(error, match=match):
        with staging_folder(directory):
            pass
