"""Command-line options that recipes share: where to write, whether to overwrite, which device.

A recipe writes under ``./stepbytoken-artifacts/`` by default (:data:`DEFAULT_OUT_ROOT`), never
into the installed package; to replace a shipped artifact one names its folder with ``--out``
and adds ``--force``. A training recipe also takes ``--device`` (``cpu``, or ``cuda`` with
bfloat16 autocast) and runs unchanged under ``torchrun --nproc_per_node N``.

Introduced in chapter 6.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from os import PathLike
from pathlib import Path

import torch

from stepbytoken.artifacts import MANIFEST_FILE, check_output_path, file_sha256
from stepbytoken.checks import (
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_path,
    check_str,
    check_strings,
)
from stepbytoken.training import is_main_process

__all__ = [
    "DEFAULT_OUT_ROOT",
    "DEVICES",
    "add_device_argument",
    "add_output_arguments",
    "add_steps_argument",
    "autocast_dtype",
    "device_settings",
    "output_path",
    "recorded_command",
    "report_manifest",
    "stages",
]

#: Where recipes write by default, relative to the current folder.
DEFAULT_OUT_ROOT = Path("stepbytoken-artifacts")

#: The devices a training recipe accepts.
DEVICES = ("cpu", "cuda")


def _path(text: str) -> Path:
    """``--out``: a non-empty path, or a one-line error that argparse shows."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be a non-empty path, got {text!r}")
    return Path(text)


