"""Tests for stepbytoken.artifacts.manifest: writing an artifact and loading it, checked."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.artifacts import (
    MANIFEST_FILE,
    REFERENCE_DIR,
    RESERVED_KEYS,
    ArtifactSpec,
    file_sha256,
    load_artifact,
    manifest_bytes,
    write_artifact,
)

SPEC = ArtifactSpec("demo", 2, ("a.bin", "b.txt"), "python -m stepbytoken demo")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


def writers(a: bytes = b"\x00\x01", b: str = "hello") -> dict:
    return {"a.bin": lambda path: path.write_bytes(a), "b.txt": lambda path: path.write_text(b)}


def write_demo(directory, **details) -> str:
    write_artifact(directory, SPEC, writers(), details)
    return file_sha256(directory / MANIFEST_FILE)


@settings(max_examples=30, deadline=None)
@given(
    a=st.binary(max_size=100),
    b=st.text(max_size=100),
    details=st.dictionaries(st.text().filter(lambda k: k not in RESERVED_KEYS), json_values),
)
def test_round_trip(tmp_path_factory, a, b, details):
    directory = tmp_path_factory.mktemp("artifact")
    manifest = write_artifact(directory, SPEC, writers(a, b), details)
    assert (directory / MANIFEST_FILE).read_bytes() == manifest_bytes(manifest)
    loaded, files = load_artifact(directory, SPEC, file_sha256(directory / MANIFEST_FILE))
    assert loaded == manifest
    assert files == {"a.bin": a, "b.txt": (directory / "b.txt").read_bytes()}
    assert manifest["files"]["a.bin"] == {
        "sha256": file_sha256(directory / "a.bin"),
        "bytes": len(a),
    }
    assert (manifest["format"], manifest["version"], manifest["recipe"]) == (
        "demo",
        2,
        SPEC.command,
    )


def test_manifest_bytes_are_deterministic(tmp_path):
    first = write_demo(tmp_path / "1", x=1, y=[1, 2], z={"b": 1, "a": 2})
    second = write_demo(tmp_path / "2", z={"a": 2, "b": 1}, y=[1, 2], x=1)
    assert first == second
    manifest = write_artifact(tmp_path / "3", SPEC, writers(), {}, recipe="demo --steps 3")
    assert manifest["recipe"] == "demo --steps 3"


def test_the_shipped_reference_manifest_has_these_bytes():
    data = (REFERENCE_DIR / MANIFEST_FILE).read_bytes()
    assert manifest_bytes(json.loads(data)) == data


@pytest.mark.parametrize("name", ["a.bin", "b.txt", MANIFEST_FILE])
def test_a_changed_file_is_refused(tmp_path, name):
    digest = write_demo(tmp_path, n=1)
    path = tmp_path / name
    path.write_bytes(path.read_bytes() + b" ")
    with pytest.raises(ValueError, match="corrupted or was changed"):
        load_artifact(tmp_path, SPEC, digest)


@pytest.mark.parametrize("name", ["a.bin", "b.txt", MANIFEST_FILE])
def test_a_missing_file_names_the_command(tmp_path, name):
    digest = write_demo(tmp_path, n=1)
    (tmp_path / name).unlink()
    with pytest.raises(
        FileNotFoundError, match="rebuild the files with `python -m stepbytoken demo`"
    ):
        load_artifact(tmp_path, SPEC, digest)


def test_a_manifest_of_another_spec_is_refused(tmp_path):
    digest = write_demo(tmp_path, n=1)
    for other in (
        ArtifactSpec("other", 2, SPEC.files, SPEC.command),
        ArtifactSpec("demo", 1, SPEC.files, SPEC.command),
    ):
        with pytest.raises(ValueError, match=f"not a version-{other.version} {other.format}"):
            load_artifact(tmp_path, other, digest)
    bigger = ArtifactSpec("demo", 2, (*SPEC.files, "c.txt"), SPEC.command)
    with pytest.raises(ValueError, match=r"does not list the files \['c.txt'\]"):
        load_artifact(tmp_path, bigger, digest)


def test_write_artifact_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="writers must name exactly"):
        write_artifact(tmp_path, SPEC, {"a.bin": writers()["a.bin"]}, {})
    with pytest.raises(ValueError, match=r"reserved keys \['files', 'version'\]"):
        write_artifact(tmp_path, SPEC, writers(), {"files": 1, "version": 3, "ok": 2})
    assert not any(tmp_path.iterdir())  # nothing written
    with pytest.raises(ValueError, match="64 hex digits"):
        load_artifact(tmp_path, SPEC, "abc")


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("", 1, ("a",), "cmd"), ValueError, "format must be a non-empty str"),
        (("f", 0, ("a",), "cmd"), ValueError, "version must be an int >= 1"),
        (("f", 1, ("a",), ""), ValueError, "command must be a non-empty str"),
        (("f", 1, (), "cmd"), ValueError, "files must be distinct names"),
        (("f", 1, ("a", "a"), "cmd"), ValueError, "files must be distinct names"),
        (("f", 1, ("manifest.json",), "cmd"), ValueError, "files must be distinct names"),
        (("f", 1, (3,), "cmd"), TypeError, "files must be a str"),
    ],
)
def test_artifact_spec_checks_its_fields(args, error, message):
    with pytest.raises(error, match=message):
        ArtifactSpec(*args)
