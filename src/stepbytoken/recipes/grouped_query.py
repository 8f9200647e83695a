"""Grouped-query uptraining: ``python -m stepbytoken train grouped-query``.

Chapter 18 asks what sharing key/value heads costs. This recipe converts the reference model
to grouped-query attention with 2 key/value heads and to multi-query attention with 1
(:func:`~stepbytoken.nn.grouped_attention.to_grouped`, which averages the key and value heads
of each group), measures the held-out loss right after the conversion, then trains every
variant briefly on the reference model's own training data, as the GQA paper's "uptraining"
does. The unconverted model (4 key/value heads) gets the same extra training, so the
comparison isolates the sharing rather than the extra steps.

The package ships only the measurements in ``data/grouped_query/``: ``results.json`` and
``manifest.json``, with ``timing.json``. :func:`load_grouped_query` checks them against
:data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 18.
"""

from __future__ import annotations

import argparse
import json
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
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.generation.kv_cache import kv_cache_bytes
from stepbytoken.nn import count_parameters
from stepbytoken.nn.grouped_attention import to_grouped
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import reference_token_ids
from stepbytoken.training import TrainConfig, estimate_loss, train

__all__ = [
    "DEFAULT_OUT",
    "GROUPED_DIR",
    "GROUPED_SPEC",
    "HELP",
    "KV_HEADS",
    "MANIFEST_SHA256",
    "NAME",
    "TRAIN_ARGS",
    "add_arguments",
    "load_grouped_query",
    "run",
    "train_grouped_query",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train grouped-query"
HELP = (
    "convert the reference model to grouped- and multi-query attention, uptrain briefly"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "grouped_query"

#: Folder of the shipped results inside the package.
GROUPED_DIR = Path(__file__).resolve().parent.parent / "data" / "grouped_query"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``results.json``).
MANIFEST_SHA256 = "35fdb8675f5ceaaf194207ebc19ed595454168311be7b9f239e94fc578b44f24"

RESULTS_FILE = "results.json"

#: What the artifact holds.
GROUPED_SPEC = ArtifactSpec(
    "stepbytoken-grouped-query",
    1,
    (RESULTS_FILE,),
    "python -m stepbytoken train grouped-query",
)

#: Key/value heads of the variants: the reference's 4 (multi-head), 2 (grouped), 1 (multi-query).
KV_HEADS = (4, 2, 1)

#: The brief training each variant gets (a lower peak rate than the reference's 3e-3).
TRAIN_ARGS: dict[str, Any] = dict(
    steps=120,
    batch_size=16,
    lr=3e-4,
    warmup_steps=10,
    min_lr=3e-5,
    weight_decay=0.1,
    grad_clip=1.0,
    eval_every=30,
    eval_batches=10,
    seed=0,
)
NUM_THREADS = 1

#: The recipe's stages, as its progress bar names them.
STAGES = ("data", *(f"{g} kv heads" for g in KV_HEADS), "files")


def train_grouped_query(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Convert, measure, uptrain and measure each variant; write the artifact.

    Introduced in chapter 18.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps per variant; None uses :data:`TRAIN_ARGS`' 120.
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
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    variants: dict[str, Any] = {}
    cpu_start = time.process_time()
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            reference = load_reference()
            train_data, val_data = reference_token_ids(reference.tokenizer)
            cfg = reference.config
            for n_kv in KV_HEADS:
                stage(f"{n_kv} kv heads")
                model = to_grouped(reference.model, n_kv)
                converted = estimate_loss(
                    model,
                    val_data,
                    batch_size=config.batch_size,
                    eval_batches=config.eval_batches,
                    seed=config.seed,
                )
                result = train(model, train_data, val_data, config, progress=progress)
                variants[str(n_kv)] = {
                    "n_kv_head": n_kv,
                    "parameters": count_parameters(model),
                    "cache_bytes_per_token": kv_cache_bytes(
                        cfg.n_layer, n_kv, cfg.d_head, 1, bytes_per_value=4
                    ),
                    "converted_val_loss": round(converted, 4),
                    "eval_steps": list(result.eval_steps),
                    "eval_val_loss": [round(v, 4) for v in result.eval_val_loss],
                    "final_val_loss": round(result.final_val_loss, 4),
                }
            stage("files")
    finally:
        torch.set_num_threads(threads)
    cpu_s = time.process_time() - cpu_start
    text = json.dumps(variants, sort_keys=True, indent=1) + "\n"
    details = {
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "kv_heads": list(KV_HEADS),
        "training": {**train_args, "num_threads": NUM_THREADS},
        "results": {
            k: {"converted": v["converted_val_loss"], "uptrained": v["final_val_loss"]}
            for k, v in variants.items()
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {"cpu_s": round(cpu_s, 1)}
    recipe = recorded_command(GROUPED_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        GROUPED_SPEC,
        {RESULTS_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_grouped_query(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped measurements (one entry per number of key/value heads) and the manifest.

    Each entry holds ``n_kv_head``, ``parameters``, ``cache_bytes_per_token`` (float32),
    ``converted_val_loss`` (held-out loss right after the conversion), ``eval_steps`` and
    ``eval_val_loss`` (during the uptraining) and ``final_val_loss``.

    Introduced in chapter 18.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the results were measured on another reference model.

    Examples
    --------
    >>> results, manifest = load_grouped_query()
    >>> sorted(results, key=int), manifest["kv_heads"]
    (['1', '2', '4'], [4, 2, 1])
    """
    directory, manifest, files = load_shipped(
        GROUPED_SPEC, GROUPED_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    if manifest["reference_manifest_sha256"] != REFERENCE_MANIFEST_SHA256:
        raise ValueError(
            f"the results in {directory} were measured on another reference model; "
            f"rerun `{GROUPED_SPEC.command}`"
        )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return json.loads(files[RESULTS_FILE]), manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Convert and uptrain, write the files, print the losses and the SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_grouped_query(
        out, steps=args.steps, progress=True, force=args.force
    )
    for key, losses in manifest["results"].items():
        if isinstance(losses, dict):
            print(
                f"{key} kv heads: held-out loss {losses['converted']:.3f} converted, "
                f"{losses['uptrained']:.3f} uptrained"
            )
    print(f"wrote {out} ({manifest['results']['cpu_s']:.0f} s of CPU time)")
    report_manifest(out, MANIFEST_SHA256, GROUPED_DIR, "grouped_query")
    return 0
