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
    TIMING_FILE,
    ArtifactSpec,
    file_sha256,
    load_artifact,
    load_timing,
    manifest_bytes,
    write_artifact,
)

SPEC = ArtifactSpec("demo", 2, ("a.bin", "b.txt"), "python -m stepbytoken demo")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=10,
)


def writers(a: bytes = b"\x00\x01", b: str = "hello") -> dict:
    return {
        "a.bin": lambda path: path.write_bytes(a),
        "b.txt": lambda path: path.write_text(b),
    }


def write_demo(directory, **details) -> str:
    write_artifact(directory, SPEC, writers(), details)
    return file_sha256(directory / MANIFEST_FILE)


@settings(max_examples=30, deadline=None)
@given(
    a=st.binary(max_size=100),
    b=st.text(max_size=100),
    details=st.dictionaries(
        st.text().filter(lambda k: k not in RESERVED_KEYS), json_values
    ),
)
def test_round_trip(tmp_path_factory, a, b, details):
    directory = tmp_path_factory.mktemp("artifact")
    manifest = write_artifact(directory, SPEC, writers(a, b), details)
    assert (directory / MANIFEST_FILE).read_bytes() == manifest_bytes(manifest)
    loaded, files = load_artifact(
        directory, SPEC, file_sha256(directory / MANIFEST_FILE)
    )
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
    manifest = write_artifact(
        tmp_path / "3", SPEC, writers(), {}, recipe="demo --steps 3"
    )
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
        with pytest.raises(
            ValueError, match=f"not a version-{other.version} {other.format}"
        ):
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
        (
            ("f", 1, ("manifest.json",), "cmd"),
            ValueError,
            "files must be distinct names",
        ),
        (("f", 1, ("timing.json",), "cmd"), ValueError, "files must be distinct names"),
        (("f", 1, (3,), "cmd"), TypeError, r"files\[0\] must be a str"),
        (("f", 1, "ab", "cmd"), TypeError, "files must be a list of str"),
        (("f", 1, None, "cmd"), TypeError, "files must be a list of str"),
    ],
)
def test_artifact_spec_checks_its_fields(args, error, message):
    with pytest.raises(error, match=message):
        ArtifactSpec(*args)


# -- interrupted writes, timing, shipped artifacts, malformed manifests ------------------------


def test_an_interrupted_write_leaves_the_old_artifact(tmp_path):
    digest = write_demo(tmp_path, n=1)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def half_then_fail(path):
        path.write_text("half of b")
        raise KeyboardInterrupt  # e.g. Ctrl-C while the second file is being written

    broken = {**writers(a=b"new bytes"), "b.txt": half_then_fail}
    with pytest.raises(KeyboardInterrupt):
        write_artifact(tmp_path, SPEC, broken, {"n": 2})
    # nothing new, no temp
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    load_artifact(tmp_path, SPEC, digest)  # still whole
    with pytest.raises(KeyboardInterrupt):
        write_artifact(tmp_path / "fresh", SPEC, broken, {"n": 2})
    assert not any((tmp_path / "fresh").iterdir())  # no half-written artifact


def test_timing_goes_beside_the_manifest_unhashed(tmp_path):
    write_artifact(
        tmp_path / "1", SPEC, writers(), {"n": 1}, timing={"training_time_s": 1.5}
    )
    write_artifact(
        tmp_path / "2", SPEC, writers(), {"n": 1}, timing={"training_time_s": 9}
    )
    manifests = [(tmp_path / d / MANIFEST_FILE).read_bytes() for d in ("1", "2")]
    assert manifests[0] == manifests[1] and b"training_time_s" not in manifests[0]
    assert load_timing(tmp_path / "1") == {"training_time_s": 1.5}
    assert load_timing(tmp_path / "2") == {"training_time_s": 9.0}
    # no timing: an old one goes
    write_artifact(tmp_path / "1", SPEC, writers(), {"n": 1})
    assert (
        not (tmp_path / "1" / TIMING_FILE).exists()
        and load_timing(tmp_path / "1") == {}
    )


@pytest.mark.parametrize(
    "timing",
    [{"t": -1.0}, {"t": float("nan")}, {"t": "1"}, {"t": True}, {1: 1.0}, [1.0]],
)
def test_timing_must_be_durations(tmp_path, timing):
    with pytest.raises(ValueError, match="must map names to durations in seconds"):
        write_artifact(tmp_path, SPEC, writers(), {}, timing=timing)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("text", ["{", '{"t": null}', '"1.0"'])
def test_a_malformed_timing_file_names_itself(tmp_path, text):
    (tmp_path / TIMING_FILE).write_text(text)
    with pytest.raises(ValueError, match=str(tmp_path / TIMING_FILE)):
        load_timing(tmp_path)


def test_a_shipped_artifact_is_not_overwritten_by_accident(tmp_path, monkeypatch):
    import stepbytoken.artifacts.files as files

    # pretend tmp_path is the package
    monkeypatch.setattr(files, "PACKAGE_DIR", tmp_path)
    digest = write_demo(tmp_path / "data", n=1)  # a new folder in the package is fine
    with pytest.raises(ValueError, match="refusing to overwrite it"):
        write_artifact(tmp_path / "data", SPEC, writers(b"other"), {"n": 2})
    load_artifact(tmp_path / "data", SPEC, digest)  # unchanged
    write_artifact(tmp_path / "data", SPEC, writers(b"other"), {"n": 2}, force=True)
    assert (tmp_path / "data" / "a.bin").read_bytes() == b"other"


def test_an_empty_directory_is_refused():
    with pytest.raises(ValueError, match="directory must be a non-empty path, got ''"):
        write_artifact("", SPEC, writers(), {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"{not json", "is malformed: not valid JSON"),
        (b'{"format": "demo", "version": 2, "files": []}', "'files' must be an object"),
        (
            b'{"format": "demo", "version": 2, "files": {"a.bin": {}, "b.txt": {}}}',
            "must give each file a 'sha256'",
        ),
        (
            b'{"format": "demo", "version": 2, "files": {"a.bin": 1, "b.txt": 2}}',
            "must give each file a 'sha256'",
        ),
        (b"[1, 2]", "is not a version-2 demo manifest"),
    ],
)
def test_a_malformed_manifest_names_the_file_and_the_command(tmp_path, text, message):
    write_demo(tmp_path, n=1)
    (tmp_path / MANIFEST_FILE).write_bytes(text)
    with pytest.raises(ValueError, match=message) as info:
        load_artifact(tmp_path, SPEC, file_sha256(tmp_path / MANIFEST_FILE))
    assert str(tmp_path / MANIFEST_FILE) in str(info.value)
    assert "python -m stepbytoken demo" in str(info.value)


@pytest.mark.parametrize("manifest", [None, "{}", [("a", 1)]])
def test_manifest_bytes_refuses_what_is_not_a_mapping(manifest):
    with pytest.raises(TypeError, match="manifest must be a Mapping"):
        manifest_bytes(manifest)
