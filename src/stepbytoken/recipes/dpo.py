"""The recipe of the preference-tuned assistant: ``python -m stepbytoken train dpo``.

Direct preference optimisation (Rafailov et al., 2023) trains the shipped assistant
(:func:`~stepbytoken.recipes.sft.load_sft`) on the same preference pairs as the reward model
(:func:`~stepbytoken.recipes.reward.pair_data`), against a frozen copy of itself
(:func:`~stepbytoken.training.train_dpo`, with the recipe's :data:`BETA`). It then grades the
result on the held-out examples the assistant was graded on
(:func:`~stepbytoken.recipes.sft.eval_examples`), and measures on held-out pairs how often
DPO's implicit reward ranks the pair as the judge does, and how far the model moved from the
assistant: the mean of ``log π(answer) - log π_sft(answer)`` over the chosen answers.

The package ships ``data/dpo/``: ``model.safetensors`` and ``manifest.json``, with
``timing.json``. :func:`load_dpo` checks them against :data:`MANIFEST_SHA256`.

Introduced in chapter 8.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import platform
import statistics
import time
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_shipped,
    load_timing,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.assistant import grade, summarise
from stepbytoken.nn import GPT
from stepbytoken.recipes.model_widths import shipped_gpt
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reward import pair_data
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import (
    Assistant,
    eval_examples,
    eval_toolbox,
    load_sft,
)
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, conversation_logprobs, train_dpo

__all__ = [
    "BETA",
    "DEFAULT_OUT",
    "DPO_DIR",
    "DPO_SPEC",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "TRAIN_ARGS",
    "add_arguments",
    "load_dpo",
    "run",
    "train_dpo_model",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train dpo"
HELP = "preference-tune the assistant with DPO on the world's pairs (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "dpo"

#: Folder of the shipped model inside the package.
DPO_DIR = Path(__file__).resolve().parent.parent / "data" / "dpo"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "4c2d5f50c72bbfbf9f79e358f5639d8d15dda5c1c71483a02b4a9652f188de2c"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
DPO_SPEC = ArtifactSpec(
    "stepbytoken-dpo", 1, (MODEL_FILE,), "python -m stepbytoken train dpo"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
BETA = 0.1  # the weight of the KL penalty DPO's objective keeps
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 150,
    "batch_size": 16,
    "lr": 2e-5,
    "warmup_steps": 10,
    "min_lr": 2e-6,
    "weight_decay": 0.0,
    "grad_clip": 1.0,
    "eval_every": None,
    "seed": 0,
}


def _pair_measures(
    policy: GPT, reference: GPT, held: tuple, pad_id: int
) -> dict[str, float]:
    chosen, rejected, pairs = held
    pc, pr = (
        conversation_logprobs(policy, side, pad_id=pad_id)
        for side in (chosen, rejected)
    )
    rc, rr = (
        conversation_logprobs(reference, side, pad_id=pad_id)
        for side in (chosen, rejected)
    )
    margins = [
        (a - c) - (b - d) for a, b, c, d in zip(pc, pr, rc, rr, strict=True)
    ]  # β left out: the sign is what counts
    return {
        "pairs": len(pairs),
        "implicit_reward_accuracy": round(
            sum(m > 0 for m in margins) / len(margins), 4
        ),
        "chosen_logratio": round(
            sum(a - c for a, c in zip(pc, rc, strict=True)) / len(pc), 4
        ),
        "rejected_logratio": round(
            sum(b - d for b, d in zip(pr, rr, strict=True)) / len(pr), 4
        ),
    }


#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "training", "grading", "files")


def train_dpo_model(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    eval_per_kind: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Preference-tune the shipped assistant with DPO and write the artifact.

    Introduced in chapter 8.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps; None uses the recipe's.
    eval_per_kind : int, optional
        Held-out examples graded per kind; None grades as many as the assistant's recipe.
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
    train_args = dict(TRAIN_ARGS)
    if steps is not None:
        train_args["steps"] = check_int("steps", steps, minimum=1)
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
    if eval_per_kind is not None:
        check_int("eval_per_kind", eval_per_kind, minimum=1)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            assistant: Assistant = load_sft()
            pad_id = assistant.tokenizer.special_id(END)
            chosen, rejected, pairs = pair_data(assistant, "train")
            held = pair_data(assistant, "heldout")
            stage("training")
            reference = assistant.model
            policy = copy.deepcopy(reference)
            cpu_start = time.process_time()
            result = train_dpo(
                policy,
                reference,
                chosen,
                rejected,
                config,
                beta=BETA,
                pad_id=pad_id,
                progress=progress,
            )
            cpu_s = time.process_time() - cpu_start
            stage("grading")
            policy.eval()
            examples = (
                eval_examples()
                if eval_per_kind is None
                else eval_examples(eval_per_kind)
            )
            grades = summarise(
                grade(policy, assistant.tokenizer, examples, toolbox=eval_toolbox())
            )
            results = {
                "steps": config.steps,
                "final_loss": round(statistics.fmean(result.train_loss[-20:]), 4),
                "dpo": grades,
                "heldout_pairs": _pair_measures(policy, reference, held, pad_id),
            }
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {"train_pairs": len(pairs), "heldout_pairs": len(held[2])},
        "beta": BETA,
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "tokenizer_sha256": assistant.manifest["tokenizer_sha256"],
        "model": dataclasses.asdict(policy.config),
        "training": {**dataclasses.asdict(config), "num_threads": NUM_THREADS},
        "results": results,
        "history": {"train_loss": [round(x, 4) for x in result.train_loss]},
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {
        "training_time_s": round(result.elapsed_s, 1),
        "training_cpu_s": round(cpu_s, 1),
    }
    recipe = recorded_command(DPO_SPEC.command, steps=steps)
    if eval_per_kind is not None:
        recipe += f" (eval_per_kind={eval_per_kind})"
    manifest = write_artifact(
        out_dir,
        DPO_SPEC,
        {MODEL_FILE: lambda path: save_weights(policy, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_dpo(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Assistant:
    """Load the shipped preference-tuned assistant, checking hashes first.

    Introduced in chapter 8.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> tuned = load_dpo()
    >>> tuned.model.training, tuned.manifest["beta"]
    (False, 0.1)
    """
    directory, manifest, files = load_shipped(
        DPO_SPEC, DPO_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = load_sft().tokenizer
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE)
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Assistant(model, tokenizer, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the grades and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_dpo_model(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    pairs = results["heldout_pairs"]
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; held-out pairs "
        f"ranked as the judge does: {pairs['implicit_reward_accuracy']:.1%}"
    )
    for kind, row in results["dpo"].items():
        print(f"  {kind:<11} correct {row['correct']:6.1%}, score {row['score']:.3f}")
    report_manifest(out, MANIFEST_SHA256, DPO_DIR, "dpo")
    return 0
