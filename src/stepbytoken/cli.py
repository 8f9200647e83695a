"""The package's recipes on the command line: ``python -m stepbytoken COMMAND``.

Every artifact that ships inside the package is rebuilt by one of these commands, which prints
the SHA-256 to pin in the code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _corpus(args: argparse.Namespace) -> int:
    from stepbytoken.text import corpus

    digest = corpus.write_real_text()
    print(f"wrote {corpus.REAL_TEXT_FILE}")
    print(f"sha256 of the text: {digest}")
    if digest != corpus.REAL_TEXT_SHA256:
        print("this differs from corpus.REAL_TEXT_SHA256: update it to ship the new file")
    return 0


def _train_reference(args: argparse.Namespace) -> int:
    from stepbytoken.artifacts import file_sha256, reference

    out = reference.REFERENCE_DIR if args.out is None else args.out
    manifest = reference.train_reference(out, steps=args.steps, progress=True)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{manifest['parameters']:,} parameters, {results['steps']} steps in "
        f"{results['training_time_s']:.0f} s; final loss train {results['final_train_loss']:.3f}"
        f", val {results['final_val_loss']:.3f}"
    )
    print(
        f"fact accuracy: training facts {results['train_fact_accuracy']:.1%}, "
        f"held-out facts {results['heldout_fact_accuracy']:.1%}"
    )
    digest = file_sha256(f"{out}/{reference.MANIFEST_FILE}")
    print(f"sha256 of the manifest: {digest}")
    if digest != reference.MANIFEST_SHA256:
        print("this differs from reference.MANIFEST_SHA256: update it to ship the new files")
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
    train = commands.add_parser("train", help="train a model that ships with the package")
    models = train.add_subparsers(dest="model", required=True)
    reference = models.add_parser(
        "reference", help="train the book's reference GPT on the small world (minutes on a CPU)"
    )
    reference.add_argument(
        "--steps", type=int, default=None, help="training steps (default: the recipe's)"
    )
    reference.add_argument(
        "--out", default=None, help="output folder (default: the package's data/reference)"
    )
    reference.set_defaults(run=_train_reference)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a recipe; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
