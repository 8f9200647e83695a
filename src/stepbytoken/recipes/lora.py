"""Teaching the reference model a new region: ``python -m stepbytoken train lora``.

Chapter 14 teaches the reference model the world's held-out kingdoms and families
(:func:`~stepbytoken.world.new_region.new_region`) in several ways, each for the same number
of steps on the same text: full fine-tuning (every weight), LoRA (:mod:`~stepbytoken.nn.lora`)
at ranks 1, 4 and 16 on the attention layers only and on every linear layer of the blocks,
and QLoRA (rank 4 on every linear layer of the NF4-quantised model,
:func:`~stepbytoken.nn.quantize.quantize_model`). For each it records the trainable share,
the training memory by arithmetic and measured, the size of what must be saved, the
accuracy on the new region's questions (asked in training, and held out) and on a sample of
the old facts, which the reference model answered before.

The package ships the result in ``data/lora/``: ``results.json`` (every run, and the singular
values of the full fine-tune's weight changes), ``adapter.safetensors`` (the rank-4 adapter
on every linear layer), ``heldout.txt`` (text the reference model never trained on, to
measure quantisation on) and ``manifest.json``, with ``timing.json``. :func:`load_lora` checks
the files against :data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 14.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import random
import tempfile
import time
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from stepbytoken.artifacts import MANIFEST_SHA256 as REFERENCE_MANIFEST_SHA256
from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.adaptation import measured_training_bytes
from stepbytoken.evaluation.facts import fact_accuracy
from stepbytoken.nn.lora import (
    adapter_state_dict,
    add_lora,
    optimizer_memory,
    trainable_share,
    update_spectrum,
)
from stepbytoken.nn.quantize import quantize_model
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import VAL_EVERY, reference_corpus
from stepbytoken.training import TrainConfig, estimate_loss, train
from stepbytoken.world import DOC_SEPARATOR, make_world
from stepbytoken.world.new_region import new_region

__all__ = [
    "ADAPTER",
    "DEFAULT_OUT",
    "HELP",
    "LORA_DIR",
    "LORA_SPEC",
    "LoRAResults",
    "MANIFEST_SHA256",
    "NAME",
    "RUNS",
    "add_arguments",
    "load_adapted",
    "load_lora",
    "run",
    "train_lora",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train lora"
HELP = "teach the reference model a new region: full fine-tuning, LoRA, QLoRA (minutes)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "lora"

#: Folder of the shipped results inside the package.
LORA_DIR = Path(__file__).resolve().parent.parent / "data" / "lora"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other files).
MANIFEST_SHA256 = "398890f4376ee598cc269e31b18013d99e790a03581a0d11b8444be4c20e0ecc"

RESULTS_FILE = "results.json"
ADAPTER_FILE = "adapter.safetensors"
HELDOUT_FILE = "heldout.txt"

#: What the artifact holds.
LORA_SPEC = ArtifactSpec(
    "stepbytoken-lora",
    1,
    (RESULTS_FILE, ADAPTER_FILE, HELDOUT_FILE),
    "python -m stepbytoken train lora",
)

#: Every run: ``(method, targets, rank)``; full fine-tuning has neither targets nor rank.
RUNS: tuple[tuple[str, str | None, int | None], ...] = (
    ("full", None, None),
    ("lora", "attention", 1),
    ("lora", "attention", 4),
    ("lora", "attention", 16),
    ("lora", "all", 1),
    ("lora", "all", 4),
    ("lora", "all", 16),
    ("qlora", "all", 4),
)
#: The run whose adapter the package ships.
ADAPTER = ("lora", "all", 4)

WORLD_SEED = 0
REGION_WORDINGS = 20
REGION_SEED = 0
N_OLD = 100  # old facts asked, a fixed random sample of the reference's training facts
N_HELDOUT_DOCS = (
    60  # validation documents of the reference model, shipped for chapter 14
)
STEPS = 300
#: Settings of every run; only the learning rate differs between full fine-tuning and LoRA.
TRAIN_ARGS: dict[str, Any] = {
    "batch_size": 8,
    "block_size": 64,
    "warmup_steps": 10,
    "weight_decay": 0.0,
    "eval_every": None,
    "seed": 0,
}
LR = {"full": 1e-3, "lora": 5e-3, "qlora": 5e-3}
NUM_THREADS = 1


def run_name(method: str, targets: str | None, rank: int | None) -> str:
    """``"full"``, ``"lora-attention-4"``, ``"qlora-all-4"``: a run's name in the results."""
    return method if targets is None else f"{method}-{targets}-{rank}"


#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "base", *(run_name(*r) for r in RUNS), "files")


def old_questions(world: Any, n: int = N_OLD) -> list[tuple[str, str]]:
    """A fixed random sample of ``n`` questions the reference model was trained on."""
    pairs = world.questions("train")
    return random.Random(f"lora-old-{WORLD_SEED}").sample(pairs, n)


