"""The recipe of chapter 5's ablation runs: ``python -m stepbytoken train ablations``.

Chapter 5 removes the residual connections or the norms from a four-block GPT and trains each
variant on the small world's words (:func:`~stepbytoken.evaluation.compare_variants`), then
repeats the full and residual-free runs with one block. Those five runs take longer than the
rest of the page together, so this recipe runs them once, with exactly the chapter's data and
settings, and the package ships their records in ``data/ablations/``: ``runs.json`` (every
run's losses and gradient norms) and ``manifest.json`` (the settings, the hash of the
vocabulary and of ``runs.json``), with ``timing.json`` beside them.
:func:`load_ablation_runs` checks the files against :data:`MANIFEST_SHA256`. The recipe is
deterministic on the CPU (one thread): a rerun gives byte-identical files.

Introduced in chapter 5.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
    write_artifact,
)
from stepbytoken.evaluation import compare_variants
from stepbytoken.nn import GPTConfig
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.word_mlp import vocab_sha256
from stepbytoken.text import split_words
from stepbytoken.tokenizers import WordVocab
from stepbytoken.training import TrainConfig, TrainResult
from stepbytoken.world import make_world

__all__ = [
    "ABLATIONS_DIR",
    "ABLATIONS_SPEC",
    "DEEP_VARIANTS",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "SHALLOW_VARIANTS",
    "add_arguments",
    "ablation_data",
    "ablation_settings",
    "load_ablation_runs",
    "run",
    "run_ablations",
    "train_ablations",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train ablations"
HELP = "train chapter 5's GPTs without residuals or norms on the small world (seconds)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "ablations"

#: Folder of the shipped records inside the package.
ABLATIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "ablations"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``runs.json``).
MANIFEST_SHA256 = "6a356be74a363ebe602caee7e90854d1a3fce048ece2fd6898c29ea7e44637e0"

RUNS_FILE = "runs.json"

#: What the artifact holds.
ABLATIONS_SPEC = ArtifactSpec(
    "stepbytoken-ablations", 1, (RUNS_FILE,), "python -m stepbytoken train ablations"
)

# The recipe's settings (chapter 5's): change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
MIN_COUNT = 3
NUM_THREADS = 1
DEEP_VARIANTS = ("full", "no residual", "no norm")  # trained with 4 blocks
SHALLOW_VARIANTS = ("full", "no residual")  # and with 1 block (final loss only)


def ablation_data() -> tuple[WordVocab, torch.Tensor, torch.Tensor]:
    """Chapter 5's word vocabulary and the small world's word ids: training and held-out.

    Introduced in chapter 5.

    Returns
    -------
    tuple
        The vocabulary of words seen at least :data:`MIN_COUNT` times in
        ``make_world(0).corpus()``, and the first nine tenths and the last tenth of the ids.
    """
    words = split_words(make_world(WORLD_SEED).corpus())
    vocab = WordVocab.from_words(words, min_count=MIN_COUNT)
    ids = torch.tensor(vocab.encode(words))
    split = int(0.9 * len(ids))
    return vocab, ids[:split], ids[split:]


def ablation_settings(vocab_size: int) -> tuple[GPTConfig, TrainConfig]:
    """The four-block GPT and the training settings of chapter 5's ablations.

    Introduced in chapter 5.

    Examples
    --------
    >>> config, settings = ablation_settings(100)
    >>> config.n_layer, settings.steps
    (4, 150)
    """
    config = GPTConfig(
        vocab_size=vocab_size, block_size=32, n_layer=4, n_head=4, d_model=64
    )
    settings = TrainConfig(
        steps=150, batch_size=12, lr=3e-3, eval_every=50, eval_batches=4
    )
    return config, settings


def run_ablations(
    config: GPTConfig,
    settings: TrainConfig,
    train_ids: torch.Tensor,
    val_ids: torch.Tensor,
) -> tuple[dict[str, TrainResult], dict[str, TrainResult]]:
    """Train the four-block variants, then the one-block ones (final held-out loss only).

    Introduced in chapter 5.
    """
    runs = compare_variants(
        config, train_ids, val_ids, settings, variants=DEEP_VARIANTS
    )
    one_block = dataclasses.replace(config, n_layer=1)
    # the same final held-out loss
    final_only = dataclasses.replace(settings, eval_every=None)
    shallow = compare_variants(
        one_block, train_ids, val_ids, final_only, variants=SHALLOW_VARIANTS
    )
    return runs, shallow


def _record(result: TrainResult) -> dict[str, list[float] | list[int]]:
    return {
        "train_loss": [round(x, 6) for x in result.train_loss],
        "grad_norm": [round(x, 6) for x in result.grad_norm],
        "eval_steps": list(result.eval_steps),
        "eval_train_loss": [round(x, 6) for x in result.eval_train_loss],
        "eval_val_loss": [round(x, 6) for x in result.eval_val_loss],
    }


def train_ablations(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Run chapter 5's five ablation trainings and write their records to ``out_dir``.

    Introduced in chapter 5.

    Returns
    -------
    dict
        The manifest that was written, with the durations of ``timing.json`` merged into
        ``results``. Pin the SHA-256 of ``manifest.json`` as :data:`MANIFEST_SHA256`.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    vocab, train_ids, val_ids = ablation_data()
    config, settings = ablation_settings(len(vocab))
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    try:
        runs, shallow = run_ablations(config, settings, train_ids, val_ids)
    finally:
        torch.set_num_threads(threads)
    timing = {"training_cpu_s": round(time.process_time() - cpu_start, 1)}  # not hashed
    records = {
        "4 blocks": {name: _record(r) for name, r in runs.items()},
        "1 block": {name: _record(r) for name, r in shallow.items()},
    }
    text = json.dumps(records, sort_keys=True) + "\n"
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "min_count": MIN_COUNT,
            "vocab_size": len(vocab),
            "vocab_sha256": vocab_sha256(vocab),
        },
        "model": dataclasses.asdict(config),
        "training": {**dataclasses.asdict(settings), "num_threads": NUM_THREADS},
        "results": {
            "final_val_loss": {
                blocks: {name: rec["eval_val_loss"][-1] for name, rec in recs.items()}
                for blocks, recs in records.items()
            }
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    manifest = write_artifact(
        out_dir,
        ABLATIONS_SPEC,
        {RUNS_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_ablation_runs(
    vocab: WordVocab,
    config: GPTConfig,
    settings: TrainConfig,
    directory: str | PathLike[str] | None = None,
    *,
    manifest_sha256: str | None = None,
) -> tuple[dict[str, TrainResult], dict[str, TrainResult]]:
    """Load the records of chapter 5's ablation runs, for the data and settings they used.

    Introduced in chapter 5.

    Parameters
    ----------
    vocab : WordVocab
        Chapter 5's word vocabulary (as :func:`ablation_data` builds it).
    config, settings : GPTConfig, TrainConfig
        The four-block model and the training settings; they must be the recipe's
        (:func:`ablation_settings`), so that the records are of the runs the caller describes.
    directory : str or path-like, optional
        A folder written by :func:`train_ablations`; :data:`ABLATIONS_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    tuple of dict
        The four-block runs (:data:`DEEP_VARIANTS`) and the one-block runs
        (:data:`SHALLOW_VARIANTS`), each a :class:`~stepbytoken.training.TrainResult` (losses
        rounded to 6 decimals; ``elapsed_s`` shares the recorded CPU time equally).

    Raises
    ------
    ValueError
        If a hash differs, or ``vocab``, ``config`` or ``settings`` are not the recipe's.

    Examples
    --------
    >>> vocab, _, _ = ablation_data()
    >>> runs, shallow = load_ablation_runs(vocab, *ablation_settings(len(vocab)))
    >>> list(runs), list(shallow)
    (['full', 'no residual', 'no norm'], ['full', 'no residual'])
    """
    if not isinstance(vocab, WordVocab):
        raise TypeError(f"vocab must be a WordVocab, got {type(vocab).__name__}")
    expected_config, expected_settings = ablation_settings(len(vocab))
    if config != expected_config or settings != expected_settings:
        raise ValueError(
            f"config and settings must be the recipe's, {expected_config} and "
            f"{expected_settings}, got {config} and {settings}"
        )
    directory, manifest, files = load_shipped(
        ABLATIONS_SPEC, ABLATIONS_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    if vocab_sha256(vocab) != manifest["data"]["vocab_sha256"]:
        raise ValueError(
            f"vocab is not the vocabulary of the runs in {directory} (words seen at least "
            f"{MIN_COUNT} times in make_world(0).corpus(); ablation_data() builds it)"
        )
    records = json.loads(files[RUNS_FILE])
    share = load_timing(directory).get("training_cpu_s", 0.0) / 5
    final_only = dataclasses.replace(settings, eval_every=None)

    def result(record: dict[str, Any], train_config: TrainConfig) -> TrainResult:
        n = len(record["train_loss"])
        return TrainResult(
            config=train_config,
            steps=list(range(n)),
            train_loss=list(record["train_loss"]),
            lr=[train_config.lr_at(step) for step in range(n)],
            grad_norm=list(record["grad_norm"]),
            eval_steps=list(record["eval_steps"]),
            eval_train_loss=list(record["eval_train_loss"]),
            eval_val_loss=list(record["eval_val_loss"]),
            elapsed_s=share,
        )

    runs = {name: result(records["4 blocks"][name], settings) for name in DEEP_VARIANTS}
    shallow = {
        name: result(records["1 block"][name], final_only) for name in SHALLOW_VARIANTS
    }
    return runs, shallow


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the results and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_ablations(out, force=args.force)
    print(f"wrote {out}; final held-out losses {manifest['results']['final_val_loss']}")
    report_manifest(out, MANIFEST_SHA256, ABLATIONS_DIR, "ablations")
    return 0
