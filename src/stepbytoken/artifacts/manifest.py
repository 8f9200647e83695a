"""Shipped artifacts: a folder of files and the ``manifest.json`` that vouches for them.

An artifact is what a recipe writes: a few files (weights, a tokenizer, ...) and a manifest
that records how they were made and the SHA-256 of each file. The manifest's bytes are
deterministic (sorted keys, no timestamps), so pinning *its* SHA-256 in code vouches for the
whole folder. :func:`write_artifact` writes the files and then the manifest;
:func:`load_artifact` checks the manifest against the pinned hash, then every file against
the manifest, and returns the checked bytes. An :class:`ArtifactSpec` says what one kind of
artifact holds, so each new kind (a fine-tuned assistant, a family of models) is one spec.

Introduced in chapter 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from stepbytoken.artifacts.checksums import check_sha256, file_sha256, read_checked
from stepbytoken.checks import check_int, check_str

__all__ = [
    "MANIFEST_FILE",
    "RESERVED_KEYS",
    "ArtifactSpec",
    "load_artifact",
    "manifest_bytes",
    "write_artifact",
]

#: Name of the manifest inside an artifact's folder.
MANIFEST_FILE = "manifest.json"

#: Manifest keys written by :func:`write_artifact` itself; a recipe's details use other keys.
RESERVED_KEYS = ("format", "version", "recipe", "files")


@dataclass(frozen=True)
class ArtifactSpec:
    """What one kind of artifact holds: its manifest's format, its files, its rebuild command.

    Introduced in chapter 1.

    Attributes
    ----------
    format : str
        The manifest's ``"format"`` value, e.g. ``"stepbytoken-reference"``.
    version : int
        The manifest's ``"version"`` (>= 1); bump it when the layout changes.
    files : tuple of str
        The files besides the manifest, in the order they are written.
    command : str
        The command that rebuilds them, named in "file not found" errors.

    Examples
    --------
    >>> spec = ArtifactSpec("demo", 1, ("a.txt",), "python -m stepbytoken demo")
    >>> spec.files
    ('a.txt',)
    """

    format: str
    version: int
    files: tuple[str, ...]
    command: str

    def __post_init__(self) -> None:
        check_str("format", self.format, allow_empty=False)
        check_int("version", self.version, minimum=1)
        check_str("command", self.command, allow_empty=False)
        files = tuple(self.files)
        for name in files:
            check_str("files", name, allow_empty=False)
        if MANIFEST_FILE in files or len(set(files)) != len(files) or not files:
            raise ValueError(
                f"files must be distinct names other than {MANIFEST_FILE!r}, got {files!r}"
            )
        object.__setattr__(self, "files", files)


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The bytes of a manifest file: JSON with sorted keys, one-space indent, final newline.

    Introduced in chapter 1.

    Parameters
    ----------
    manifest : mapping
        JSON-ready values.

    Returns
    -------
    bytes
        UTF-8 bytes; equal manifests give equal bytes, whatever their key order.

    Examples
    --------
    >>> manifest_bytes({"b": 1, "a": [2]})
    b'{\\n "a": [\\n  2\\n ],\\n "b": 1\\n}\\n'
    """
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_artifact(
    directory: str | PathLike[str],
    spec: ArtifactSpec,
    writers: Mapping[str, Callable[[Path], object]],
    details: Mapping[str, Any],
    *,
    recipe: str | None = None,
) -> dict[str, Any]:
    """Write an artifact's files, then the manifest that records their SHA-256.

    Introduced in chapter 1.

    Parameters
    ----------
    directory : str or path-like
        Destination folder (created if needed; its files are overwritten).
    spec : ArtifactSpec
        What the artifact holds.
    writers : mapping of str -> callable
        For each name in ``spec.files``, a function that writes that file to the path it is
        given, e.g. ``lambda path: save_weights(model, path)``.
    details : mapping
        JSON-ready facts about how the files were made (settings, results, versions); keys
        other than :data:`RESERVED_KEYS`.
    recipe : str, optional
        The command that made these files; ``spec.command`` by default.

    Returns
    -------
    dict
        The manifest, exactly as the file holds it (tuples become lists).

    Raises
    ------
    ValueError
        If ``writers`` does not name exactly ``spec.files``, or ``details`` uses a reserved key.

    Examples
    --------
    >>> import tempfile
    >>> spec = ArtifactSpec("demo", 1, ("a.txt",), "python -m stepbytoken demo")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     manifest = write_artifact(d, spec, {"a.txt": lambda p: p.write_text("hi")}, {"n": 1})
    ...     loaded, files = load_artifact(d, spec, file_sha256(Path(d) / MANIFEST_FILE))
    >>> manifest["files"]["a.txt"]["bytes"], loaded == manifest, files
    (2, True, {'a.txt': b'hi'})
    """
    if set(writers) != set(spec.files):
        raise ValueError(f"writers must name exactly {list(spec.files)}, got {sorted(writers)}")
    clashes = sorted(set(details) & set(RESERVED_KEYS))
    if clashes:
        raise ValueError(f"details must not use the reserved keys {clashes}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in spec.files:
        path = directory / name
        writers[name](path)
        files[name] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    manifest = {
        "format": spec.format,
        "version": spec.version,
        "recipe": spec.command if recipe is None else recipe,
        "files": files,
        **details,
    }
    data = manifest_bytes(manifest)
    (directory / MANIFEST_FILE).write_bytes(data)
    return json.loads(data)


def load_artifact(
    directory: str | PathLike[str], spec: ArtifactSpec, sha256: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Read an artifact's manifest and files, checking every SHA-256 before parsing anything.

    The manifest must hash to ``sha256`` and describe ``spec``; each file must hash to what
    the manifest records. The returned bytes are the ones that were checked.

    Introduced in chapter 1.

    Parameters
    ----------
    directory : str or path-like
        The artifact's folder.
    spec : ArtifactSpec
        What it should hold.
    sha256 : str
        The expected SHA-256 of its manifest (64 hex digits), usually pinned in code.

    Returns
    -------
    manifest : dict
        The parsed manifest.
    files : dict of str -> bytes
        Each of ``spec.files`` with its checked bytes.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names ``spec.command``).
    ValueError
        If a hash differs, or the manifest is not a ``spec.format`` manifest of
        ``spec.version`` listing ``spec.files``.

    Examples
    --------
    >>> spec = ArtifactSpec("demo", 1, ("a.txt",), "python -m stepbytoken demo")
    >>> load_artifact("/nowhere", spec, "0" * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: file not found: ...; rebuild the files with `python -m stepbytoken demo`
    """
    expected = check_sha256("sha256", sha256)
    directory = Path(directory)
    hint = f"rebuild the files with `{spec.command}`"
    manifest_path = directory / MANIFEST_FILE
    manifest = json.loads(read_checked(manifest_path, expected, missing_hint=hint))
    if not isinstance(manifest, dict) or (
        manifest.get("format"),
        manifest.get("version"),
    ) != (spec.format, spec.version):
        raise ValueError(f"{manifest_path} is not a version-{spec.version} {spec.format} manifest")
    recorded = manifest.get("files", {})
    missing = [name for name in spec.files if name not in recorded]
    if missing:
        raise ValueError(f"{manifest_path} does not list the files {missing}")
    files = {
        name: read_checked(directory / name, recorded[name]["sha256"], missing_hint=hint)
        for name in spec.files
    }
    return manifest, files