def _steps(text: str) -> int:
    """``--steps``: a whole number >= 1, or a one-line error that argparse shows."""
    try:
        return check_int("--steps", int(text), minimum=1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an int >= 1, got {text!r}") from None


def add_steps_argument(parser: argparse.ArgumentParser, default: int) -> None:
    """Add ``--steps`` (None unless given: the recipe's own ``default`` steps).

    Introduced in chapter 6.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_steps_argument(parser, 1000)
    >>> parser.parse_args([]).steps, parser.parse_args(["--steps", "5"]).steps
    (None, 5)
    """
    check_instance("parser", parser, argparse.ArgumentParser)
    default = check_int("default", default, minimum=1)
    parser.add_argument(
        "--steps",
        type=_steps,
        default=None,
        help=f"training steps (default: {default})",
    )


def add_output_arguments(
    parser: argparse.ArgumentParser, default: Path, what: str
) -> None:
    """Add ``--out`` (default ``default``) and ``--force`` to a recipe's parser.

    Introduced in chapter 6.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The recipe's parser.
    default : Path
        The default output, e.g. ``DEFAULT_OUT_ROOT / "reference"``.
    what : str
        ``"file"`` or ``"folder"``, for the help text.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_output_arguments(parser, DEFAULT_OUT_ROOT / "demo", "folder")
    >>> args = parser.parse_args([])
    >>> args.out, args.force
    (PosixPath('stepbytoken-artifacts/demo'), False)
    """
    check_instance("parser", parser, argparse.ArgumentParser)
    default = check_path("default", default)
    what = check_choice("what", what, ("file", "folder"))
    parser.add_argument(
        "--out",
        type=_path,
        default=default,
        help=f"output {what} (default: ./{default}); the package's own copy is only "
        "replaced with --force",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="allow overwriting a shipped artifact inside the installed package",
    )


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--device`` (``cpu`` or ``cuda``; default ``cpu``) to a training recipe's parser.

    Introduced in chapter 6.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_device_argument(parser)
    >>> parser.parse_args(["--device", "cuda"]).device
    'cuda'
    """
    check_instance("parser", parser, argparse.ArgumentParser)
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default="cpu",
        help="where to train: cpu (float32, deterministic), or cuda (bfloat16 autocast); "
        "under torchrun each process takes its own GPU (default: cpu)",
    )


def output_path(args: argparse.Namespace) -> Path:
    """The checked ``--out`` of parsed arguments (:func:`~stepbytoken.artifacts.check_output_path`).

    Introduced in chapter 6.

    Raises
    ------
    ValueError
        If ``--out`` is empty, or a shipped artifact and ``--force`` was not given.

    Examples
    --------
    >>> output_path(argparse.Namespace(out=Path("x"), force=False))
    PosixPath('x')
    """
    check_instance("args", args, argparse.Namespace)
    if not hasattr(args, "out") or not hasattr(args, "force"):
        raise ValueError(
            "args must come from a parser given add_output_arguments (--out, --force)"
        )
    return check_output_path(args.out, force=args.force, what="--out")


def autocast_dtype(device: str | torch.device) -> torch.dtype | None:
    """The autocast dtype a recipe trains with on ``device``: bfloat16 on CUDA, else None.

    Introduced in chapter 6.

    Examples
    --------
    >>> autocast_dtype("cpu") is None, autocast_dtype("cuda")
    (True, torch.bfloat16)
    """
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}") from err
    if kind not in DEVICES:
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    return torch.bfloat16 if kind == "cuda" else None


def device_settings(device: str | torch.device) -> dict[str, str | None]:
    """What a manifest records of where a recipe trained: ``device`` and ``autocast``.

    Introduced in chapter 20.

    Examples
    --------
    >>> device_settings("cpu"), device_settings("cuda")["autocast"]
    ({'device': 'cpu', 'autocast': None}, 'bfloat16')
    """
    autocast = autocast_dtype(device)  # checks the name
    return {
        "device": torch.device(device).type,
        "autocast": None if autocast is None else str(autocast).removeprefix("torch."),
    }


def recorded_command(
    command: str,
    *,
    steps: int | None = None,
    default_steps: int | None = None,
    device: str | torch.device = "cpu",
) -> str:
    """The command a manifest records: the recipe's own, plus the options it ran with.

    ``--steps`` is added when ``steps`` is given and differs from ``default_steps``;
    ``--device`` when the device is not the CPU.

    Introduced in chapter 6.

    Examples
    --------
    >>> recorded_command("python -m stepbytoken train sae", steps=300, default_steps=300)
    'python -m stepbytoken train sae'
    >>> recorded_command("python -m stepbytoken train sae", steps=50, device="cuda")
    'python -m stepbytoken train sae --steps 50 --device cuda'
    """
    check_str("command", command)
    if steps is not None:
        check_int("steps", steps, minimum=1)
    if default_steps is not None:
        check_int("default_steps", default_steps, minimum=1)
    kind = device_settings(device)["device"]  # checks the name
    flags = "" if steps is None or steps == default_steps else f" --steps {steps}"
    return command + flags + ("" if kind == "cpu" else f" --device {kind}")


def stages(
    name: str, steps: Sequence[str], *, enabled: bool = True
) -> AbstractContextManager[Callable[[str], None]]:
    """A tqdm bar over a recipe's stages; call the function it yields as each stage begins.

    The bar shows on rank 0 only (under ``torchrun``), and only if ``enabled``; a stage with
    a progress bar of its own (training) shows it below.

    Introduced in chapter 6.

    Parameters
    ----------
    name : str
        The bar's label, e.g. ``"train reference"``.
    steps : sequence of str
        The stages, in order.
    enabled : bool, default True
        Show the bar.

    Examples
    --------
    >>> with stages("demo", ["one", "two"], enabled=False) as stage:
    ...     stage("one")
    ...     stage("two")
    """
    name = check_str("name", name, allow_empty=False)
    steps = check_strings("steps", steps, allow_empty=False)
    return _stages(name, steps, check_bool("enabled", enabled))


@contextmanager
def _stages(
    name: str, steps: list[str], enabled: bool
) -> Iterator[Callable[[str], None]]:
    bar = None
    if enabled and is_main_process():
        from tqdm.auto import tqdm

        bar = tqdm(total=len(steps), desc=name, unit="stage")
    begun: list[str] = []

    def stage(step: str) -> None:
        if step not in steps:
            raise ValueError(f"stage must be one of {steps}, got {step!r}")
        if bar is not None:
            if begun:
                bar.update(1)
            bar.set_postfix_str(step)
        begun.append(step)

    try:
        yield stage
        if bar is not None and begun:
            bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def report_manifest(
    out: str | PathLike[str], pinned: str, shipped_dir: Path, module: str
) -> None:
    """Print the written manifest's SHA-256, and what to do if it is not the shipped one.

    ``pinned`` is the recipe's ``MANIFEST_SHA256``, ``shipped_dir`` the folder the package
    ships the artifact in, ``module`` the recipe's module name (for the message).
    """
    out = check_path("out", out)
    digest = file_sha256(out / MANIFEST_FILE)
    print(f"sha256 of the manifest: {digest}")
    if digest != pinned:
        print(
            f"this differs from MANIFEST_SHA256 in stepbytoken/recipes/{module}.py: "
            "update it to ship the new files"
        )
    if out.resolve() != shipped_dir:
        print(
            f"to ship them, rerun with --out {shipped_dir} --force (or copy the files there)"
        )
