"""A small thinker: ``python -m stepbytoken train thinking-small``.

Chapter 17 sets a small model that thinks against a larger one that answers at once, at equal
compute. This recipe takes a smaller member of the model family
(:mod:`~stepbytoken.recipes.family`, :data:`SMALL_MEMBER`), adds the chat and thinking tokens,
and fine-tunes the whole of it on the same problems, thoughts and replayed text as the thinker
of :mod:`~stepbytoken.recipes.thinking`
(:func:`~stepbytoken.recipes.thinking.fine_tune_on_problems`), for :data:`STEPS` steps: a
small model costs less per step, and starts further away. It then measures the same budget
curve on the same held-out problems, with the compute of each answer.

The package ships the result in ``data/thinking_small/``: ``small.safetensors`` (half
precision; the recipe measures the rounded model) and
``results.json``, with ``manifest.json`` (which records the SHA-256 of the family's manifest)
and ``timing.json``. :func:`load_thinking_small` checks the files against
:data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 17.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import time
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import torch

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.thinking import curve_record
from stepbytoken.generation.thinking import thinking_tokenizer
from stepbytoken.nn import GPT, count_parameters, grow_vocab
from stepbytoken.recipes import family, thinking
from stepbytoken.recipes.model_widths import (
    check_tokenizer,
    shipped_gpt,
    tokenizer_sha256,
)
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "SMALL_DIR",
    "SMALL_MEMBER",
    "SMALL_SPEC",
    "STEPS",
    "SmallThinker",
    "add_arguments",
    "load_thinking_small",
    "run",
    "train_thinking_small",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train thinking-small"
HELP = (
    "fine-tune a small model of the family to think, and measure it (minutes on a CPU)"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "thinking_small"

#: Folder of the shipped model inside the package.
SMALL_DIR = Path(__file__).resolve().parent.parent / "data" / "thinking_small"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other files).
MANIFEST_SHA256 = "4c11a44d50d1ab86a0acc99b5dbe748cea108a6057fdeba0a785d08af466884a"

MODEL_FILE = "small.safetensors"
RESULTS_FILE = "results.json"

#: What the artifact holds.
SMALL_SPEC = ArtifactSpec(
    "stepbytoken-thinking-small",
    1,
    (MODEL_FILE, RESULTS_FILE),
    "python -m stepbytoken train thinking-small",
)

# The recipe's settings (the rest are those of the thinking recipe).
SMALL_MEMBER = "s"  # the family member taught to think
STEPS = 600  # twice the thinker's: the whole model trains, and it starts further away

#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "fine-tuning", "measuring", "files")


class SmallThinker(NamedTuple):
    """The small thinker, its tokenizer, its measurements and its manifest.

    Introduced in chapter 17.

    Fields:
        model: The family member taught to think.
        tokenizer: The :func:`~stepbytoken.generation.thinking.thinking_tokenizer`.
        results: The measurements of the recipe (``results.json``).
        manifest: The artifact's manifest.
    """

    model: GPT
    tokenizer: BPETokenizer
    results: dict[str, Any]
    manifest: dict[str, Any]


def _base() -> tuple[GPT, str]:
    """The family member to fine-tune, and the SHA-256 of the family's manifest."""
    return family.load_family()[SMALL_MEMBER].model, family.MANIFEST_SHA256


def _half_state(model: GPT) -> dict[str, torch.Tensor]:
    """The model's weights in half precision, the tied output layer left to its embedding."""
    return {k: v.half() for k, v in model.state_dict().items() if k != "lm_head.weight"}


def train_thinking_small(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    n_eval: int = thinking.N_EVAL,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the small thinker, measure its budget curve; write the artifact.

    Introduced in chapter 17.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps; None uses :data:`STEPS`.
    n_eval : int, default :data:`~stepbytoken.recipes.thinking.N_EVAL`
        Held-out problems to measure on.
    progress : bool, default True
        Show progress bars.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    steps = STEPS if steps is None else check_int("steps", steps, minimum=1)
    config = thinking.train_config(steps)
    n_eval = check_int("n_eval", n_eval, minimum=2)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(thinking.NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            tokenizer = thinking_tokenizer(load_reference().tokenizer)
            base, family_sha256 = _base()
            model = grow_vocab(base, tokenizer.vocab_size)
            stage("fine-tuning")
            start = time.perf_counter()
            result = thinking.fine_tune_on_problems(
                model,
                tokenizer,
                config,
                thinks=True,
                n_val=min(thinking.N_VAL, n_eval),
                progress=progress,
            )
            training_s = time.perf_counter() - start
            stage("measuring")
            start = time.perf_counter()
            model.half().float().eval()  # the weights as shipped, in half precision
            results = {
                "budgets": list(thinking.BUDGETS),
                "small": curve_record(
                    model,
                    tokenizer,
                    thinking.eval_problems(n_eval),
                    thinking.BUDGETS,
                    max_tokens=thinking.MAX_THOUGHT,
                ),
            }
            measuring_s = time.perf_counter() - start
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "family_manifest_sha256": family_sha256,
        "small_member": SMALL_MEMBER,
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "model": dataclasses.asdict(model.config),
        "parameters": count_parameters(model),
        "training": {**dataclasses.asdict(config), "num_threads": thinking.NUM_THREADS},
        "data": {"eval_problems": n_eval, "same_as": thinking.THINKING_SPEC.command},
        "results": {
            "final_train_loss": round(result.final_train_loss, 4),
            "final_val_loss": round(result.final_val_loss, 4),
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {
        "training_time_s": round(training_s, 1),
        "measuring_time_s": round(measuring_s, 1),
    }
    recipe = recorded_command(SMALL_SPEC.command, steps=steps, default_steps=STEPS)
    manifest = write_artifact(
        out_dir,
        SMALL_SPEC,
        {
            MODEL_FILE: lambda p: save_weights(_half_state(model), p),
            RESULTS_FILE: lambda p: p.write_text(json.dumps(results) + "\n"),
        },
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_thinking_small(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> SmallThinker:
    """Load the shipped small thinker, checking the SHA-256 of its files first.

    Introduced in chapter 17.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_thinking_small`; :data:`SMALL_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> small = load_thinking_small()
    >>> small.model.training, small.manifest["small_member"]
    (False, 's')
    """
    directory, manifest, files = load_shipped(
        SMALL_SPEC, SMALL_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = thinking_tokenizer(load_reference().tokenizer)
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the thinking tokenizer of the shipped reference model",
        command=SMALL_SPEC.command,
    )
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE, tied=True)
    results = json.loads(files[RESULTS_FILE])
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return SmallThinker(model, tokenizer, results, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, STEPS)
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Fine-tune, measure, write the files, print the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_thinking_small(
        out, steps=args.steps, progress=True, force=args.force
    )
    print(f"wrote {out}")
    print(json.dumps(manifest["results"], indent=1))
    report_manifest(out, MANIFEST_SHA256, SMALL_DIR, "thinking_small")
    return 0
