"""Shipped artifacts: a folder of files and the ``manifest.json`` that vouches for them.

An artifact is what a recipe writes: a few files (weights, a tokenizer, ...) and a manifest
that records how they were made and the SHA-256 of each file. The manifest's bytes are
deterministic (sorted keys, no timestamps, no durations), so a rerun that gives the same
weights gives the same manifest, and pinning *its* SHA-256 in code vouches for the whole
folder. How long the run took is measured, not vouched for: it goes to ``timing.json`` beside
the manifest, which no hash covers (:func:`load_timing`). :func:`write_artifact` writes every
file to a temporary folder first and renames them into place only when all are complete, the
manifest last, so an interrupted recipe leaves no half-written artifact;
:func:`load_artifact` checks the manifest against the pinned hash, then every file against
the manifest, and returns the checked bytes. An :class:`ArtifactSpec` says what one kind of
artifact holds, so each new kind (a fine-tuned assistant, a family of models) is one spec.

Introduced in chapter 1.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from stepbytoken.artifacts.checksums import check_sha256, file_sha256, read_checked
from stepbytoken.artifacts.files import (
    check_output_path,
    staging_folder,
    write_atomically,
)
from stepbytoken.checks import (
    check_bool,
    check_instance,
    check_int,
    check_path,
    check_str,
    check_strings,
)
from stepbytoken.training.distributed import barrier, is_main_process

__all__ = [
    "MANIFEST_FILE",
    "RESERVED_KEYS",
    "TIMING_FILE",
    "ArtifactSpec",
    "load_artifact",
    "load_shipped",
    "load_timing",
    "manifest_bytes",
    "write_artifact",
]

#: Name of the manifest inside an artifact's folder.
MANIFEST_FILE = "manifest.json"

#: Name of the unhashed file of durations (seconds) beside the manifest.
TIMING_FILE = "timing.json"

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
        files = tuple(check_strings("files", self.files, allow_empty=False))
        if (
            {MANIFEST_FILE, TIMING_FILE} & set(files)
            or len(set(files)) != len(files)
            or not files
        ):
            raise ValueError(
                f"files must be distinct names other than {MANIFEST_FILE!r} and "
                f"{TIMING_FILE!r}, got {files!r}"
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
    check_instance("manifest", manifest, Mapping)
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _check_timing(timing: object, source: str) -> dict[str, float]:
    """``timing`` as a dict of names to durations (finite, >= 0); else a ValueError."""
    if not isinstance(timing, Mapping) or not all(
        isinstance(key, str)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
        for key, value in timing.items()
    ):
        raise ValueError(
            f"{source} must map names to durations in seconds (finite numbers >= 0), got {timing!r}"
        )
    return {key: float(value) for key, value in timing.items()}


def write_artifact(
    directory: str | PathLike[str],
    spec: ArtifactSpec,
    writers: Mapping[str, Callable[[Path], object]],
    details: Mapping[str, Any],
    *,
    recipe: str | None = None,
    timing: Mapping[str, float] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Write an artifact's files, then the manifest that records their SHA-256.

    Every file is first written to a temporary folder inside ``directory``; only when all of
    them are complete are they renamed into place, the manifest last. If a writer raises (or
    the recipe is interrupted), the temporary folder is removed and ``directory`` keeps what
    it held before. Under ``torchrun``
    only rank 0 writes into ``directory`` (the other processes write to a temporary folder
    to compute the same manifest), and every process returns once rank 0 has finished.

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
        other than :data:`RESERVED_KEYS`. No timestamps or durations: those go to ``timing``.
    recipe : str, optional
        The command that made these files; ``spec.command`` by default.
    timing : mapping of str -> float, optional
        Durations in seconds (e.g. ``{"training_time_s": 12.5}``), written to
        :data:`TIMING_FILE`, which the manifest does not cover.
    force : bool, default False
        Allow overwriting an artifact inside the installed package (a shipped one).

    Returns
    -------
    dict
        The manifest, exactly as the file holds it (tuples become lists).

    Raises
    ------
    ValueError
        If ``writers`` does not name exactly ``spec.files``, ``details`` uses a reserved key,
        ``timing`` holds something other than durations, ``directory`` is empty, or it is a
        shipped artifact and ``force`` is False.

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
    directory = check_output_path(
        directory, force=check_bool("force", force), what="directory"
    )
    check_instance("spec", spec, ArtifactSpec)
    check_instance("writers", writers, Mapping)
    check_instance("details", details, Mapping)
    if recipe is not None:
        check_str("recipe", recipe, allow_empty=False)
    if set(writers) != set(spec.files):
        raise ValueError(
            f"writers must name exactly {list(spec.files)}, got {sorted(writers)}"
        )
    clashes = sorted(set(details) & set(RESERVED_KEYS))
    if clashes:
        raise ValueError(f"details must not use the reserved keys {clashes}")
    if timing is not None:
        timing = _check_timing(timing, "timing")
    # under torchrun: the same manifest, written by rank 0 alone
    if not is_main_process():
        with tempfile.TemporaryDirectory() as elsewhere:
            _write_artifact(Path(elsewhere), spec, writers, details, recipe, None)
            manifest = json.loads((Path(elsewhere) / MANIFEST_FILE).read_bytes())
        barrier()
        return manifest
    try:
        _write_artifact(directory, spec, writers, details, recipe, timing)
    finally:
        barrier()  # the other processes go on once the files are in place
    return json.loads((directory / MANIFEST_FILE).read_bytes())


def _write_artifact(
    directory: Path,
    spec: ArtifactSpec,
    writers: Mapping[str, Callable[[Path], object]],
    details: Mapping[str, Any],
    recipe: str | None,
    timing: dict[str, float] | None,
) -> None:
    """Write the files of :func:`write_artifact` (checked arguments) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    # removed, with what is left in it, at the end
    with staging_folder(directory) as staging:
        files = {}
        for name in spec.files:
            writers[name](staging / name)
            files[name] = {
                "sha256": file_sha256(staging / name),
                "bytes": (staging / name).stat().st_size,
            }
        manifest = {
            "format": spec.format,
            "version": spec.version,
            "recipe": spec.command if recipe is None else recipe,
            "files": files,
            **details,
        }
        data = manifest_bytes(manifest)
        for name in spec.files:  # every file is complete: move them into place
            os.replace(staging / name, directory / name)
    if timing is not None:
        timing_text = json.dumps(timing, indent=1, sort_keys=True) + "\n"
        write_atomically(directory / TIMING_FILE, lambda p: p.write_text(timing_text))
    else:
        # an old run's timing would mislead
        (directory / TIMING_FILE).unlink(missing_ok=True)
    write_atomically(directory / MANIFEST_FILE, lambda p: p.write_bytes(data))