def heldout_documents(n: int = N_HELDOUT_DOCS) -> list[str]:
    """The first ``n`` documents the reference model held out for validation (never trained on)."""
    documents = reference_corpus().split(f"\n{DOC_SEPARATOR}\n")
    return documents[VAL_EVERY - 1 :: VAL_EVERY][:n]


def heldout_loss(model: nn.Module, ids: Tensor, eval_batches: int = 8) -> float:
    """Mean next-token loss of ``model`` over ``eval_batches`` random batches of 16 windows
    of ``ids``, each ``block_size`` long (seeded: every model reads the same windows)."""
    return estimate_loss(
        model,
        ids,
        batch_size=16,
        block_size=model.block_size,
        eval_batches=eval_batches,
        seed=0,
    )


def _file_size(state: dict[str, Tensor] | nn.Module) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "weights.safetensors"
        save_weights(state, path)
        return path.stat().st_size


def _accuracies(model: nn.Module, tokenizer: Any, sets: dict[str, list]) -> dict:
    model.eval()
    return {k: round(fact_accuracy(model, tokenizer, v), 4) for k, v in sets.items()}


def _adapt(base: nn.Module, method: str, targets: str | None, rank: int | None):
    if method == "full":
        return copy.deepcopy(base)
    if method == "qlora":
        base = quantize_model(base, "nf4", 64, double=True)
    return add_lora(base, rank, targets=targets, seed=0)


