"""Chapter 19's sweep over model size and data: ``python -m stepbytoken train scaling``.

The model family of chapter 16 (:mod:`~stepbytoken.recipes.family`) has four sizes trained
for one length. Scaling laws need a grid: many sizes, each trained for several token budgets,
with everything else held fixed. This recipe builds every model the way
:func:`~stepbytoken.recipes.family.family_config` does (the reference model's
:data:`~stepbytoken.recipes.reference.MODEL_ARGS` with only the sizes changed, the shipped
reference tokenizer, its training and validation split, its optimiser settings), and widens
the grid both ways: ten shapes from 1.9 thousand to 793 thousand non-embedding parameters
(three of them the shapes of the family's ``xs``, ``s`` and ``m``), with a context of 32
tokens instead of 128 so that the whole sweep takes about half an hour of one CPU thread.

The grid is laid out the way Hoffmann et al. (2022) lay out their "IsoFLOP profiles": for each
compute budget ``C`` in :data:`BUDGETS` and each shape of ``N`` non-embedding parameters, the
model trains on ``D = C / (6 N)`` tokens (rounded to whole steps of
``BATCH_SIZE * BLOCK_SIZE`` tokens); points that would take fewer than :data:`MIN_STEPS` or
more than :data:`MAX_STEPS` steps are left out. Each point records its held-out loss, measured
on the same 1,024 validation windows for every point.

The points are independent, so ``--workers N`` trains them in N processes (one thread each,
the longest points first); every point starts from its own seeds, so the results are the
same bytes whatever the number of workers. The package ships them in ``data/scaling/``:
``points.json`` and ``manifest.json`` (the grid, seeds, settings and versions), with
``timing.json`` (wall time).

Introduced in chapter 19.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import multiprocessing
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
from stepbytoken.checks import check_bool, check_float, check_int
from stepbytoken.evaluation.scaling import non_embedding_parameters
from stepbytoken.nn import GPT, GPTConfig, count_parameters
from stepbytoken.recipes.model_widths import check_tokenizer, tokenizer_sha256
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.reference import (
    MODEL_ARGS,
    MODEL_SEED,
    TRAIN_ARGS,
    reference_token_ids,
)
from stepbytoken.training import TrainConfig, estimate_loss, train

__all__ = [
    "BUDGETS",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "SCALING_DIR",
    "SCALING_SPEC",
    "SIZES",
    "add_arguments",
    "load_scaling",
    "run",
    "scaling_config",
    "scaling_grid",
    "train_scaling",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train scaling"
HELP = "sweep 47 small models over size and data for chapter 19 (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "scaling"

#: Folder of the shipped results inside the package.
SCALING_DIR = Path(__file__).resolve().parent.parent / "data" / "scaling"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``points.json``).
MANIFEST_SHA256 = "77c912646199b7696f26a24454a0f2fb2cdf6db004989bd38a0dac88dd07dfda"

POINTS_FILE = "points.json"

#: What the artifact holds.
SCALING_SPEC = ArtifactSpec(
    "stepbytoken-scaling", 1, (POINTS_FILE,), "python -m stepbytoken train scaling"
)

#: The shapes of the sweep, smallest first: what differs from the reference model's
#: :data:`~stepbytoken.recipes.reference.MODEL_ARGS` (besides the shorter context).
#: ``"L1-d32"``, ``"L2-d64"`` and ``"L3-d96"`` are the family's ``xs``, ``s`` and ``m``.
SIZES: dict[str, dict[str, int]] = {
    "L1-d12": {"n_layer": 1, "n_head": 2, "d_model": 12},
    "L1-d16": {"n_layer": 1, "n_head": 2, "d_model": 16},
    "L2-d16": {"n_layer": 2, "n_head": 2, "d_model": 16},
    "L1-d32": {"n_layer": 1, "n_head": 2, "d_model": 32},
    "L2-d32": {"n_layer": 2, "n_head": 2, "d_model": 32},
    "L2-d48": {"n_layer": 2, "n_head": 4, "d_model": 48},
    "L2-d64": {"n_layer": 2, "n_head": 2, "d_model": 64},
    "L3-d64": {"n_layer": 3, "n_head": 4, "d_model": 64},
    "L3-d96": {"n_layer": 3, "n_head": 4, "d_model": 96},
    "L4-d128": {"n_layer": 4, "n_head": 4, "d_model": 128},
}

#: Compute budgets in FLOPs, counted as ``C = 6 N D`` with N the non-embedding parameters.
BUDGETS: tuple[float, ...] = (3e9, 1e10, 3e10, 1e11, 3e11, 1e12, 3e12)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
BLOCK_SIZE = 32  # tokens per window (the reference model reads 128)
BATCH_SIZE = TRAIN_ARGS["batch_size"]  # 16 windows: 512 tokens per step
MIN_STEPS, MAX_STEPS = 40, 20000  # points outside this range are left out
EVAL_BATCH_SIZE, EVAL_BATCHES, EVAL_SEED = 64, 16, 1234  # 1,024 held-out windows
NUM_THREADS = 1

_DATA: dict[str, torch.Tensor] = {}  # the token ids, set once per process


def scaling_config(size: str, vocab_size: int) -> GPTConfig:
    """The configuration of one shape of the sweep: the reference model's, resized.

    Introduced in chapter 19.

    Parameters
    ----------
    size : str
        A key of :data:`SIZES`.
    vocab_size : int
        The tokenizer's vocabulary size.

    Returns
    -------
    GPTConfig

    Examples
    --------
    >>> config = scaling_config("L2-d64", 1281)
    >>> config.n_layer, config.d_model, config.block_size, config.d_ff
    (2, 64, 32, 256)
    """
    if not isinstance(size, str):
        raise TypeError(f"size must be a str, got {type(size).__name__}")
    if size not in SIZES:
        raise ValueError(f"size must be one of {list(SIZES)}, got {size!r}")
    check_int("vocab_size", vocab_size, minimum=1)
    args = {**MODEL_ARGS, **SIZES[size], "block_size": BLOCK_SIZE}
    return GPTConfig(vocab_size=vocab_size, **args)


def _non_embedding(size: str) -> int:
    return non_embedding_parameters(GPT(scaling_config(size, 8), seed=0))


def scaling_grid(
    sizes: list[str] | tuple[str, ...] | None = None,
    budgets: list[float] | tuple[float, ...] | None = None,
    *,
    min_steps: int = MIN_STEPS,
    max_steps: int = MAX_STEPS,
) -> list[dict[str, Any]]:
    """The points of the sweep: for each budget and shape, the steps that spend it.

    Introduced in chapter 19.

    Parameters
    ----------
    sizes : list of str, optional
        Keys of :data:`SIZES`; all of them by default.
    budgets : list of float, optional
        Compute budgets in FLOPs (> 0); :data:`BUDGETS` by default.
    min_steps, max_steps : int
        Points needing fewer or more steps than these are left out (1 <= min <= max).

    Returns
    -------
    list of dict
        One per point, budget by budget: ``size``, ``budget``, ``non_embedding``
        and ``steps``.

    Examples
    --------
    >>> [(p["size"], p["steps"]) for p in scaling_grid(["L1-d12", "L3-d96"], [1e10])]
    [('L1-d12', 1706)]
    """
    sizes = list(SIZES) if sizes is None else sizes
    budgets = BUDGETS if budgets is None else budgets
    if not isinstance(sizes, list | tuple) or not sizes:
        raise TypeError("sizes must be a non-empty list of str")
    if not isinstance(budgets, list | tuple) or not budgets:
        raise TypeError("budgets must be a non-empty list of numbers")
    min_steps = check_int("min_steps", min_steps, minimum=1)
    max_steps = check_int("max_steps", max_steps, minimum=min_steps)
    counts = {}
    for size in sizes:
        scaling_config(size, 8)  # checks the name
        counts[size] = _non_embedding(size)
    points = []
    for budget in budgets:
        budget = check_float("budget", budget, minimum=0, open_minimum=True)
        for size in sizes:
            steps = round(budget / (6 * counts[size] * BATCH_SIZE * BLOCK_SIZE))
            if min_steps <= steps <= max_steps:
                points.append(
                    {
                        "size": size,
                        "budget": budget,
                        "non_embedding": counts[size],
                        "steps": steps,
                    }
                )
    return points


def _init_worker(train_data: torch.Tensor, val_data: torch.Tensor) -> None:
    torch.set_num_threads(NUM_THREADS)
    _DATA["train"], _DATA["val"] = train_data, val_data


def _train_config(steps: int) -> TrainConfig:
    return TrainConfig(
        **{
            **TRAIN_ARGS,
            "steps": steps,
            "block_size": BLOCK_SIZE,
            "warmup_steps": steps // 10,  # the reference's 100 of 3000 would dominate
            "eval_every": None,
            "eval_batches": 1,
        }
    )


def _train_point(point: dict[str, Any], vocab_size: int) -> dict[str, Any]:
    """Train one point of the grid from its own seeds and measure it."""
    start = time.perf_counter()
    model = GPT(scaling_config(point["size"], vocab_size), seed=MODEL_SEED)
    config = _train_config(point["steps"])
    result = train(model, _DATA["train"], None, config)
    val_loss = estimate_loss(
        model,
        _DATA["val"],
        batch_size=EVAL_BATCH_SIZE,
        eval_batches=EVAL_BATCHES,
        seed=EVAL_SEED,
    )
    tokens = point["steps"] * BATCH_SIZE * BLOCK_SIZE
    return {
        **point,
        "parameters": count_parameters(model),
        "tokens": tokens,
        "compute": 6 * point["non_embedding"] * tokens,
        "final_train_loss": round(result.final_train_loss, 5),
        "val_loss": round(val_loss, 5),
        "wall_s": round(time.perf_counter() - start, 2),
    }


def train_scaling(
    out_dir: str | PathLike[str],
    *,
    sizes: list[str] | tuple[str, ...] | None = None,
    budgets: list[float] | tuple[float, ...] | None = None,
    min_steps: int = MIN_STEPS,
    workers: int = 1,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Train every point of :func:`scaling_grid`, measure its held-out loss, write the files.

    Introduced in chapter 19.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    sizes, budgets, min_steps
        The grid (see :func:`scaling_grid`); the shipped sweep uses the defaults.
    workers : int, default 1
        Processes training points at once (one thread each); 1 trains in this process.
        The results do not depend on it.
    progress : bool, default True
        Print one line per finished point.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with the points in ``points`` and the wall time in
        ``timing``.
    """
    grid = scaling_grid(sizes, budgets, min_steps=min_steps)
    workers = check_int("workers", workers, minimum=1)
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    check_bool("progress", progress)
    start = time.perf_counter()
    tokenizer = load_reference().tokenizer
    train_data, val_data = reference_token_ids(tokenizer)
    vocab = tokenizer.vocab_size
    jobs = [(point, vocab) for point in grid]
    threads = torch.get_num_threads()
    points: list[dict[str, Any]] = []
    try:
        if workers == 1:
            _init_worker(train_data, val_data)
            for job in jobs:
                points.append(_train_point(*job))
                _report(points[-1], len(points), len(jobs), progress)
        else:
            context = multiprocessing.get_context("spawn")
            # the longest points first, so that none is left to run alone at the end
            order = sorted(
                range(len(jobs)),
                key=lambda i: -jobs[i][0]["steps"] * _step_cost(jobs[i][0]["size"]),
            )
            done: dict[int, dict[str, Any]] = {}
            with context.Pool(
                workers, initializer=_init_worker, initargs=(train_data, val_data)
            ) as pool:
                for i, point in pool.imap_unordered(
                    _star, [(i, jobs[i]) for i in order]
                ):
                    done[i] = point
                    _report(point, len(done), len(jobs), progress)
            points = [done[i] for i in range(len(jobs))]
    finally:
        torch.set_num_threads(threads)
        _DATA.clear()
    wall = {"wall_s": round(time.perf_counter() - start, 1)}
    wall["points_s"] = round(sum(p.pop("wall_s") for p in points), 1)
    text = json.dumps(points, indent=1, sort_keys=True) + "\n"
    details = {
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "grid": {
            "sizes": {
                name: SIZES[name] for name in dict.fromkeys(p["size"] for p in grid)
            },
            "budgets": sorted({p["budget"] for p in grid}),
            "min_steps": min_steps,
            "max_steps": MAX_STEPS,
            "points": len(points),
        },
        "counting": "N = non-embedding parameters, D = steps * batch * block, C = 6 N D",
        "model_args": {**MODEL_ARGS, "block_size": BLOCK_SIZE},
        "model_seed": MODEL_SEED,
        "training": {
            **dataclasses.asdict(_train_config(1)),
            "steps": "per point",
            "warmup_steps": "steps // 10",
            "num_threads": NUM_THREADS,
        },
        "evaluation": {
            "batch_size": EVAL_BATCH_SIZE,
            "batches": EVAL_BATCHES,
            "seed": EVAL_SEED,
            "block_size": BLOCK_SIZE,
        },
        "results": {
            "points": len(points),
            "tokens_seen": sum(p["tokens"] for p in points),
            "best_val_loss": min(p["val_loss"] for p in points),
        },
        "environment": {
            "stepbytoken": importlib.metadata.version("stepbytoken"),
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    default = sizes is None and budgets is None and min_steps == MIN_STEPS
    manifest = write_artifact(
        out_dir,
        SCALING_SPEC,
        {POINTS_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        recipe=SCALING_SPEC.command + ("" if default else " (a smaller grid)"),
        timing=wall,
        force=force,
    )
    manifest["points"] = points
    manifest["timing"] = wall
    return manifest


def _star(
    job: tuple[int, tuple[dict[str, Any], int]],
) -> tuple[int, dict[str, Any]]:
    return job[0], _train_point(*job[1])


def _step_cost(size: str) -> int:
    """A rough cost of one training step of ``size``, for ordering the work."""
    shape = SIZES[size]
    return 2000 + shape["n_layer"] * shape["d_model"] ** 2


def _report(point: dict[str, Any], done: int, total: int, progress: bool) -> None:
    if progress:
        print(
            f"[{done}/{total}] {point['size']} C={point['budget']:.0e} "
            f"{point['steps']} steps: val loss {point['val_loss']:.4f} "
            f"({point['wall_s']:.0f} s)",
            flush=True,
        )


def load_scaling(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The shipped sweep: its points and its manifest, checked against their SHA-256.

    Each point holds ``size``, ``budget``, ``non_embedding`` (N), ``parameters`` (with the
    embeddings), ``steps``, ``tokens`` (D), ``compute`` (6 N D), ``final_train_loss`` and
    ``val_loss`` (nats per token on the held-out windows).

    Introduced in chapter 19.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the sweep used another tokenizer than the shipped one.

    Examples
    --------
    >>> points, manifest = load_scaling()
    >>> len(points) == manifest["grid"]["points"], manifest["grid"]["max_steps"]
    (True, 20000)
    """
    directory, manifest, files = load_shipped(
        SCALING_SPEC, SCALING_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    check_tokenizer(
        load_reference().tokenizer,
        manifest,
        directory,
        whose="the shipped reference model's",
        command=SCALING_SPEC.command,
    )
    manifest["timing"] = load_timing(directory)
    return json.loads(files[POINTS_FILE]), manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--out`` and ``--force`` to the recipe's parser."""
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes training points at once, one thread each (default 1)",
    )
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train the sweep, write the files, print the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_scaling(out, workers=args.workers, force=args.force)
    print(
        f"wrote {out}: {len(manifest['points'])} points in "
        f"{manifest['timing']['wall_s']:.0f} s"
    )
    report_manifest(out, MANIFEST_SHA256, SCALING_DIR, "scaling")
    return 0
