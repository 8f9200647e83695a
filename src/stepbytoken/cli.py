"""The package's recipes on the command line: ``python -m stepbytoken COMMAND``.

Every artifact that ships inside the package is rebuilt by one of these commands, which prints
the SHA-256 to pin in the code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _corpus(args: argparse.Namespace) -> int:
    from stepbytoken import corpus

    digest = corpus.write_real_text()
    print(f"wrote {corpus.REAL_TEXT_FILE}")
    print(f"sha256 of the text: {digest}")
    if digest != corpus.REAL_TEXT_SHA256:
        print("this differs from corpus.REAL_TEXT_SHA256: update it to ship the new file")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface: one subcommand per recipe."""
    parser = argparse.ArgumentParser(
        prog="python -m stepbytoken", description="Recipes that rebuild what the package ships."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    corpus = commands.add_parser(
        "corpus", help="rebuild the real-text corpus from this Python's standard library"
    )
    corpus.set_defaults(run=_corpus)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a recipe; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
