"""The recipe of the real-text corpus: ``python -m stepbytoken corpus``.

Rebuilds ``data/pydocs.txt.gz`` from the running Python's standard library with
:func:`~stepbytoken.text.write_real_text` and prints the SHA-256 to pin as
:data:`~stepbytoken.text.REAL_TEXT_SHA256`. Another Python version gives another text, which
is why the file ships instead of being rebuilt on the reader's machine. It writes to
``./stepbytoken-artifacts/pydocs.txt.gz`` unless told otherwise; replacing the shipped file
takes ``--out`` naming it and ``--force``.

Introduced in chapter 1.
"""

from __future__ import annotations

import argparse

from stepbytoken.artifacts import write_atomically
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    stages,
)
from stepbytoken.text import REAL_TEXT_FILE, REAL_TEXT_SHA256, write_real_text

__all__ = ["DEFAULT_OUT", "HELP", "NAME", "add_arguments", "run"]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "corpus"
HELP = "rebuild the real-text corpus from this Python's standard library (seconds)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / REAL_TEXT_FILE.name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's command-line parser."""
    add_output_arguments(parser, DEFAULT_OUT, "file")


def run(args: argparse.Namespace) -> int:
    """Write the corpus file and print the SHA-256 of its text; exit code 0."""
    out = output_path(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    with stages(NAME, ["standard library docs"]) as stage:
        stage("standard library docs")
        digest = write_atomically(out, write_real_text)  # never half a file
    print(f"wrote {out}")
    print(f"sha256 of the text: {digest}")
    if digest != REAL_TEXT_SHA256:
        print(
            "this differs from REAL_TEXT_SHA256 in stepbytoken/text/corpus.py: "
            "update it to ship the new file"
        )
    print(
        f"to ship it, copy it to {REAL_TEXT_FILE} (or rerun with --out that path --force)"
    )
    return 0
