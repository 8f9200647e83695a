"""Tests for stepbytoken.recipes.options: the options and progress that recipes share."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import torch

from stepbytoken.artifacts import REFERENCE_DIR
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_device_argument,
    add_output_arguments,
    autocast_dtype,
    output_path,
    recorded_command,
    stages,
)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demo")
    add_output_arguments(parser, DEFAULT_OUT_ROOT / "demo", "folder")
    add_device_argument(parser)
    return parser


def test_defaults():
    args = parser().parse_args([])
    assert (args.out, args.force, args.device) == (
        Path("stepbytoken-artifacts/demo"),
        False,
        "cpu",
    )
    assert output_path(args) == Path("stepbytoken-artifacts/demo")


def test_output_path_refuses_a_shipped_artifact_without_force():
    args = parser().parse_args(["--out", str(REFERENCE_DIR)])
    with pytest.raises(ValueError, match="--out .* refusing to overwrite it"):
        output_path(args)
    args = parser().parse_args(["--out", str(REFERENCE_DIR), "--force"])
    assert output_path(args) == REFERENCE_DIR


def test_autocast_dtype():
    assert autocast_dtype("cpu") is None
    assert autocast_dtype(torch.device("cuda", 1)) is torch.bfloat16


def test_stages_show_a_bar_and_check_names(capsys):
    with stages("demo recipe", ["one", "two"]) as stage:
        stage("one")
        stage("two")
    err = capsys.readouterr().err
    assert "demo recipe" in err and "2/2" in err
    with pytest.raises(
        ValueError, match=r"stage must be one of \['one'\], got 'three'"
    ):
        with stages("demo", ["one"], enabled=False) as stage:
            stage("three")
    assert capsys.readouterr().err == ""  # disabled: no bar


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((None, ["one"]), {}, TypeError, "name must be a str, got NoneType"),
        (("demo", None), {}, TypeError, "steps must be a list of str, got NoneType"),
        (("demo", "one"), {}, TypeError, "steps must be a list of str"),
        (("demo", ["one"]), {"enabled": None}, TypeError, "enabled must be a bool"),
    ],
)
def test_stages_refuse_bad_arguments_by_name(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        with stages(*args, **kwargs):
            pass


def test_recorded_command_adds_only_what_differs_from_the_defaults():
    base = "python -m stepbytoken train demo"
    assert recorded_command(base) == base
    assert recorded_command(base, steps=10) == base + " --steps 10"
    assert recorded_command(base, steps=10, default_steps=10) == base
    assert recorded_command(base, steps=5, default_steps=10) == base + " --steps 5"
    assert (
        recorded_command(base, device=torch.device("cuda", 1))
        == base + " --device cuda"
    )
    assert recorded_command(base, device="cpu") == base


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"command": None}, TypeError, "command must be a str"),
        ({"steps": 0}, ValueError, "steps must be"),
        ({"steps": 2.5}, TypeError, "steps must be"),
        ({"device": "tpu"}, ValueError, "device must be 'cpu' or 'cuda', got 'tpu'"),
    ],
)
def test_recorded_command_refuses_bad_arguments_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        recorded_command(**{"command": "python -m stepbytoken train demo", **kwargs})
