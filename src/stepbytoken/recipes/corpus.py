"""The recipe of the real-text corpus: ``python -m stepbytoken corpus``.

Rebuilds ``data/pydocs.txt.gz`` from the running Python's standard library with
:func:`~stepbytoken.text.write_real_text` and prints the SHA-256 to pin as
:data:`~stepbytoken.text.REAL_TEXT_SHA256`. Another Python version gives another text, which
is why the file ships instead of being rebuilt on the reader's machine.

Introduced in chapter 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stepbytoken.text import REAL_TEXT_FILE, REAL_TEXT_SHA256, write_real_text

__all__ = ["HELP", "NAME", "add_arguments", "run"]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "corpus"
HELP = "rebuild the real-text corpus from this Python's standard library (seconds)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` to the recipe's command-line parser."""
    parser.add_argument(
        "--out", type=Path, default=None, help="output file (default: the package's data)"
    )


def run(args: argparse.Namespace) -> int:
    """Write the corpus file and print the SHA-256 of its text; exit code 0."""
    out = REAL_TEXT_FILE if args.out is None else args.out
    digest = write_real_text(out)
    print(f"wrote {out}")
    print(f"sha256 of the text: {digest}")
    if digest != REAL_TEXT_SHA256:
        print(
            "this differs from REAL_TEXT_SHA256 in stepbytoken/text/corpus.py: "
            "update it to ship the new file"
        )
    return 0
