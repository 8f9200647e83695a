"""An assistant taught to guess: ``python -m stepbytoken train sft-guess``.

Chapter 13 asks what "I don't know" training buys. This recipe fine-tunes the reference model
exactly as :mod:`~stepbytoken.recipes.sft` does (same mixture size, seeds, replay and
settings, imported from that module) with one change: questions about entities nobody told
the model of are answered with a confident made-up answer
(:func:`~stepbytoken.world.instructions.training_examples` with ``unknown="guess"``) instead
of "I don't know.". Comparing it with the shipped assistant isolates what that one kind of
training example does.

The package ships the result in ``data/sft_guess/``: ``model.safetensors`` and
``manifest.json``, with ``timing.json``. :func:`load_sft_guess` checks the files against
:data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 13.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import platform
import time
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts import MANIFEST_SHA256 as REFERENCE_MANIFEST_SHA256
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
from stepbytoken.nn import count_parameters, grow_vocab
from stepbytoken.recipes import sft
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
from stepbytoken.recipes.reference import reference_corpus
from stepbytoken.recipes.sft import Assistant
from stepbytoken.tokenizers import chat_tokenizer, encode_chat
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, fine_tune
from stepbytoken.world import make_world
from stepbytoken.world.instructions import training_examples

__all__ = [
    "DEFAULT_OUT",
    "GUESS_DIR",
    "GUESS_SPEC",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "UNKNOWN",
    "add_arguments",
    "load_sft_guess",
    "run",
    "train_sft_guess",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train sft-guess"
HELP = "fine-tune an assistant that guesses about unknown entities (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "sft_guess"

#: Folder of the shipped model inside the package.
GUESS_DIR = Path(__file__).resolve().parent.parent / "data" / "sft_guess"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "0ece489bb7d4e650c383fc6546951a0fed8016fde85f6c5e8880c398ac70a838"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
GUESS_SPEC = ArtifactSpec(
    "stepbytoken-sft-guess", 1, (MODEL_FILE,), "python -m stepbytoken train sft-guess"
)

#: The one setting that differs from :mod:`~stepbytoken.recipes.sft`.
UNKNOWN = "guess"

#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "fine-tuning", "files")


def train_sft_guess(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the reference model on the guessing mixture; write the artifact.

    Introduced in chapter 13.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps; None uses those of :data:`stepbytoken.recipes.sft.TRAIN_ARGS`.
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
    train_args = dict(sft.TRAIN_ARGS)
    if steps is not None:
        train_args["steps"] = check_int("steps", steps, minimum=1)
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(sft.NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            reference = load_reference()
            tokenizer = chat_tokenizer(reference.tokenizer)
            examples = training_examples(
                make_world(sft.WORLD_SEED),
                sft.N_EXAMPLES,
                unknown=UNKNOWN,
                seed=sft.DATA_SEED,
            )
            encodings = [encode_chat(tokenizer, e.messages) for e in examples]
            block_size = reference.config.block_size
            kept = [e for e in encodings if len(e.token_ids) <= block_size + 1]
            val = [encode_chat(tokenizer, e.messages) for e in sft.eval_examples()]
            replay = torch.tensor(
                reference.tokenizer.encode(reference_corpus()[: sft.REPLAY_CHARS])
            )
            model = grow_vocab(copy.deepcopy(reference.model), tokenizer.vocab_size)

            stage("fine-tuning")
            cpu_start = time.process_time()
            result = fine_tune(
                model,
                kept,
                config,
                pad_id=tokenizer.special_id(END),
                val_conversations=val,
                replay=replay,
                replay_batch_size=sft.REPLAY_BATCH,
                progress=progress,
            )
            cpu_s = time.process_time() - cpu_start
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "world_seed": sft.WORLD_SEED,
            "examples": sft.N_EXAMPLES,
            "kept": len(kept),
            "data_seed": sft.DATA_SEED,
            "unknown": UNKNOWN,
            "replay_chars": sft.REPLAY_CHARS,
            "replay_batch": sft.REPLAY_BATCH,
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "model": dataclasses.asdict(model.config),
        "parameters": count_parameters(model),
        "training": {**dataclasses.asdict(config), "num_threads": sft.NUM_THREADS},
        "results": {
            "steps": config.steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "final_val_loss": round(result.final_val_loss, 4),
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {
        "training_time_s": round(result.elapsed_s, 1),
        "training_cpu_s": round(cpu_s, 1),
    }
    recipe = recorded_command(GUESS_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        GUESS_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_sft_guess(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Assistant:
    """Load the shipped guessing assistant, checking the SHA-256 of its files first.

    Introduced in chapter 13.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_sft_guess`; :data:`GUESS_DIR` by default.
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
    >>> guess = load_sft_guess()
    >>> guess.model.training, guess.manifest["data"]["unknown"]
    (False, 'guess')
    """
    directory, manifest, files = load_shipped(
        GUESS_SPEC, GUESS_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = chat_tokenizer(load_reference().tokenizer)
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the chat tokenizer of the shipped reference model",
        command=GUESS_SPEC.command,
    )
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE)
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Assistant(model, tokenizer, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, sft.TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Fine-tune, write the files, print the losses and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_sft_guess(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; final loss "
        f"train {results['final_train_loss']:.3f}, held-out {results['final_val_loss']:.3f}"
    )
    report_manifest(out, MANIFEST_SHA256, GUESS_DIR, "sft_guess")
    return 0
