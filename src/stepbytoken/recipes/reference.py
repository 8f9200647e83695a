"""The recipe of the reference model: ``python -m stepbytoken train reference``.

World corpus -> BPE tokenizer -> token ids -> 5 % of the documents held out for validation ->
:class:`~stepbytoken.nn.GPT` -> :func:`~stepbytoken.training.train` -> greedy answers to the
world's questions -> the three files that :func:`~stepbytoken.artifacts.load_reference`
reads, and ``timing.json`` beside them. It is deterministic on the CPU (one thread per
process): a rerun gives byte-identical files. It writes to ``./stepbytoken-artifacts/reference``
unless told otherwise (``--out``; replacing the shipped copy takes ``--force`` too), trains on
``--device cuda`` with bfloat16 autocast where a GPU exists, and runs unchanged under
``torchrun --nproc_per_node N -m stepbytoken train reference``, each process taking its share
of every batch; only rank 0 shows progress and writes files.

Introduced in chapter 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import platform
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts import (
    MANIFEST_FILE,
    MANIFEST_SHA256,
    MODEL_FILE,
    RECIPE_COMMAND,
    REFERENCE_DIR,
    REFERENCE_SPEC,
    TOKENIZER_FILE,
    check_output_path,
    file_sha256,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation import fact_accuracy
from stepbytoken.nn import GPT, GPTConfig, count_parameters
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_device_argument,
    add_output_arguments,
    add_steps_argument,
    autocast_dtype,
    device_settings,
    output_path,
    recorded_command,
    stages,
)
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.training import TrainConfig, is_main_process, process_group, train
from stepbytoken.training import world as training_world  # (rank, number of processes)
from stepbytoken.world import DOC_SEPARATOR, make_world

__all__ = [
    "CORPUS_ARGS",
    "DEFAULT_OUT",
    "HELP",
    "MODEL_ARGS",
    "MODEL_SEED",
    "NAME",
    "NUM_MERGES",
    "NUM_THREADS",
    "TRAIN_ARGS",
    "VAL_EVERY",
    "WORLD_SEED",
    "add_arguments",
    "reference_corpus",
    "reference_settings",
    "reference_token_ids",
    "run",
    "train_reference",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train reference"
HELP = "train the book's reference GPT on the small world (about 25 minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "reference"

# The recipe's settings: change one, rerun the recipe, and pin the new MANIFEST_SHA256.
WORLD_SEED = 0
# World.corpus() arguments: the default corpus with 3x the facts documents and question/answer
# documents (2500 each instead of 1250 and 833), so that facts make up 44 % of the tokens
# instead of 25 %, and the model learns them within minutes.
CORPUS_ARGS: dict[str, int] = {
    "n_stories": 5000,
    "n_facts": 2500,
    "n_qa": 2500,
    "seed": 0,
}
NUM_MERGES = 1024
VAL_EVERY = 20  # every 20th document (5 %) is held out for validation
MODEL_SEED = 0
NUM_THREADS = 1  # on a busy 2-core machine, one thread ran 4x faster than two
MODEL_ARGS: dict[str, Any] = {
    "block_size": 128,
    "n_layer": 4,
    "n_head": 4,
    "d_model": 128,
    "positions": "learned",
    "tie_weights": True,
}
TRAIN_ARGS: dict[str, Any] = {
    "steps": 3000,
    "batch_size": 16,
    "lr": 3e-3,
    "warmup_steps": 100,
    "min_lr": 2e-4,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": 250,
    "eval_batches": 5,
    "seed": 0,
}


def reference_settings() -> dict[str, Any]:
    """The settings of the recipe, as plain JSON-ready values.

    Introduced in chapter 1.

    Returns
    -------
    dict
        ``world_seed``, ``corpus_args``, ``num_merges``, ``val_every``, ``model_seed``,
        ``num_threads``, ``model_args`` (GPTConfig fields other than ``vocab_size``, which
        comes from the tokenizer) and ``train_args`` (TrainConfig fields).

    Examples
    --------
    >>> settings = reference_settings()
    >>> settings["model_args"]["block_size"], settings["num_merges"]
    (128, 1024)
    """
    return {
        "world_seed": WORLD_SEED,
        "corpus_args": dict(CORPUS_ARGS),
        "num_merges": NUM_MERGES,
        "val_every": VAL_EVERY,
        "model_seed": MODEL_SEED,
        "num_threads": NUM_THREADS,
        "model_args": dict(MODEL_ARGS),
        "train_args": dict(TRAIN_ARGS),
    }


def _documents() -> list[str]:
    return make_world(WORLD_SEED).documents(**CORPUS_ARGS)


def reference_corpus() -> str:
    """The exact text the reference model is trained on (before the validation split).

    The small world's corpus with more facts in it: ``make_world(0).corpus(n_stories=5000,
    n_facts=2500, n_qa=2500, seed=0)``, about 2.7 MB. Every 20th document is held out for
    validation by the recipe.

    Introduced in chapter 1.

    Returns
    -------
    str
        The corpus; its SHA-256 is recorded in the manifest as ``corpus.sha256``.

    Examples
    --------
    >>> text = reference_corpus()
    >>> text == make_world(0).corpus(n_stories=5000, n_facts=2500, n_qa=2500, seed=0)
    True
    >>> text.count(DOC_SEPARATOR) + 1  # documents: 5000 stories, 2500 + 2500, 200 + 625
    10825
    """
    return f"\n{DOC_SEPARATOR}\n".join(_documents())


def reference_token_ids(
    tokenizer: BPETokenizer, documents: list[str] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The token ids the reference model trains and validates on.

    Every 20th document (:data:`VAL_EVERY`) goes to validation, the rest to training; each
    side is joined with the document separator and encoded in one piece.

    Introduced in chapter 1.

    Parameters
    ----------
    tokenizer : BPETokenizer
        The reference tokenizer.
    documents : list of str, optional
        The corpus's documents; those of :func:`reference_corpus` by default.

    Returns
    -------
    (train_data, val_data) : tuple of 1-D int64 tensors

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> train_data, val_data = reference_token_ids(load_reference().tokenizer)
    >>> train_data.numel() > 10 * val_data.numel() > 0
    True
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    if documents is None:
        documents = _documents()
    elif not isinstance(documents, list) or not all(
        isinstance(d, str) for d in documents
    ):
        raise TypeError("documents must be a list of str")
    val_docs = documents[VAL_EVERY - 1 :: VAL_EVERY]
    train_docs = [d for i, d in enumerate(documents) if i % VAL_EVERY != VAL_EVERY - 1]
    train_data = torch.tensor(tokenizer.encode(f"\n{DOC_SEPARATOR}\n".join(train_docs)))
    val_data = torch.tensor(tokenizer.encode(f"\n{DOC_SEPARATOR}\n".join(val_docs)))
    return train_data, val_data


#: The recipe's stages, as its progress bar names them.
STAGES = ("corpus", "tokenizer", "token ids", "training", "fact accuracy", "files")


def train_reference(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    device: str = "cpu",
    force: bool = False,
) -> dict[str, Any]:
    """Train the reference model from scratch and write its three files to ``out_dir``.

    Run under ``torchrun``, every process trains on its share of each batch, ends with the
    same weights, and measures the same results; rank 0 alone writes the files.

    Introduced in chapter 1.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; the three files in it are overwritten).
    steps : int, optional
        Number of training steps; None uses the recipe's (``TRAIN_ARGS["steps"]``). A few
        steps make a quick end-to-end check; warm-up and evaluation shrink to fit.
    progress : bool, default True
        Show a tqdm progress bar (on rank 0).
    device : {"cpu", "cuda"}, default "cpu"
        Where to train; on CUDA the forward passes run under bfloat16 autocast.
    force : bool, default False
        Allow overwriting a shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``results["training_time_s"]`` from
        ``timing.json`` merged in, as :func:`~stepbytoken.artifacts.load_reference` shows it.
        Pin the SHA-256 of ``manifest.json`` as :data:`~stepbytoken.artifacts.MANIFEST_SHA256`
        to ship the files.

    Raises
    ------
    ValueError, TypeError
        If ``steps`` is not an int >= 1, ``device`` is not available, ``out_dir`` is empty,
        or it is a shipped artifact and ``force`` is False.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:  # doctest: +SKIP
    ...     manifest = train_reference(d, steps=3, progress=False)
    >>> manifest["results"]["steps"]  # doctest: +SKIP
    3
    """
    train_args = dict(TRAIN_ARGS)
    if steps is not None:
        train_args["steps"] = check_int("steps", steps, minimum=1)
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    check_bool("progress", progress)
    with (
        process_group(device) as where,
        stages(NAME, STAGES, enabled=progress) as stage,
    ):
        if is_main_process():
            # fail now rather than after training
            out_dir.mkdir(parents=True, exist_ok=True)

        # 1. The corpus, the tokenizer, and the token ids of the training and validation documents.
        stage("corpus")
        world = make_world(WORLD_SEED)
        documents = _documents()
        corpus = f"\n{DOC_SEPARATOR}\n".join(documents)
        stage("tokenizer")
        tokenizer = BPETokenizer.train(
            corpus, NUM_MERGES, special_tokens=[DOC_SEPARATOR]
        )
        stage("token ids")
        train_data, val_data = reference_token_ids(tokenizer, documents)
        val_docs = documents[VAL_EVERY - 1 :: VAL_EVERY]

        # 2. The model and its training, on a fixed number of threads.
        config = GPTConfig(vocab_size=tokenizer.vocab_size, **MODEL_ARGS)
        train_config = TrainConfig(**train_args)
        threads = torch.get_num_threads()
        torch.set_num_threads(NUM_THREADS)
        processes = training_world()[1]
        autocast = autocast_dtype(where)
        try:
            stage("training")
            model = GPT(config, seed=MODEL_SEED).to(where)
            result = train(
                model,
                train_data,
                val_data,
                train_config,
                progress=progress,
                autocast_dtype=autocast,
            )
            model.eval()
            stage("fact accuracy")
            train_accuracy = fact_accuracy(model, tokenizer, world.questions("train"))
            heldout_accuracy = fact_accuracy(
                model, tokenizer, world.questions("heldout")
            )
        finally:
            torch.set_num_threads(threads)

        # 3. The files: weights and tokenizer first, then the manifest that vouches for them.
        stage("files")
        details = {
            "corpus": {
                "world_seed": WORLD_SEED,
                "args": dict(CORPUS_ARGS),
                "sha256": hashlib.sha256(corpus.encode("utf-8")).hexdigest(),
                "chars": len(corpus),
                "documents": len(documents),
                "val_every": VAL_EVERY,
                "val_documents": len(val_docs),
                "train_tokens": int(train_data.numel()),
                "val_tokens": int(val_data.numel()),
            },
            "tokenizer": {
                "num_merges": NUM_MERGES,
                "special_tokens": [DOC_SEPARATOR],
                "vocab_size": tokenizer.vocab_size,
            },
            "model": dataclasses.asdict(config),
            "model_seed": MODEL_SEED,
            "parameters": count_parameters(model),
            "training": {
                **dataclasses.asdict(train_config),
                "num_threads": NUM_THREADS,
                "processes": processes,
                **device_settings(where),
            },
            "results": {
                "steps": train_config.steps,
                "final_train_loss": round(result.final_train_loss, 4),
                "final_val_loss": round(result.final_val_loss, 4),
                "eval_steps": list(result.eval_steps),
                "eval_train_loss": [round(x, 4) for x in result.eval_train_loss],
                "eval_val_loss": [round(x, 4) for x in result.eval_val_loss],
                "train_fact_accuracy": round(train_accuracy, 4),
                "heldout_fact_accuracy": round(heldout_accuracy, 4),
                "train_questions": len(world.questions("train")),
                "heldout_questions": len(world.questions("heldout")),
            },
            "environment": {
                "torch": torch.__version__,
                "python": platform.python_version(),
            },
        }
        writers = {
            MODEL_FILE: lambda path: save_weights(model, path),
            TOKENIZER_FILE: tokenizer.save,
        }
        recipe = recorded_command(RECIPE_COMMAND, steps=steps)
        # not hashed: differs per run
        timing = {"training_time_s": round(result.elapsed_s, 1)}
        # under torchrun, rank 0 writes and the others wait for it
        manifest = write_artifact(
            out_dir,
            REFERENCE_SPEC,
            writers,
            details,
            recipe=recipe,
            timing=timing,
            force=force,
        )
        manifest["results"] = {**manifest["results"], **timing}
        return manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out``, ``--force`` and ``--device`` to the recipe's parser."""
    add_steps_argument(parser, 3000)
    add_output_arguments(parser, DEFAULT_OUT, "folder")
    add_device_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the results and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_reference(
        out, steps=args.steps, progress=True, device=args.device, force=args.force
    )
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
    digest = file_sha256(Path(out) / MANIFEST_FILE)
    print(f"sha256 of the manifest: {digest}")
    if digest != MANIFEST_SHA256:
        print(
            "this differs from MANIFEST_SHA256 in stepbytoken/artifacts/reference.py: "
            "update it to ship the new files"
        )
    if Path(out).resolve() != REFERENCE_DIR:
        print(
            f"to ship them, rerun with --out {REFERENCE_DIR} --force (or copy the files there)"
        )
    return 0
