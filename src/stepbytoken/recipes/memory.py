"""The recipe of chapter 9's assistant: ``python -m stepbytoken train memory``.

The shipped assistant (:func:`~stepbytoken.recipes.sft.load_sft`) was fine-tuned on
one-question conversations; asked about a fact told a few turns earlier, it recalls little
even well inside its window. This recipe fine-tunes it a little further (150 steps, about a
minute and a half on one CPU thread) on conversations in which the user tells a fact, asks up
to three other questions, then asks for the fact
(:func:`~stepbytoken.world.memory_tasks.recall_examples`, training phantoms and entities
only), mixed with the instruction data of chapter 8 so that it keeps its other skills. Every
training conversation fits in the window: the model learns to look back anywhere in it, and
what it cannot see is what chapter 9 measures.

The package ships the result in ``data/memory/``: ``model.safetensors`` and
``manifest.json`` (the settings, the training history, and the share of held-out recall
conversations answered correctly, per number of questions between fact and question, before
and after), with ``timing.json`` beside them. :func:`load_memory` checks the files against
:data:`MANIFEST_SHA256`. The recipe is deterministic on the CPU (one thread).

Introduced in chapter 9.
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

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_shipped,
    load_timing,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.memory import recall
from stepbytoken.nn import GPT
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
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import Assistant, load_sft
from stepbytoken.tokenizers import encode_chat
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, fine_tune
from stepbytoken.world import make_world, recall_examples
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.instructions import training_examples

__all__ = [
    "DEFAULT_OUT",
    "EVAL_FILLERS",
    "HELP",
    "MANIFEST_SHA256",
    "MEMORY_DIR",
    "MEMORY_SPEC",
    "NAME",
    "TRAIN_ARGS",
    "add_arguments",
    "eval_conversations",
    "load_memory",
    "memory_training_examples",
    "run",
    "train_memory",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train memory"
HELP = "fine-tune the assistant to recall facts told earlier in a conversation (a minute or two)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "memory"

#: Folder of the shipped model inside the package.
MEMORY_DIR = Path(__file__).resolve().parent.parent / "data" / "memory"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "71dfed20dbc90b0c67166fdf15fe7f43c7a951e0585d11f3d9b8e3af0b3ceee1"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
MEMORY_SPEC = ArtifactSpec(
    "stepbytoken-memory", 1, (MODEL_FILE,), "python -m stepbytoken train memory"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
RECALL_PER_SHAPE = 200  # training conversations per (questions before, questions after)
MAX_FILLERS = 3  # questions around the fact in training; 3 keeps them inside the window
N_MIXTURE = 1600  # chapter 8's instruction examples, mixed in
DATA_SEED = 0
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 150,
    "batch_size": 16,
    "lr": 5e-4,
    "warmup_steps": 10,
    "min_lr": 5e-5,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": 50,
    "seed": 0,
}
#: Questions between the fact and the question about it in the held-out conversations.
EVAL_FILLERS = (0, 2, 4, 6, 8)
EVAL_PER_FILLER = 24
EVAL_SEED = 1


def memory_training_examples() -> list[ChatExample]:
    """The recipe's training conversations: recall conversations, then the instruction mix.

    ``RECALL_PER_SHAPE`` recall conversations for every split of at most ``MAX_FILLERS``
    questions into some before the fact and some after it, on training phantoms and
    entities; then ``N_MIXTURE`` examples of chapter 8's instruction mixture.

    Introduced in chapter 9.
    """
    world = make_world(WORLD_SEED)
    examples = []
    for total in range(MAX_FILLERS + 1):
        for before in range(total + 1):
            examples += recall_examples(
                world,
                RECALL_PER_SHAPE,
                total - before,
                n_before=before,
                split="train",
                seed=DATA_SEED + 10 * before,
            )
    return examples + training_examples(
        world, N_MIXTURE, unknown="idk", seed=DATA_SEED + 5
    )


def eval_conversations(n_filler: int, n: int = EVAL_PER_FILLER) -> list[ChatExample]:
    """Held-out recall conversations (held-out phantoms and entities) with ``n_filler`` questions.

    Introduced in chapter 9.

    Examples
    --------
    >>> [m.role for m in eval_conversations(0, 1)[0].prompt]
    ['user', 'assistant', 'user']
    """
    check_int("n_filler", n_filler, minimum=0)
    check_int("n", n, minimum=0)
    return recall_examples(
        make_world(WORLD_SEED), n, n_filler, split="heldout", seed=EVAL_SEED
    )


def _recall_table(model: GPT, tokenizer: Any) -> dict[str, float]:
    """Share recalled (greedy, gold judge) per number of questions between fact and question."""
    table = {}
    for n_filler in EVAL_FILLERS:
        rows = recall(model, tokenizer, eval_conversations(n_filler), method="generate")
        table[str(n_filler)] = round(sum(r.correct for r in rows) / len(rows), 4)
    return table


def train_memory(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    evaluate: bool = True,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the shipped assistant on recall conversations; write the artifact.

    Introduced in chapter 9.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps; None uses the recipe's (a few make a quick end-to-end check).
    evaluate : bool, default True
        Measure recall on the held-out conversations before and after (about 40 s).
    progress : bool, default True
        Show a progress bar.
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
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    check_bool("evaluate", evaluate)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        assistant = load_sft()
        tokenizer = assistant.tokenizer
        block_size = assistant.model.block_size
        encodings = [
            encode_chat(tokenizer, e.messages) for e in memory_training_examples()
        ]
        kept = [e for e in encodings if len(e.token_ids) <= block_size + 1]
        before = _recall_table(assistant.model, tokenizer) if evaluate else {}
        model = copy.deepcopy(assistant.model).train()
        cpu_start = time.process_time()
        result = fine_tune(
            model,
            kept,
            config,
            pad_id=tokenizer.special_id(END),
            progress=progress,
        )
        cpu_s = time.process_time() - cpu_start
        model.eval()
        after = _recall_table(model, tokenizer) if evaluate else {}
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "recall_per_shape": RECALL_PER_SHAPE,
            "max_fillers": MAX_FILLERS,
            "mixture": N_MIXTURE,
            "data_seed": DATA_SEED,
            "kept": len(kept),
            "eval_fillers": list(EVAL_FILLERS),
            "eval_per_filler": EVAL_PER_FILLER,
            "eval_seed": EVAL_SEED,
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "model": dataclasses.asdict(model.config),
        "training": {**dataclasses.asdict(config), "num_threads": NUM_THREADS},
        "results": {
            "steps": config.steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "recall_before": before,
            "recall_after": after,
        },
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
    recipe = recorded_command(MEMORY_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        MEMORY_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_memory(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Assistant:
    """Load chapter 9's assistant, checking the SHA-256 of its files first.

    Introduced in chapter 9.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_memory`; the package's :data:`MEMORY_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    Assistant
        The model (eval mode), the chat tokenizer, and the manifest.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> assistant = load_memory()
    >>> assistant.model.block_size
    128
    """
    directory, manifest, files = load_shipped(
        MEMORY_SPEC, MEMORY_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = load_sft().tokenizer
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the shipped assistant's",
        command=MEMORY_SPEC.command,
    )
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE)
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Assistant(model, tokenizer, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Fine-tune, write the files, print recall before and after; exit code 0."""
    out = output_path(args)
    manifest = train_memory(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; final loss "
        f"{results['final_train_loss']:.3f}"
    )
    print("held-out recall, by questions between fact and question (before -> after):")
    for n_filler, after in results["recall_after"].items():
        print(
            f"  {n_filler:>2} {results['recall_before'][n_filler]:6.1%} -> {after:6.1%}"
        )
    report_manifest(out, MANIFEST_SHA256, MEMORY_DIR, "memory")
    return 0
