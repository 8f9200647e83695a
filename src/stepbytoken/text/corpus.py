"""Real English text that ships with the package: the prose of Python's own docstrings.

Chapter 1 fits its first language models to *real* text, and chapter 2 measures a tokenizer on
it. Every Python installation carries a few megabytes of carefully written English: the
docstrings of its standard library. :func:`build_real_text` collects the prose paragraphs of a
fixed list of standard-library modules (code examples and tables are dropped), and the result
ships inside the package as ``data/pydocs.txt.gz`` with its SHA-256 pinned below, so every
reader and every build sees exactly the same text whatever their Python version. The text is
derived from CPython's documentation strings, which are distributed under the Python Software
Foundation License.

Recreate the shipped file with ``python -m stepbytoken corpus`` (it prints the new hash).

Introduced in chapter 1.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import re
import sysconfig
from functools import cache
from pathlib import Path

from stepbytoken.checks import check_str

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REAL_TEXT_FILE = DATA_DIR / "pydocs.txt.gz"
REAL_TEXT_SHA256 = "5b3325ed18d74f5d14c75d1677932b8945ef5da198bfa5c92b1d30f637e09fa9"

#: Folders of the standard library whose files are left out (tests, vendored code, demos).
SKIPPED_FOLDERS = frozenset(
    {
        "test",
        "tests",
        "idle_test",
        "site-packages",
        "lib2to3",
        "turtledemo",
        "ensurepip",
    }
)

_CODE_LINE = re.compile(r"^\s*(>>>|\.\.\.|\$ |[-=+|]{3,}|\w+\s*=\s*\S)")


def _prose_paragraphs(doc: str) -> list[str]:
    """Split a docstring into paragraphs of prose, dropping code, tables and short lines.

    Examples
    --------
    >>> _prose_paragraphs("Return the sum of the values in the list.\\n\\n>>> sum([1, 2])\\n3")
    ['Return the sum of the values in the list.']
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", doc):
        lines = block.strip().splitlines()
        if not lines or any(_CODE_LINE.match(line) for line in lines):
            continue
        text = " ".join(line.strip() for line in lines)
        letters = sum(ch.isalpha() or ch == " " for ch in text)
        if len(text.split()) >= 6 and letters / len(text) > 0.85 and text[-1] in ".:?!":
            paragraphs.append(text)
    return paragraphs


def _source_files(stdlib: Path) -> list[Path]:
    """The standard library's ``.py`` files in sorted order, without tests and vendored code."""
    return sorted(
        path
        for path in stdlib.rglob("*.py")
        if not SKIPPED_FOLDERS.intersection(path.relative_to(stdlib).parts)
    )


def _docstrings(source: str) -> list[str]:
    """Docstrings of a module and of every class and function in it, in source order.

    Examples
    --------
    >>> _docstrings("'''A module.'''\\ndef f():\\n    '''A function.'''")
    ['A module.', 'A function.']
    """
    tree = ast.parse(source)
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    nodes = (node for node in ast.walk(tree) if isinstance(node, kinds))
    return [doc for node in nodes if (doc := ast.get_docstring(node))]


def build_real_text(stdlib: Path | None = None) -> str:
    """Collect the prose of the standard library's docstrings (the recipe of the shipped file).

    The source files are parsed, never imported, so building the corpus has no side effects.

    Parameters
    ----------
    stdlib
        Folder of the standard library; by default the running interpreter's.

    Returns
    -------
    str
        One paragraph a line, duplicates removed, files in sorted order.
    """
    stdlib = Path(stdlib or sysconfig.get_paths()["stdlib"])
    seen: set[str] = set()
    lines = []
    for path in _source_files(stdlib):
        try:
            docs = _docstrings(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for doc in docs:
            for paragraph in _prose_paragraphs(doc):
                if paragraph not in seen:
                    seen.add(paragraph)
                    lines.append(paragraph)
    return "\n".join(lines) + "\n"


def write_real_text(path: Path = REAL_TEXT_FILE) -> str:
    """Rebuild the shipped corpus file and return the SHA-256 of its text."""
    text = build_real_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(text.encode("utf-8"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def real_text() -> str:
    """Return the book's real English corpus (about 1.2 MB), checked against its pinned hash.

    Returns
    -------
    str
        The prose of Python's standard-library docstrings, one paragraph a line.

    Raises
    ------
    FileNotFoundError
        If the shipped file is missing (rebuild it with ``python -m stepbytoken corpus``).
    ValueError
        If the file's content does not match the pinned SHA-256.

    Examples
    --------
    >>> text = real_text()
    >>> len(text) > 1_000_000
    True

    Introduced in chapter 1.
    """
    if not REAL_TEXT_FILE.exists():
        raise FileNotFoundError(
            f"{REAL_TEXT_FILE} is missing; rebuild it with `python -m stepbytoken corpus`"
        )
    data = gzip.decompress(REAL_TEXT_FILE.read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if digest != REAL_TEXT_SHA256:
        raise ValueError(
            f"{REAL_TEXT_FILE} has sha256 {digest}, expected {REAL_TEXT_SHA256}: the file is "
            "corrupted or was rebuilt without updating REAL_TEXT_SHA256"
        )
    return data.decode("utf-8")


def split_lines(text: str, every: int = 10) -> tuple[str, str]:
    """Hold out every ``every``-th line of ``text`` for evaluation.

    Parameters
    ----------
    text
        Text with one paragraph a line.
    every
        Line ``i`` goes to the held-out part when ``i % every == every - 1``.

    Returns
    -------
    tuple of str
        ``(train, heldout)``: two strings, each one paragraph a line.

    Examples
    --------
    >>> split_lines("a\\nb\\nc\\nd", every=2)
    ('a\\nc', 'b\\nd')

    Introduced in chapter 1.
    """
    check_str("text", text)
    if not isinstance(every, int) or every < 2:
        raise ValueError(f"every must be an int >= 2, got {every!r}")
    lines = text.splitlines()
    train = [line for i, line in enumerate(lines) if i % every != every - 1]
    heldout = [line for i, line in enumerate(lines) if i % every == every - 1]
    return "\n".join(train), "\n".join(heldout)