def train_lora(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    runs: tuple[tuple[str, str | None, int | None], ...] = RUNS,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Run the trainings of :data:`RUNS` on the new region; write the artifact.

    Introduced in chapter 14.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps of every run (>= 1); None uses :data:`STEPS`.
    runs : tuple, default RUNS
        Which of :data:`RUNS` to train (in their order); it must include :data:`ADAPTER`.
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
    steps = STEPS if steps is None else check_int("steps", steps, minimum=1)
    train_args = {
        **TRAIN_ARGS,
        "warmup_steps": min(TRAIN_ARGS["warmup_steps"], steps // 10),
    }
    if not isinstance(runs, tuple) or not runs or any(r not in RUNS for r in runs):
        raise ValueError(
            f"runs must be a non-empty tuple of entries of RUNS, got {runs!r}"
        )
    if ADAPTER not in runs:
        raise ValueError(f"runs must include the adapter's run {ADAPTER}")
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    start = time.perf_counter()
    timing: dict[str, float] = {}
    records: list[dict[str, Any]] = []
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            reference = load_reference()
            tokenizer = reference.tokenizer
            world = make_world(WORLD_SEED)
            region = new_region(world, REGION_WORDINGS, seed=REGION_SEED)
            data = torch.tensor(tokenizer.encode(region.text))
            sets = {
                "new_asked": region.asked,
                "new_heldout": region.heldout,
                "old": old_questions(world),
            }
            heldout_text = f"\n{DOC_SEPARATOR}\n".join(heldout_documents())
            heldout_ids = torch.tensor(tokenizer.encode(heldout_text))
            stage("base")
            base_bytes = _file_size(reference.model)
            quantized_loss = {
                "fp32": round(heldout_loss(reference.model, heldout_ids), 4)
            }
            for codebook in ("int4", "nf4"):
                quantized = quantize_model(reference.model, codebook, 64)
                quantized_loss[codebook] = round(
                    heldout_loss(quantized, heldout_ids), 4
                )
            base = {
                "reference": _accuracies(reference.model, tokenizer, sets),
                "nf4": _accuracies(
                    quantize_model(reference.model, "nf4", 64, double=True),
                    tokenizer,
                    {"old": sets["old"]},
                ),
            }
            adapter: dict[str, Tensor] = {}
            spectrum: dict[str, list[float]] = {}
            for method, targets, rank in runs:
                name = run_name(method, targets, rank)
                stage(name)
                model = _adapt(reference.model, method, targets, rank)
                trainable, total = trainable_share(model)
                measured = measured_training_bytes(model, data)
                config = TrainConfig(**{**train_args, "steps": steps, "lr": LR[method]})
                t0 = time.perf_counter()
                result = train(model, data, config=config, progress=progress)
                timing[f"{name}_s"] = round(time.perf_counter() - t0, 1)
                saved = adapter_state_dict(model) if method != "full" else model
                records.append(
                    {
                        "name": name,
                        "method": method,
                        "targets": targets,
                        "rank": rank,
                        "lr": LR[method],
                        "trainable": trainable,
                        "total": total,
                        "optimizer_bytes": optimizer_memory(trainable),
                        "measured_bytes": measured,
                        "saved_bytes": _file_size(saved),
                        "final_train_loss": round(result.final_train_loss, 4),
                        "accuracy": _accuracies(model, tokenizer, sets),
                    }
                )
                if (method, targets, rank) == ADAPTER:
                    adapter = adapter_state_dict(model)
                if method == "full":
                    svals = update_spectrum(reference.model, model)
                    spectrum = {
                        k: [float(f"{v:.5g}") for v in s.tolist()]
                        for k, s in svals.items()
                    }
            stage("files")
    finally:
        torch.set_num_threads(threads)
    results = {
        "base_bytes": base_bytes,
        "base": base,
        "heldout_loss": quantized_loss,
        "runs": records,
        "spectrum": spectrum,
        "questions": {k: len(v) for k, v in sets.items()},
    }
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "region_wordings": REGION_WORDINGS,
            "region_seed": REGION_SEED,
            "tokens": int(data.numel()),
            "n_old": N_OLD,
        },
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "adapter": {"method": ADAPTER[0], "targets": ADAPTER[1], "rank": ADAPTER[2]},
        "training": {
            **train_args,
            "steps": steps,
            "lr": LR,
            "num_threads": NUM_THREADS,
        },
        "results": {
            r["name"]: {**r["accuracy"], "trainable": r["trainable"]} for r in records
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing["recipe_time_s"] = round(time.perf_counter() - start, 1)
    text = json.dumps(results, indent=1, sort_keys=True) + "\n"
    recipe = recorded_command(LORA_SPEC.command, steps=steps, default_steps=STEPS)
    if runs != RUNS:
        recipe += f" (runs {[run_name(*r) for r in runs]}, from Python)"
    manifest = write_artifact(
        out_dir,
        LORA_SPEC,
        {
            RESULTS_FILE: lambda path: path.write_text(text, encoding="utf-8"),
            ADAPTER_FILE: lambda path: save_weights(adapter, path),
            HELDOUT_FILE: lambda path: path.write_text(heldout_text, encoding="utf-8"),
        },
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


class LoRAResults(NamedTuple):
    """The shipped results of :func:`train_lora`.

    Introduced in chapter 14.

    Fields:

    results : dict
        ``results.json``: ``runs`` (one dict per run of :data:`RUNS`), ``base`` (the
        reference model's accuracies), ``base_bytes``, ``heldout_loss``, ``questions`` and
        ``spectrum`` (singular values of the full fine-tune's update, per matrix).
    adapter : dict of str to Tensor
        The rank-4 adapter's ``lora_A`` and ``lora_B`` tensors, by name.
    heldout_text : str
        Documents the reference model held out for validation (``heldout.txt``).
    manifest : dict
        ``manifest.json``, with ``timing.json``'s durations in ``results``.
    """

    results: dict[str, Any]
    adapter: dict[str, Tensor]
    heldout_text: str
    manifest: dict[str, Any]


def load_lora(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> LoRAResults:
    """Load the shipped results and adapter, checking the SHA-256 of the files first.

    Introduced in chapter 14.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_lora`; :data:`LORA_DIR` by default.
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
    >>> shipped = load_lora()
    >>> [run["name"] for run in shipped.results["runs"]][:2]
    ['full', 'lora-attention-1']
    """
    directory, manifest, files = load_shipped(
        LORA_SPEC, LORA_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    results = json.loads(files[RESULTS_FILE].decode("utf-8"))
    adapter = parse_weights(files[ADAPTER_FILE], source=directory / ADAPTER_FILE)
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    heldout_text = files[HELDOUT_FILE].decode("utf-8")
    return LoRAResults(results, adapter, heldout_text, manifest)


def load_adapted(shipped: LoRAResults | None = None) -> nn.Module:
    """Return the reference model with the shipped rank-4 adapter in place (not merged).

    Introduced in chapter 14.

    Raises
    ------
    TypeError
        If ``shipped`` is not a :class:`LoRAResults`.

    Examples
    --------
    >>> from stepbytoken.nn.lora import LoRALinear
    >>> model = load_adapted()
    >>> sum(isinstance(m, LoRALinear) for m in model.modules())  # 4 layers x 4 matrices
    16
    """
    if shipped is None:
        shipped = load_lora()
    if not isinstance(shipped, LoRAResults):
        raise TypeError(f"shipped must be LoRAResults, got {type(shipped).__name__}")
    info = shipped.manifest["adapter"]
    model = add_lora(load_reference().model, info["rank"], targets=info["targets"])
    missing = set(shipped.adapter) - set(model.state_dict())
    if missing:
        raise ValueError(
            f"the adapter holds tensors the model lacks: {sorted(missing)}"
        )
    model.load_state_dict(shipped.adapter, strict=False)
    return model.eval()


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, STEPS)
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train every run, write the files, print a summary and the manifest's SHA-256."""
    out = output_path(args)
    manifest = train_lora(out, steps=args.steps, progress=True, force=args.force)
    print(f"wrote {out} in {manifest['results']['recipe_time_s']:.0f} s")
    for name, row in manifest["results"].items():
        if isinstance(row, dict):
            print(
                f"{name:18} trainable {row['trainable']:>7}  new (held out) "
                f"{row['new_heldout']:.2f}  old {row['old']:.2f}"
            )
    report_manifest(out, MANIFEST_SHA256, LORA_DIR, "lora")
    return 0
