"""Writing files safely: all or nothing, and never over a shipped artifact by accident.

A recipe that is interrupted (Ctrl-C, a full disk, an exception) must not leave a file half
written. :func:`write_atomically` lets a writer fill a temporary file in the destination's
folder and only then renames it over the destination (``os.replace``, atomic on one file
system), so the destination holds either its old bytes or all of its new ones. The
temporary file has the destination's own name, inside a temporary folder, so a writer that
records the file's name (as gzip does) writes the same bytes as it would in place.
:func:`check_output_path` refuses the paths a recipe must not write to: an empty one, and one
inside the installed package (where the shipped artifacts live) unless ``force`` is given.

Introduced in chapter 6.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from os import PathLike
from pathlib import Path
from typing import TypeVar

from stepbytoken.checks import check_bool, check_path, check_str

__all__ = [
    "PACKAGE_DIR",
    "check_output_path",
    "is_inside_package",
    "staging_folder",
    "write_atomically",
]

#: The installed package's folder: the shipped artifacts live under it.
PACKAGE_DIR = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def write_atomically(path: str | PathLike[str], writer: Callable[[Path], T]) -> T:
    """Call ``writer(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    ``tmp`` has the same name as ``path``, in a temporary folder beside it.

    If ``writer`` raises (or the process is interrupted), the temporary file is removed and
    ``path`` keeps its old contents, or stays absent.

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        The destination file; its folder must exist.
    writer : callable
        Writes the file's whole contents to the path it is given.

    Returns
    -------
    object
        What ``writer`` returned.

    Raises
    ------
    FileNotFoundError
        If the destination's folder does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = Path(d) / "a.txt"
    ...     _ = write_atomically(path, lambda tmp: tmp.write_text("old"))
    ...     def broken(tmp):
    ...         tmp.write_text("half")
    ...         raise KeyboardInterrupt
    ...     try:
    ...         write_atomically(path, broken)
    ...     except KeyboardInterrupt:
    ...         pass
    ...     path.read_text(), os.listdir(d)
    ('old', ['a.txt'])
    """
    path = check_path("path", path)
    if not callable(writer):
        raise TypeError(f"writer must be callable, got {type(writer).__name__}")
    with staging_folder(path.parent) as staging:
        tmp = staging / path.name
        result = writer(tmp)
        os.replace(tmp, path)
    return result


def staging_folder(directory: str | PathLike[str]) -> AbstractContextManager[Path]:
    """A temporary folder inside ``directory``, removed with whatever is left in it.

    Files are written here and moved into ``directory`` with ``os.replace`` once complete;
    an exception, or an interrupt, leaves nothing behind.

    Introduced in chapter 6.

    Raises
    ------
    FileNotFoundError
        If ``directory`` does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with staging_folder(d) as staging:
    ...         _ = (staging / "a.txt").write_text("hi")
    ...         os.replace(staging / "a.txt", Path(d) / "a.txt")
    ...     os.listdir(d)
    ['a.txt']
    """
    directory = check_path("directory", directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write into {directory}: folder not found")
    return _staging(directory)


@contextmanager
def _staging(directory: Path) -> Iterator[Path]:
    staging = Path(tempfile.mkdtemp(dir=directory, prefix=".staging-"))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def is_inside_package(path: str | PathLike[str]) -> bool:
    """Whether ``path`` is the installed package's folder or lies under it.

    Introduced in chapter 6.

    Examples
    --------
    >>> is_inside_package(PACKAGE_DIR / "data" / "reference"), is_inside_package("/tmp/x")
    (True, False)
    """
    resolved = check_path("path", path).resolve()
    return resolved == PACKAGE_DIR or PACKAGE_DIR in resolved.parents


def check_output_path(
    path: str | PathLike[str], *, force: bool = False, what: str = "path"
) -> Path:
    """Return ``path`` as a ``Path`` if a recipe may write there, else raise.

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        Where the recipe would write (a file or a folder).
    force : bool, default False
        Allow overwriting what exists inside the installed package (a shipped artifact).
    what : str, default "path"
        What the path is, for the error message (e.g. ``"--out"``).

    Returns
    -------
    Path
        The path.

    Raises
    ------
    TypeError
        If ``path`` is not a string or path, ``force`` not a bool or ``what`` not a string.
    ValueError
        If it is empty (or not a usable path), or it exists inside the installed package and
        ``force`` is False.

    Examples
    --------
    >>> check_output_path("stepbytoken-artifacts/reference")
    PosixPath('stepbytoken-artifacts/reference')
    >>> check_output_path("")
    Traceback (most recent call last):
    ...
    ValueError: path must be a non-empty path, got ''
    >>> check_output_path(PACKAGE_DIR / "data" / "reference")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: path .../data/reference is a shipped artifact inside the installed package...
    """
    what = check_str("what", what, allow_empty=False)
    force = check_bool("force", force)
    out = check_path(what, path)
    if not force and is_inside_package(out) and out.exists():
        raise ValueError(
            f"{what} {out} is a shipped artifact inside the installed package; "
            "refusing to overwrite it (pass --force, or force=True, to replace it on purpose)"
        )
    return out