def load_timing(directory: str | PathLike[str]) -> dict[str, float]:
    """Read the durations recorded beside an artifact's manifest (:data:`TIMING_FILE`).

    The file is not covered by any hash (durations differ from run to run), so its values
    are checked to be durations and nothing else is read from it.

    Introduced in chapter 1.

    Parameters
    ----------
    directory : str or path-like
        The artifact's folder.

    Returns
    -------
    dict of str -> float
        Each recorded duration in seconds; empty if there is no timing file.

    Raises
    ------
    ValueError
        If the file is not a JSON object of names to finite durations >= 0 (the message
        names the file).

    Examples
    --------
    >>> load_timing("/nowhere")
    {}
    """
    path = check_path("directory", directory) / TIMING_FILE
    if not path.is_file():
        return {}
    try:
        timing = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from err
    return _check_timing(timing, str(path))


def _malformed(path: Path, problem: str, hint: str) -> ValueError:
    return ValueError(f"{path} is malformed: {problem}; {hint}")


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
        If a hash differs, or the manifest is not valid JSON, not a ``spec.format`` manifest
        of ``spec.version``, or does not record a SHA-256 for each of ``spec.files`` (the
        message names the file and ``spec.command``).

    Examples
    --------
    >>> spec = ArtifactSpec("demo", 1, ("a.txt",), "python -m stepbytoken demo")
    >>> load_artifact("/nowhere", spec, "0" * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: file not found: ...; rebuild the files with `python -m stepbytoken demo`
    """
    expected = check_sha256("sha256", sha256)
    directory = check_path("directory", directory)
    check_instance("spec", spec, ArtifactSpec)
    hint = f"rebuild the files with `{spec.command}`"
    manifest_path = directory / MANIFEST_FILE
    data = read_checked(manifest_path, expected, missing_hint=hint)
    try:
        manifest = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _malformed(manifest_path, f"not valid JSON ({err})", hint) from err
    if not isinstance(manifest, dict) or (
        manifest.get("format"),
        manifest.get("version"),
    ) != (spec.format, spec.version):
        raise ValueError(
            f"{manifest_path} is not a version-{spec.version} {spec.format} manifest; {hint}"
        )
    recorded = manifest.get("files", {})
    if not isinstance(recorded, dict):
        raise _malformed(manifest_path, "'files' must be an object", hint)
    missing = [name for name in spec.files if name not in recorded]
    if missing:
        raise ValueError(f"{manifest_path} does not list the files {missing}; {hint}")
    files = {}
    for name in spec.files:
        entry = recorded[name]
        try:
            digest = check_sha256(f"files.{name}.sha256", entry["sha256"])
        except (TypeError, KeyError, ValueError) as err:
            problem = f"'files' must give each file a 'sha256' of 64 hex digits ({err})"
            raise _malformed(manifest_path, problem, hint) from err
        files[name] = read_checked(directory / name, digest, missing_hint=hint)
    return manifest, files


def load_shipped(
    spec: ArtifactSpec,
    shipped: Path,
    shipped_sha256: str,
    directory: str | PathLike[str] | None = None,
    manifest_sha256: str | None = None,
) -> tuple[Path, dict[str, Any], dict[str, bytes]]:
    """:func:`load_artifact` as a recipe's loader calls it: the package's copy by default.

    Every ``load_*`` function of a recipe takes an optional ``directory`` (a folder the
    recipe wrote) and ``manifest_sha256``; without them it reads the folder the package ships,
    ``shipped``, checked against the SHA-256 pinned in code, ``shipped_sha256``.

    Introduced in chapter 1.

    Returns
    -------
    directory : Path
        The folder read.
    manifest : dict
        Its checked, parsed manifest.
    files : dict of str -> bytes
        Each of ``spec.files`` with its checked bytes.

    Raises
    ------
    TypeError, ValueError, FileNotFoundError
        As :func:`load_artifact`, and for a ``directory`` or ``manifest_sha256`` of the
        wrong kind.

    Examples
    --------
    >>> spec = ArtifactSpec("demo", 1, ("a.txt",), "python -m stepbytoken demo")
    >>> load_shipped(spec, Path("/nowhere"), "0" * 64, manifest_sha256="abc")
    Traceback (most recent call last):
    ...
    ValueError: manifest_sha256 must be 64 hex digits, got 'abc'
    """
    directory = shipped if directory is None else check_path("directory", directory)
    expected = check_sha256(
        "manifest_sha256",
        shipped_sha256 if manifest_sha256 is None else manifest_sha256,
    )
    manifest, files = load_artifact(directory, spec, expected)
    return directory, manifest, files
