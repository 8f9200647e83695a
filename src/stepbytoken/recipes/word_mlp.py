"""The recipe of chapter 1's neural language model: ``python -m stepbytoken train word-mlp``.

Chapter 1 trains a multilayer-perceptron language model (:class:`~stepbytoken.nn.MLPLanguageModel`)
on the words of the real-text corpus. Its 1000 steps take about a minute on one CPU thread, too
long for a page that runs every time the book is built, so this recipe trains it once, with
exactly the chapter's data and settings, and the package ships the result in
``data/word_mlp/``: ``model.safetensors`` and ``manifest.json`` (the settings, the hash of the
vocabulary, and the whole training history), with ``timing.json`` (how long it took) beside them.
:func:`load_word_mlp` checks the files against :data:`MANIFEST_SHA256` and returns the model and
its :class:`~stepbytoken.training.TrainResult`. The recipe is deterministic on the CPU (one
thread): a rerun gives byte-identical files. It writes to ``./stepbytoken-artifacts/word_mlp``
unless told otherwise (``--out``; replacing the shipped copy takes ``--force`` too).

Introduced in chapter 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
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
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import (
    check_bool,
    check_instance,
    check_int,
    check_ints,
)
from stepbytoken.nn import MLPLanguageModel, count_parameters
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
)
from stepbytoken.text import real_text, split_lines, split_words
from stepbytoken.tokenizers import WordVocab, encode_lines
from stepbytoken.training import TrainConfig, TrainResult, train

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "MIN_COUNT",
    "MODEL_ARGS",
    "NAME",
    "TRAIN_ARGS",
    "WORD_MLP_DIR",
    "WORD_MLP_SPEC",
    "add_arguments",
    "fit_word_mlp",
    "load_word_mlp",
    "run",
    "train_word_mlp",
    "vocab_sha256",
    "word_data",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train word-mlp"
HELP = "train chapter 1's neural (MLP) language model on the real text (about a minute on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "word_mlp"

#: Folder of the shipped model inside the package.
WORD_MLP_DIR = Path(__file__).resolve().parent.parent / "data" / "word_mlp"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "d2acc9c8dd168930f2a61c0c5460a7b07571965ef3d2f6255e213aeefce1fbce"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
WORD_MLP_SPEC = ArtifactSpec(
    "stepbytoken-word-mlp", 1, (MODEL_FILE,), "python -m stepbytoken train word-mlp"
)

# The recipe's settings (chapter 1's): change one, rerun the recipe, pin the new MANIFEST_SHA256.
HELDOUT_EVERY = 10  # every 10th paragraph of the real text is held out
MIN_COUNT = 3  # rarer words become <unk>
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 1000,
    "batch_size": 32,
    "block_size": 16,
    "lr": 5e-3,
    "weight_decay": 0.01,
    "eval_every": 100,
    "eval_batches": 10,
    "seed": 0,
}
MODEL_ARGS: dict[str, int] = {"context": 3, "d_embed": 32, "d_hidden": 128, "seed": 0}


def word_data() -> tuple[WordVocab, list[int], list[int]]:
    """Chapter 1's vocabulary and token ids of the real text: training and held-out.

    Introduced in chapter 1.

    Returns
    -------
    tuple
        The :class:`~stepbytoken.tokenizers.WordVocab` of the training paragraphs' words seen
        at least :data:`MIN_COUNT` times, and the token ids of the training and held-out
        paragraphs (every :data:`HELDOUT_EVERY`-th one).

    Examples
    --------
    >>> vocab, train_ids, heldout_ids = word_data()
    >>> len(train_ids) > 8 * len(heldout_ids), vocab.itos[train_ids[0]] == "<s>"
    (True, True)
    """
    train_text, heldout_text = split_lines(real_text(), every=HELDOUT_EVERY)
    vocab = WordVocab.from_words(split_words(train_text), min_count=MIN_COUNT)
    return vocab, encode_lines(train_text, vocab), encode_lines(heldout_text, vocab)


def vocab_sha256(vocab: WordVocab) -> str:
    """SHA-256 of a vocabulary's words in id order, one per line: which vocabulary a model reads.

    Introduced in chapter 1.

    Examples
    --------
    >>> a, b = WordVocab(["<s>", "<unk>", "a"]), WordVocab(["<s>", "<unk>", "b"])
    >>> vocab_sha256(a) == vocab_sha256(WordVocab(a.itos)), vocab_sha256(a) == vocab_sha256(b)
    (True, False)
    """
    if not isinstance(vocab, WordVocab):
        raise TypeError(f"vocab must be a WordVocab, got {type(vocab).__name__}")
    return hashlib.sha256("\n".join(vocab.itos).encode("utf-8")).hexdigest()


def fit_word_mlp(
    vocab: WordVocab,
    train_ids: list[int],
    heldout_ids: list[int],
    *,
    steps: int | None = None,
    progress: bool = False,
) -> tuple[MLPLanguageModel, TrainResult]:
    """Train chapter 1's MLP language model with the recipe's settings; return it and its run.

    Introduced in chapter 1.

    Parameters
    ----------
    vocab : WordVocab
        The vocabulary the ids come from.
    train_ids, heldout_ids : list of int
        Token ids to train on and to measure the held-out loss on.
    steps : int, optional
        Training steps; None uses the recipe's (``TRAIN_ARGS["steps"]``).
    progress : bool, default False
        Show a tqdm progress bar.

    Returns
    -------
    tuple
        The trained model (eval mode) and its :class:`~stepbytoken.training.TrainResult`.

    Examples
    --------
    >>> vocab = WordVocab(["<s>", "<unk>", "a", "b"])
    >>> model, result = fit_word_mlp(vocab, [0, 2, 3] * 20, [0, 2, 3] * 10, steps=5)
    >>> result.eval_steps, model.training
    ([0, 5], False)
    """
    check_instance("vocab", vocab, WordVocab)
    train_ids = check_ints("train_ids", train_ids, minimum=0, maximum=len(vocab) - 1)
    heldout_ids = check_ints(
        "heldout_ids", heldout_ids, minimum=0, maximum=len(vocab) - 1
    )
    check_bool("progress", progress)
    settings = dict(TRAIN_ARGS)
    if steps is not None:
        settings["steps"] = check_int("steps", steps, minimum=1)
        settings["eval_every"] = min(settings["eval_every"], settings["steps"])
    model = MLPLanguageModel(len(vocab), **MODEL_ARGS, pad_id=vocab.bos_id)
    config = TrainConfig(**settings)
    result = train(
        model,
        torch.tensor(train_ids),
        torch.tensor(heldout_ids),
        config,
        progress=progress,
    )
    return model.eval(), result


def train_word_mlp(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Train chapter 1's MLP language model and write its artifact to ``out_dir``.

    Introduced in chapter 1.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps; None uses the recipe's. A few steps make a quick end-to-end check.
    progress : bool, default True
        Show a tqdm progress bar.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with the durations of ``timing.json`` merged into
        ``results``: ``training_time_s`` (wall clock) and ``training_cpu_s`` (CPU time). Pin
        the SHA-256 of ``manifest.json`` as :data:`MANIFEST_SHA256` to ship the files.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:  # doctest: +SKIP
    ...     manifest = train_word_mlp(d, steps=3, progress=False)
    >>> manifest["results"]["steps"]  # doctest: +SKIP
    3
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    if steps is not None:
        check_int("steps", steps, minimum=1)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    vocab, train_ids, heldout_ids = word_data()
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    # one thread: CPU time does not grow on a busy machine
    cpu_start = time.process_time()
    try:
        model, result = fit_word_mlp(
            vocab, train_ids, heldout_ids, steps=steps, progress=progress
        )
    finally:
        torch.set_num_threads(threads)
    cpu_s = time.process_time() - cpu_start
    details = {
        "data": {
            "real_text_sha256": hashlib.sha256(real_text().encode("utf-8")).hexdigest(),
            "heldout_every": HELDOUT_EVERY,
            "min_count": MIN_COUNT,
            "vocab_size": len(vocab),
            "vocab_sha256": vocab_sha256(vocab),
            "train_tokens": len(train_ids),
            "heldout_tokens": len(heldout_ids),
        },
        "model": {**MODEL_ARGS, "vocab_size": len(vocab), "pad_id": vocab.bos_id},
        "parameters": count_parameters(model),
        "training": {**dataclasses.asdict(result.config), "num_threads": NUM_THREADS},
        "results": {
            "steps": result.config.steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "final_val_loss": round(result.final_val_loss, 4),
        },
        "history": {
            "train_loss": [round(x, 4) for x in result.train_loss],
            "grad_norm": [round(x, 4) for x in result.grad_norm],
            "eval_steps": list(result.eval_steps),
            "eval_train_loss": [round(x, 4) for x in result.eval_train_loss],
            "eval_val_loss": [round(x, 4) for x in result.eval_val_loss],
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    # Not hashed: they differ from run to run. The wall-clock time grows with the machine's
    # load; the CPU time of the one training thread much less.
    timing = {
        "training_time_s": round(result.elapsed_s, 1),
        "training_cpu_s": round(cpu_s, 1),
    }
    recipe = recorded_command(WORD_MLP_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        WORD_MLP_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_word_mlp(
    vocab: WordVocab,
    directory: str | PathLike[str] | None = None,
    *,
    manifest_sha256: str | None = None,
) -> tuple[MLPLanguageModel, TrainResult, dict[str, float]]:
    """Load the shipped chapter-1 MLP language model and the record of its training.

    The manifest must match :data:`MANIFEST_SHA256` (or ``manifest_sha256``) and the weights
    the hash it records; ``vocab`` must be the one the model was trained with.

    Introduced in chapter 1.

    Parameters
    ----------
    vocab : WordVocab
        The vocabulary of the model's token ids (chapter 1's, as :func:`word_data` builds it).
    directory : str or path-like, optional
        A folder written by :func:`train_word_mlp`; the package's :data:`WORD_MLP_DIR` by
        default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    tuple
        The model (eval mode), a :class:`~stepbytoken.training.TrainResult` rebuilt from
        the manifest (losses rounded to 4 decimals; ``elapsed_s`` from ``timing.json``, 0.0
        if there is none), and the durations of ``timing.json`` (``training_time_s``, the wall
        clock, and ``training_cpu_s``, the CPU time of training), empty if there is none.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or ``vocab`` is not the vocabulary the model was trained with.

    Examples
    --------
    >>> vocab, _, _ = word_data()
    >>> model, result, timing = load_word_mlp(vocab)
    >>> model.training, result.eval_steps[-1], len(result.train_loss)
    (False, 1000, 1000)
    """
    if not isinstance(vocab, WordVocab):
        raise TypeError(f"vocab must be a WordVocab, got {type(vocab).__name__}")
    directory, manifest, files = load_shipped(
        WORD_MLP_SPEC, WORD_MLP_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    data = manifest["data"]
    if vocab_sha256(vocab) != data["vocab_sha256"]:
        raise ValueError(
            f"vocab is not the vocabulary the model in {directory} was trained with "
            f"({data['vocab_size']} words of the real text seen at least {data['min_count']} "
            f"times in the training paragraphs; word_data() builds it), got {len(vocab)} words"
        )
    args = {k: v for k, v in manifest["model"].items() if k != "vocab_size"}
    model = MLPLanguageModel(data["vocab_size"], **args)
    model.load_state_dict(
        parse_weights(files[MODEL_FILE], source=directory / MODEL_FILE)
    )
    history = manifest["history"]
    timing = load_timing(directory)
    config = _config(manifest["training"])
    result = TrainResult(
        config=config,
        steps=list(range(len(history["train_loss"]))),
        train_loss=list(history["train_loss"]),
        lr=[config.lr_at(step) for step in range(len(history["train_loss"]))],
        grad_norm=list(history["grad_norm"]),
        eval_steps=list(history["eval_steps"]),
        eval_train_loss=list(history["eval_train_loss"]),
        eval_val_loss=list(history["eval_val_loss"]),
        elapsed_s=timing.get("training_time_s", 0.0),
    )
    return model.eval(), result, timing


def _config(training: dict[str, Any]) -> TrainConfig:
    """The TrainConfig recorded in a manifest's ``training`` (without ``num_threads``)."""
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    settings = {k: v for k, v in training.items() if k in fields}
    settings["betas"] = tuple(settings["betas"])
    return TrainConfig(**settings)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, 1000)
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the results and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_word_mlp(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{manifest['parameters']:,} parameters, {results['steps']} steps in "
        f"{results['training_time_s']:.0f} s; final loss train {results['final_train_loss']:.3f}"
        f", held-out {results['final_val_loss']:.3f}"
    )
    report_manifest(out, MANIFEST_SHA256, WORD_MLP_DIR, "word_mlp")
    return 0
