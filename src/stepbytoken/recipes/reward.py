"""The recipe of the reward model: ``python -m stepbytoken train reward``.

Chapter 8's reward model learns which of two answers the gold judge prefers. The recipe starts
from the shipped assistant (:func:`~stepbytoken.recipes.sft.load_sft`), replaces its output
layer with a scalar head (:class:`~stepbytoken.nn.RewardModel`), and trains it with the
Bradley-Terry loss (:func:`~stepbytoken.training.train_reward_model`) on preference pairs of
training entities and wordings (:func:`~stepbytoken.evaluation.preferences.preference_pairs`:
the world's good answer against a copy with one flaw). It then measures how often the learned
reward agrees with the judge on pairs of held-out entities and wordings, overall and per flaw.

The package ships ``data/reward/``: ``reward.safetensors`` and ``manifest.json``, with
``timing.json``. :func:`load_reward` checks them against :data:`MANIFEST_SHA256`.

Introduced in chapter 8.
"""

from __future__ import annotations

import argparse
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
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.preferences import (
    PreferencePair,
    encode_pairs,
    preference_pairs,
)
from stepbytoken.nn import RewardModel
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import Assistant, load_sft
from stepbytoken.tokenizers.chat import ChatEncoding
from stepbytoken.training import TrainConfig, conversation_rewards, train_reward_model
from stepbytoken.world import make_world

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "REWARD_DIR",
    "REWARD_SPEC",
    "TRAIN_ARGS",
    "add_arguments",
    "load_reward",
    "pair_data",
    "run",
    "train_reward",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train reward"
HELP = (
    "train chapter 8's reward model on the world's preference pairs (minutes on a CPU)"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "reward"

#: Folder of the shipped reward model inside the package.
REWARD_DIR = Path(__file__).resolve().parent.parent / "data" / "reward"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "8cc792ef8b0d81248351ab7a2de927086c320d84a7f38db7fd32213802bb4fd5"

MODEL_FILE = "reward.safetensors"

#: What the artifact holds.
REWARD_SPEC = ArtifactSpec(
    "stepbytoken-reward", 1, (MODEL_FILE,), "python -m stepbytoken train reward"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
TRAIN_PAIRS = 3000  # training entities and wordings
HELDOUT_PAIRS = 300  # held-out entities and wordings
TRAIN_SEED, HELDOUT_SEED = 0, 1
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 300,
    "batch_size": 16,
    "lr": 3e-4,
    "warmup_steps": 20,
    "min_lr": 3e-5,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": None,
    "seed": 0,
}


def pair_data(
    assistant: Assistant, split: str
) -> tuple[list[ChatEncoding], list[ChatEncoding], list[PreferencePair]]:
    """The recipe's preference pairs of ``split`` (``"train"`` or ``"heldout"``), encoded.

    Training pairs use training entities and wordings; held-out pairs, entities and wordings
    that no instruction data used. Pairs longer than the model's context are dropped.

    Introduced in chapter 8.

    Examples
    --------
    >>> chosen, rejected, pairs = pair_data(load_sft(), "heldout")
    >>> len(chosen) == len(pairs) <= 300
    True
    """
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be 'train' or 'heldout', got {split!r}")
    world = make_world(WORLD_SEED)
    if split == "train":
        pairs = preference_pairs(world, TRAIN_PAIRS, seed=TRAIN_SEED)
    else:
        pairs = preference_pairs(
            world,
            HELDOUT_PAIRS,
            split="heldout",
            templates="heldout",
            seed=HELDOUT_SEED,
        )
    return encode_pairs(
        assistant.tokenizer, pairs, max_tokens=assistant.model.config.block_size
    )


def _agreement(
    model: RewardModel,
    chosen: list[ChatEncoding],
    rejected: list[ChatEncoding],
    pairs: list[PreferencePair],
    pad_id: int,
) -> dict[str, Any]:
    """Share of pairs the reward ranks as the judge does, overall and per flaw."""
    good = conversation_rewards(model, chosen, pad_id=pad_id)
    bad = conversation_rewards(model, rejected, pad_id=pad_id)
    agree = [g > b for g, b in zip(good, bad, strict=True)]
    flaws: dict[str, list[bool]] = {}
    for pair, ok in zip(pairs, agree, strict=True):
        flaws.setdefault(pair.flaw, []).append(ok)
    return {
        "pairs": len(agree),
        "accuracy": round(sum(agree) / len(agree), 4),
        "by_flaw": {f: round(sum(v) / len(v), 4) for f, v in sorted(flaws.items())},
    }


#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "training", "agreement", "files")


def train_reward(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Train the reward model from the shipped assistant and write its artifact.

    Introduced in chapter 8.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps; None uses the recipe's.
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
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            assistant = load_sft()
            pad_id = assistant.tokenizer.special_id("<|end|>")
            chosen, rejected, pairs = pair_data(assistant, "train")
            held = pair_data(assistant, "heldout")
            stage("training")
            model = RewardModel(assistant.model)
            cpu_start = time.process_time()
            result = train_reward_model(
                model, chosen, rejected, config, pad_id=pad_id, progress=progress
            )
            cpu_s = time.process_time() - cpu_start
            stage("agreement")
            results = {
                "steps": config.steps,
                "final_loss": round(statistics.fmean(result.train_loss[-20:]), 4),
                "train": _agreement(model, chosen, rejected, pairs, pad_id),
                "heldout": _agreement(model, *held, pad_id),
            }
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "train_pairs": len(pairs),
            "heldout_pairs": len(held[2]),
            "train_seed": TRAIN_SEED,
            "heldout_seed": HELDOUT_SEED,
        },
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "model": dataclasses.asdict(assistant.model.config),
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
    recipe = recorded_command(REWARD_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        REWARD_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_reward(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[RewardModel, dict[str, Any]]:
    """Load the shipped reward model (eval mode) and its manifest, checking hashes first.

    Introduced in chapter 8.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or the weights do not fit the model the manifest describes.

    Examples
    --------
    >>> model, manifest = load_reward()
    >>> model.training, manifest["results"]["heldout"]["accuracy"] > 0.5
    (False, True)
    """
    directory, manifest, files = load_shipped(
        REWARD_SPEC, REWARD_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    model = RewardModel(load_sft().model)
    model.load_state_dict(
        parse_weights(files[MODEL_FILE], source=directory / MODEL_FILE)
    )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return model.eval(), manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the agreement and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_reward(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; agreement with "
        f"the judge: training pairs {results['train']['accuracy']:.1%}, held-out pairs "
        f"{results['heldout']['accuracy']:.1%}"
    )
    report_manifest(out, MANIFEST_SHA256, REWARD_DIR, "reward")
    return 0
