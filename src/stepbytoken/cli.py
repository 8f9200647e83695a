"""The package's recipes on the command line: ``python -m stepbytoken COMMAND``.

Every artifact that ships inside the package is rebuilt by one recipe
(:data:`stepbytoken.recipes.RECIPES`), which prints the SHA-256 to pin in the code. Recipes
write under ``./stepbytoken-artifacts/`` unless given ``--out``, and run unchanged under
``torchrun --nproc_per_node N -m stepbytoken ...``: the processes join one process group
(:func:`~stepbytoken.training.process_group`), train together, and only rank 0 prints and writes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from stepbytoken.recipes import GROUPS, RECIPES
from stepbytoken.training import is_main_process, process_group


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface: one subcommand per recipe, grouped by ``NAME``'s first word.

    Examples
    --------
    >>> args = build_parser().parse_args(["train", "reference", "--steps", "3"])
    >>> args.steps
    3
    """
    width = max(len(recipe.NAME) for recipe in RECIPES) + 2
    listing = "\n".join(f"  {recipe.NAME:<{width}}{recipe.HELP}" for recipe in RECIPES)
    parser = argparse.ArgumentParser(
        prog="python -m stepbytoken",
        description="Recipes that rebuild what the package ships.",
        epilog=f"recipes:\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, Any] = {}  # group word -> its subparsers
    for recipe in RECIPES:
        *group, name = recipe.NAME.split()
        subparsers = commands
        if group:
            (word,) = group  # one level of grouping: "train reference"
            if word not in groups:
                group_parser = commands.add_parser(
                    word, help=GROUPS[word], description=GROUPS[word]
                )
                groups[word] = group_parser.add_subparsers(
                    dest=f"{word}_command", required=True, metavar="RECIPE"
                )
            subparsers = groups[word]
        sub = subparsers.add_parser(name, help=recipe.HELP, description=recipe.HELP)
        recipe.add_arguments(sub)
        sub.set_defaults(run=recipe.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a recipe; returns the process exit code.

    Under ``torchrun`` the recipe runs in a process group on its ``--device`` (the CPU for
    recipes without one); the processes other than rank 0 print nothing.
    """
    args = build_parser().parse_args(argv)
    with process_group(getattr(args, "device", "cpu")):
        if is_main_process():
            return args.run(args)
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
