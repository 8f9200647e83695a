"""The recipe of the book's assistant: ``python -m stepbytoken train sft``.

Supervised fine-tuning (chapter 8) turns the reference model into an assistant. The recipe
adds the chat format's five tokens to the reference tokenizer
(:func:`~stepbytoken.tokenizers.chat_tokenizer`) and rows for them to the model
(:func:`~stepbytoken.nn.grow_vocab`), writes the instruction mixture of the small world
(:func:`~stepbytoken.world.instructions.training_examples`: training entities and wordings
only), and fine-tunes on it (:func:`~stepbytoken.training.fine_tune`, loss on the assistant's
tokens, with some pre-training text replayed at every step). It then grades the model before
and after on examples it never saw: entities known from pre-training but kept out of the
instruction data, with held-out wordings (and, for "I don't know", entities the world never
mentions), scored by the gold judge (:mod:`~stepbytoken.evaluation.assistant`).

The package ships the result in ``data/sft/``: ``model.safetensors`` and ``manifest.json``
(the settings, the hash of the chat tokenizer, the training history and the grades), with
``timing.json`` beside them. :func:`load_sft` checks the files against
:data:`MANIFEST_SHA256`. The recipe is deterministic on the CPU (one thread): a rerun gives
byte-identical files. It writes to ``./stepbytoken-artifacts/sft`` unless told otherwise
(``--out``; replacing the shipped copy takes ``--force`` too).

Introduced in chapter 8.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import platform
import time
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

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
from stepbytoken.evaluation.assistant import grade, summarise
from stepbytoken.nn import GPT, count_parameters, grow_vocab
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
from stepbytoken.tokenizers import BPETokenizer, chat_tokenizer, encode_chat
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, fine_tune
from stepbytoken.world import make_world
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.instructions import KINDS, make_examples, training_examples
from stepbytoken.world.tools import Toolbox

__all__ = [
    "DEFAULT_OUT",
    "EVAL_PER_KIND",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "N_EXAMPLES",
    "REPLAY_CHARS",
    "SFT_DIR",
    "SFT_SPEC",
    "TRAIN_ARGS",
    "Assistant",
    "add_arguments",
    "eval_examples",
    "eval_toolbox",
    "load_sft",
    "run",
    "train_sft",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train sft"
HELP = "fine-tune the reference model into the book's assistant (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "sft"

#: Folder of the shipped model inside the package.
SFT_DIR = Path(__file__).resolve().parent.parent / "data" / "sft"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "78939e79570bc6b75cb6da18f253edc708fd543baaebaea269dbd843071ce12f"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
SFT_SPEC = ArtifactSpec(
    "stepbytoken-sft", 1, (MODEL_FILE,), "python -m stepbytoken train sft"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
N_EXAMPLES = 6000  # instruction examples, training entities and wordings
DATA_SEED = 0
UNKNOWN = "idk"  # questions about unknown entities are answered "I don't know."
REPLAY_CHARS = 600_000  # the first 600k characters of the reference corpus are replayed
REPLAY_BATCH = 8  # windows of pre-training text per step
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 600,
    "batch_size": 16,
    "lr": 1e-3,
    "warmup_steps": 20,
    "min_lr": 1e-4,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": 50,
    "seed": 0,
}
#: Held-out examples graded per kind.
EVAL_PER_KIND = 40
EVAL_SEED = 1


def eval_examples(n_per_kind: int = EVAL_PER_KIND) -> list[ChatExample]:
    """The held-out examples the recipe grades: ``n_per_kind`` of each kind, in order.

    Entities known from pre-training but never in the instruction data (``"heldout"``), asked
    with held-out wordings; for ``unknown``, entities the world never mentions (``"unseen"``).

    Introduced in chapter 8.

    Examples
    --------
    >>> examples = eval_examples(2)
    >>> [e.kind for e in examples][:4]
    ['fact', 'fact', 'format', 'format']
    """
    check_int("n_per_kind", n_per_kind, minimum=1)
    world = make_world(WORLD_SEED)
    examples = []
    for kind in KINDS:
        split = "unseen" if kind == "unknown" else "heldout"
        examples += make_examples(
            world, kind, n_per_kind, split=split, templates="heldout", seed=EVAL_SEED
        )
    return examples


def eval_toolbox() -> Toolbox:
    """The tools graded answers may call: look-ups in every fact of the world.

    The facts the corpus states and those of the entities it never mentions, so that a
    look-up about a held-out entity works as it would for any other.

    Introduced in chapter 8.
    """
    world = make_world(WORLD_SEED)
    return Toolbox([*world.facts, *world.heldout_facts])


#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "grading the base model", "fine-tuning", "grading", "files")


def train_sft(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    eval_per_kind: int = EVAL_PER_KIND,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the reference model on the instruction mixture; write the artifact.

    Introduced in chapter 8.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps; None uses the recipe's. A few steps make a quick end-to-end check
    eval_per_kind : int, default EVAL_PER_KIND
        Held-out examples graded per kind (fewer make a quicker check).
    progress : bool, default True
        Show progress bars.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with the durations of ``timing.json`` merged into
        ``results``. Pin the SHA-256 of ``manifest.json`` as :data:`MANIFEST_SHA256` to ship
        the files.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    train_args = dict(TRAIN_ARGS)
    if steps is not None:
        train_args["steps"] = check_int("steps", steps, minimum=1)
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    check_int("eval_per_kind", eval_per_kind, minimum=1)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            reference = load_reference()
            tokenizer = chat_tokenizer(reference.tokenizer)
            block_size = reference.config.block_size
            examples = training_examples(
                make_world(WORLD_SEED), N_EXAMPLES, unknown=UNKNOWN, seed=DATA_SEED
            )
            encodings = [encode_chat(tokenizer, e.messages) for e in examples]
            kept = [e for e in encodings if len(e.token_ids) <= block_size + 1]
            held_out = eval_examples(eval_per_kind)
            val = [encode_chat(tokenizer, e.messages) for e in held_out]
            replay = torch.tensor(
                reference.tokenizer.encode(reference_corpus()[:REPLAY_CHARS])
            )
            base = grow_vocab(copy.deepcopy(reference.model), tokenizer.vocab_size)
            pad_id = tokenizer.special_id(END)

            stage("grading the base model")
            toolbox = eval_toolbox()
            base_grades = summarise(
                grade(base.eval(), tokenizer, held_out, toolbox=toolbox)
            )

            stage("fine-tuning")
            model = copy.deepcopy(base)
            cpu_start = time.process_time()
            result = fine_tune(
                model,
                kept,
                config,
                pad_id=pad_id,
                val_conversations=val,
                replay=replay,
                replay_batch_size=REPLAY_BATCH,
                progress=progress,
            )
            cpu_s = time.process_time() - cpu_start

            stage("grading")
            sft_grades = summarise(
                grade(model.eval(), tokenizer, held_out, toolbox=toolbox)
            )
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "examples": N_EXAMPLES,
            "kept": len(kept),
            "data_seed": DATA_SEED,
            "unknown": UNKNOWN,
            "replay_chars": REPLAY_CHARS,
            "replay_tokens": int(replay.numel()),
            "replay_batch": REPLAY_BATCH,
            "eval_per_kind": eval_per_kind,
            "eval_seed": EVAL_SEED,
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "model": dataclasses.asdict(model.config),
        "parameters": count_parameters(model),
        "training": {**dataclasses.asdict(config), "num_threads": NUM_THREADS},
        "results": {
            "steps": config.steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "final_val_loss": round(result.final_val_loss, 4),
            "base": base_grades,
            "sft": sft_grades,
        },
        "history": {
            "train_loss": [round(x, 4) for x in result.train_loss],
            "eval_steps": list(result.eval_steps),
            "eval_train_loss": [round(x, 4) for x in result.eval_train_loss],
            "eval_val_loss": [round(x, 4) for x in result.eval_val_loss],
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
    recipe = recorded_command(SFT_SPEC.command, steps=steps)
    if eval_per_kind != EVAL_PER_KIND:
        recipe += f" (eval_per_kind={eval_per_kind})"
    manifest = write_artifact(
        out_dir,
        SFT_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


class Assistant(NamedTuple):
    """A loaded chat model: the model (eval mode), its chat tokenizer and its manifest.

    Introduced in chapter 8.
    """

    model: GPT
    tokenizer: BPETokenizer
    manifest: dict[str, Any]


def load_sft(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Assistant:
    """Load the shipped assistant, checking the SHA-256 of its files first.

    The manifest must match :data:`MANIFEST_SHA256` (or ``manifest_sha256``), the weights the
    hash it records, and the chat tokenizer built from the shipped reference tokenizer the
    hash of the tokenizer the model was trained with.

    Introduced in chapter 8.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_sft`; the package's :data:`SFT_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    Assistant
        The model (eval mode), its tokenizer, and the manifest with ``timing.json``'s
        durations merged into ``results``.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> assistant = load_sft()
    >>> assistant.model.training, assistant.model.config.vocab_size
    (False, 1286)
    """
    directory, manifest, files = load_shipped(
        SFT_SPEC, SFT_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = chat_tokenizer(load_reference().tokenizer)
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the chat tokenizer of the shipped reference model",
        command=SFT_SPEC.command,
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
    """Fine-tune, write the files, print the grades and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_sft(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; final loss "
        f"train {results['final_train_loss']:.3f}, held-out {results['final_val_loss']:.3f}"
    )
    print("held-out examples, share answered correctly (base -> fine-tuned):")
    for kind, row in results["sft"].items():
        print(
            f"  {kind:<11} {results['base'][kind]['correct']:6.1%} -> {row['correct']:6.1%}"
        )
    report_manifest(out, MANIFEST_SHA256, SFT_DIR, "sft")
    return 0
