"""Tests for stepbytoken.cli: every recipe on the command line, and clear errors."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from stepbytoken.cli import build_parser, main
from stepbytoken.recipes import GROUPS, RECIPES


def test_every_recipe_has_the_shared_shape():
    names = [recipe.NAME for recipe in RECIPES]
    assert len(set(names)) == len(names)
    for recipe in RECIPES:
        words = recipe.NAME.split()
        assert 1 <= len(words) <= 2 and (len(words) == 1 or words[0] in GROUPS)
        assert isinstance(recipe.HELP, str) and "\n" not in recipe.HELP and recipe.HELP
        assert callable(recipe.add_arguments) and callable(recipe.run)


def test_help_lists_every_recipe():
    # Run as a reader would, in a fresh interpreter.
    result = subprocess.run(
        [sys.executable, "-m", "stepbytoken", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for recipe in RECIPES:
        assert recipe.NAME in result.stdout
        assert recipe.HELP in " ".join(result.stdout.split())  # help may wrap lines
        # the longest name still stands apart from its description
        assert f"  {recipe.NAME}  " in result.stdout, recipe.NAME


def test_group_help_lists_its_recipes(capsys):
    for group, description in GROUPS.items():
        with pytest.raises(SystemExit) as info:
            main([group, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert description in out
        for recipe in RECIPES:
            if recipe.NAME.split()[0] == group:
                assert recipe.NAME.split()[1] in out


def test_each_recipe_parses_its_defaults():
    parser = build_parser()
    for recipe in RECIPES:
        args = parser.parse_args(recipe.NAME.split())
        assert args.run is recipe.run


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["train"], "the following arguments are required: RECIPE"),
        (["train", "nope"], "invalid choice: 'nope'"),
        (
            ["train", "reference", "--steps", "0"],
            "argument --steps: must be an int >= 1, got '0'",
        ),
        (
            ["train", "reference", "--steps", "x"],
            "argument --steps: must be an int >= 1, got 'x'",
        ),
        (["corpus", "--nope"], "unrecognized arguments: --nope"),
        (["corpus", "--out", ""], "argument --out: must be a non-empty path, got ''"),
        (
            ["train", "reference", "--out", " "],
            "argument --out: must be a non-empty path",
        ),
        (
            ["train", "reference", "--device", "tpu"],
            "argument --device: invalid choice: 'tpu'",
        ),
    ],
)
def test_a_bad_argument_gives_a_clear_error(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("usage: python -m stepbytoken")


def test_parser_is_an_argparse_parser():
    assert isinstance(build_parser(), argparse.ArgumentParser)


def test_every_recipe_writes_outside_the_package_by_default_and_refuses_empty_paths(
    capsys,
):
    parser = build_parser()
    for recipe in RECIPES:
        args = parser.parse_args(recipe.NAME.split())
        assert args.out.parts[0] == "stepbytoken-artifacts" and args.force is False
        with pytest.raises(SystemExit):
            parser.parse_args([*recipe.NAME.split(), "--out", ""])
        assert "must be a non-empty path" in capsys.readouterr().err


def test_help_says_where_a_recipe_writes(capsys):
    for recipe in RECIPES:
        with pytest.raises(SystemExit):
            main([*recipe.NAME.split(), "--help"])
        # help wraps lines, even at hyphens
        out = "".join(capsys.readouterr().out.split())
        assert "(default:./stepbytoken-artifacts/" in out and "--force" in out


def test_the_command_line_does_not_load_the_retrieval_library():
    """bm25s loads JAX where JAX is installed, and JAX takes most of a GPU's memory as it
    starts: a training recipe on a GPU must not import it."""
    probe = "import sys, stepbytoken.cli; print(sorted({'bm25s', 'jax'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
