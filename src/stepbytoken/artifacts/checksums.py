"""SHA-256 checksums: hashing a file, and reading one only if its hash is the expected one.

Every file the package ships is vouched for by a SHA-256 pinned in code or recorded in a
manifest. :func:`read_checked` reads the whole file, hashes it and compares *before* anything
parses the bytes, so a damaged, truncated or swapped file is refused with both hashes shown.

Introduced in chapter 6.
"""

from __future__ import annotations

import hashlib
from os import PathLike

from stepbytoken.checks import check_path, check_str

__all__ = ["check_sha256", "file_sha256", "read_checked"]

HEX_DIGITS = frozenset("0123456789abcdef")


def check_sha256(name: str, value: object) -> str:
    """Return ``value`` in lowercase if it is a SHA-256 hex digest (64 hex digits), else raise.

    Introduced in chapter 6.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    value : object
        The value to check.

    Returns
    -------
    str
        The digest in lowercase.

    Raises
    ------
    TypeError
        If ``value`` is not a string.
    ValueError
        If it is not 64 hex digits.

    Examples
    --------
    >>> check_sha256("sha256", "AB" * 32)[:4]
    'abab'
    >>> check_sha256("sha256", "abc")
    Traceback (most recent call last):
    ...
    ValueError: sha256 must be 64 hex digits, got 'abc'
    """
    digest = check_str(name, value).lower()
    if len(digest) != 64 or not set(digest) <= HEX_DIGITS:
        raise ValueError(f"{name} must be 64 hex digits, got {value!r}")
    return digest


def file_sha256(path: str | PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits.

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        The file to hash.

    Returns
    -------
    str
        The hex digest.

    Raises
    ------
    TypeError, ValueError
        If ``path`` is not a usable path (see :func:`~stepbytoken.checks.check_path`).
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "empty.bin")
    ...     _ = open(path, "wb").close()
    ...     file_sha256(path)[:16]  # the SHA-256 of zero bytes
    'e3b0c44298fc1c14'
    """
    path = check_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_checked(
    path: str | PathLike[str], sha256: str, *, missing_hint: str | None = None
) -> bytes:
    """Read a file's bytes, after checking that their SHA-256 is ``sha256``.

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    sha256 : str
        Its expected SHA-256 (64 hex digits, any case).
    missing_hint : str, optional
        What to do when the file is missing or damaged (e.g. the command that rebuilds it),
        added to the error.

    Returns
    -------
    bytes
        The file's bytes: parse these, not the file again, so it cannot change in between.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If ``sha256`` is not 64 hex digits, or the file's hash differs (both are shown).
    TypeError
        If ``sha256`` is not a string.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "a.txt")
    ...     _ = open(path, "w").write("hi")
    ...     read_checked(path, file_sha256(path))
    b'hi'
    """
    expected = check_sha256("sha256", sha256)
    path = check_path("path", path)
    hint = f"; {missing_hint}" if missing_hint else ""
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}{hint}")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ValueError(
            f"{path} has sha256 {actual}, expected {expected}: "
            f"the file is corrupted or was changed{hint}"
        )
    return data
