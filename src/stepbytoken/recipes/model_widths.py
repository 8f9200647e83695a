"""The recipe of chapter 6's narrower GPTs: ``python -m stepbytoken train widths``.

Chapter 6 trains a small GPT (``d_model`` 64) on the small world, then compares it with the same
model at widths 16 and 32, trained on the same batches for the same steps. Those two extra runs
would double the page's running time, so this recipe trains them once, with exactly the
chapter's tokenizer, data and settings, and the package ships the result in
``data/model_widths/``: one safetensors file per width and ``manifest.json`` (the settings, the
hash of the tokenizer, and each run's history), with ``timing.json`` beside them.
:func:`load_width_runs` checks the files against :data:`MANIFEST_SHA256`. The recipe is
deterministic on the CPU (one thread): a rerun gives byte-identical files. It writes to
``./stepbytoken-artifacts/model_widths`` unless told otherwise (``--out``; replacing the shipped
copy takes ``--force`` too).

Introduced in chapter 6.
"""

from __future__ import annotations

import argparse
import hashlib
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
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import (
    check_bool,
    check_instance,
    check_mapping,
    check_path,
    check_str,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.training import TrainConfig, TrainResult, train
from stepbytoken.world import make_world

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "MODEL_ARGS",
    "NAME",
    "TRAIN_ARGS",
    "WIDTHS",
    "WIDTHS_DIR",
    "WIDTHS_SPEC",
    "add_arguments",
    "check_tokenizer",
    "fit_width",
    "load_width_runs",
    "shipped_gpt",
    "run",
    "tokenizer_sha256",
    "train_widths",
    "width_data",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train widths"
HELP = "train chapter 6's GPTs of width 16 and 32 on the small world (seconds on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "model_widths"

#: Folder of the shipped runs inside the package.
WIDTHS_DIR = Path(__file__).resolve().parent.parent / "data" / "model_widths"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "043f070c33b23bae7b4fef1ff52b299c6afe3a6cce1573c35fc185ebe2a3d53c"

#: The widths (``d_model``) the recipe trains.
WIDTHS = (16, 32)

#: What the artifact holds: one weights file per width.
WIDTHS_SPEC = ArtifactSpec(
    "stepbytoken-model-widths",
    1,
    tuple(f"width{d}.safetensors" for d in WIDTHS),
    "python -m stepbytoken train widths",
)

# The recipe's settings (chapter 6's): change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
NUM_MERGES = 512
VAL_SHARE = 0.1  # the last tenth of the token ids is held out
NUM_THREADS = 1
MODEL_ARGS: dict[str, int] = {"block_size": 32, "n_layer": 2, "n_head": 4}
TRAIN_ARGS: dict[str, Any] = {
    "steps": 150,
    "batch_size": 12,
    "lr": 1e-2,
    "eval_every": 25,
    "eval_batches": 4,
    "seed": 0,
}


def width_data() -> tuple[BPETokenizer, torch.Tensor, torch.Tensor]:
    """Chapter 6's tokenizer and token ids of the small world: training and held-out.

    Introduced in chapter 6.

    Returns
    -------
    tuple
        A byte-level BPE tokenizer with :data:`NUM_MERGES` merges trained on
        ``make_world(0).corpus()``, and the first nine tenths and the last tenth of the
        corpus's token ids.
    """
    text = make_world(WORLD_SEED).corpus()
    tokenizer = BPETokenizer.train(text, NUM_MERGES, special_tokens=["<|endoftext|>"])
    ids = torch.tensor(tokenizer.encode(text))
    split = int((1 - VAL_SHARE) * len(ids))
    return tokenizer, ids[:split], ids[split:]


def tokenizer_sha256(tokenizer: BPETokenizer) -> str:
    """SHA-256 of a tokenizer's serialised form: which tokenizer a model reads.

    Introduced in chapter 6.

    Examples
    --------
    >>> a = BPETokenizer.train("aaab", 1)
    >>> tokenizer_sha256(a) == tokenizer_sha256(BPETokenizer.train("aaab", 1))
    True
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    text = json.dumps(tokenizer.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_tokenizer(
    tokenizer: BPETokenizer,
    manifest: dict[str, Any],
    directory: str | PathLike[str],
    *,
    whose: str,
    command: str,
) -> None:
    """Raise unless ``tokenizer`` is the one the models of a loaded artifact were trained with.

    ``manifest["tokenizer_sha256"]`` is what the recipe recorded; ``whose`` says which
    tokenizer the loader expects (e.g. ``"the shipped assistant's"``) and ``command`` is the
    recipe that rebuilds the artifact, both for the message.

    Introduced in chapter 6.

    Examples
    --------
    >>> tok = BPETokenizer.train("aaab", 1)
    >>> check_tokenizer(tok, {"tokenizer_sha256": "0" * 64}, "x", whose="mine", command="cmd")
    Traceback (most recent call last):
    ...
    ValueError: the artifact in x was made with another tokenizer than mine; rebuild it with `cmd`
    """
    check_mapping("manifest", manifest)
    recorded = manifest.get("tokenizer_sha256")
    if not isinstance(recorded, str):
        raise ValueError(
            "manifest must record the tokenizer's SHA-256 as tokenizer_sha256"
        )
    directory = check_path("directory", directory)
    check_str("whose", whose, allow_empty=False)
    check_str("command", command, allow_empty=False)
    if tokenizer_sha256(tokenizer) != recorded:
        raise ValueError(
            f"the artifact in {directory} was made with another tokenizer than {whose}; "
            f"rebuild it with `{command}`"
        )


def shipped_gpt(
    manifest: dict[str, Any], weights: bytes, source: Path, *, tied: bool = False
) -> GPT:
    """The GPT of a loaded artifact: ``manifest["model"]``'s shape, ``weights``' tensors.

    ``weights`` are the checked bytes of a safetensors file read from ``source`` (named in
    errors); with ``tied``, the file holds the token embedding once and the output layer
    shares it. The model is returned in eval mode.

    Introduced in chapter 6.
    """
    check_mapping("manifest", manifest)
    shape = manifest.get("model")
    if not isinstance(shape, dict):
        raise ValueError("manifest must give the model's GPTConfig fields as model")
    check_instance("weights", weights, bytes)
    source = check_path("source", source)
    check_bool("tied", tied)
    model = GPT(GPTConfig(**shape), seed=0)
    state = parse_weights(weights, source=source)
    if tied:
        state["lm_head.weight"] = state["wte.weight"]  # stored once
    model.load_state_dict(state)
    return model.eval()


def fit_width(
    d_model: int, vocab_size: int, train_ids: torch.Tensor, val_ids: torch.Tensor
) -> tuple[GPT, TrainResult]:
    """Train chapter 6's GPT at width ``d_model`` with the recipe's settings.

    Introduced in chapter 6.

    Examples
    --------
    >>> ids = torch.arange(400) % 8
    >>> model, result = fit_width(16, 8, ids[:300], ids[300:])  # doctest: +SKIP
    """
    model = GPT(GPTConfig(vocab_size=vocab_size, d_model=d_model, **MODEL_ARGS), seed=0)
    result = train(model, train_ids, val_ids, TrainConfig(**TRAIN_ARGS))
    return model.eval(), result


def train_widths(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Train the GPTs of width 16 and 32 and write their artifact to ``out_dir``.

    Introduced in chapter 6.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with the durations of ``timing.json`` merged into
        ``results``. Pin the SHA-256 of ``manifest.json`` as :data:`MANIFEST_SHA256`.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    tokenizer, train_ids, val_ids = width_data()
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    try:
        runs = {
            d: fit_width(d, tokenizer.vocab_size, train_ids, val_ids) for d in WIDTHS
        }
    finally:
        torch.set_num_threads(threads)
    cpu_s = time.process_time() - cpu_start
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "num_merges": NUM_MERGES,
            "tokenizer_sha256": tokenizer_sha256(tokenizer),
            "val_share": VAL_SHARE,
            "train_tokens": int(train_ids.numel()),
            "val_tokens": int(val_ids.numel()),
        },
        "model": {**MODEL_ARGS, "vocab_size": tokenizer.vocab_size, "seed": 0},
        "training": {**TRAIN_ARGS, "num_threads": NUM_THREADS},
        "results": {
            str(d): {
                "final_val_loss": round(result.final_val_loss, 4),
                "train_loss": [round(x, 4) for x in result.train_loss],
                "grad_norm": [round(x, 4) for x in result.grad_norm],
                "eval_steps": list(result.eval_steps),
                "eval_train_loss": [round(x, 4) for x in result.eval_train_loss],
                "eval_val_loss": [round(x, 4) for x in result.eval_val_loss],
            }
            for d, (_, result) in runs.items()
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    writers = {
        f"width{d}.safetensors": (lambda path, m=model: save_weights(m, path))
        for d, (model, _) in runs.items()
    }
    timing = {"training_cpu_s": round(cpu_s, 1)}  # not hashed: differs from run to run
    manifest = write_artifact(
        out_dir, WIDTHS_SPEC, writers, details, timing=timing, force=force
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_width_runs(
    tokenizer: BPETokenizer,
    directory: str | PathLike[str] | None = None,
    *,
    manifest_sha256: str | None = None,
) -> dict[int, tuple[GPT, TrainResult]]:
    """Load the shipped GPTs of width 16 and 32 and the records of their training.

    Introduced in chapter 6.

    Parameters
    ----------
    tokenizer : BPETokenizer
        Chapter 6's tokenizer (as :func:`width_data` trains it); another one is refused.
    directory : str or path-like, optional
        A folder written by :func:`train_widths`; :data:`WIDTHS_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    dict of int to (GPT, TrainResult)
        For each width, the model (eval mode) and its training record (losses rounded to 4
        decimals).

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or ``tokenizer`` is not the one the models were trained with.

    Examples
    --------
    >>> tokenizer, _, _ = width_data()
    >>> runs = load_width_runs(tokenizer)
    >>> sorted(runs), runs[16][1].eval_steps[-1]
    ([16, 32], 150)
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    directory, manifest, files = load_shipped(
        WIDTHS_SPEC, WIDTHS_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    if tokenizer_sha256(tokenizer) != manifest["data"]["tokenizer_sha256"]:
        raise ValueError(
            f"tokenizer is not the one the models in {directory} were trained with (BPE with "
            f"{manifest['data']['num_merges']} merges on make_world(0).corpus(); width_data() "
            "trains it)"
        )
    settings = {k: v for k, v in manifest["training"].items() if k != "num_threads"}
    config = TrainConfig(**settings)
    elapsed = load_timing(directory).get("training_cpu_s", 0.0)
    runs = {}
    for d in WIDTHS:
        name = f"width{d}.safetensors"
        model = _model(manifest["model"], d)
        model.load_state_dict(parse_weights(files[name], source=directory / name))
        record = manifest["results"][str(d)]
        result = TrainResult(
            config=config,
            steps=list(range(len(record["train_loss"]))),
            train_loss=list(record["train_loss"]),
            lr=[config.lr_at(step) for step in range(len(record["train_loss"]))],
            grad_norm=list(record["grad_norm"]),
            eval_steps=list(record["eval_steps"]),
            eval_train_loss=list(record["eval_train_loss"]),
            eval_val_loss=list(record["eval_val_loss"]),
            elapsed_s=elapsed / len(WIDTHS),
        )
        runs[d] = (model.eval(), result)
    return runs


def _model(model_args: dict[str, Any], d_model: int) -> GPT:
    """An untrained GPT of the recorded shape at width ``d_model``."""
    args = {k: v for k, v in model_args.items() if k != "seed"}
    return GPT(GPTConfig(d_model=d_model, **args), seed=model_args["seed"])


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the results and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_widths(out, force=args.force)
    for d in WIDTHS:
        print(
            f"width {d}: held-out loss {manifest['results'][str(d)]['final_val_loss']:.3f}"
        )
    print(f"wrote {out} ({manifest['results']['training_cpu_s']:.0f} s of CPU time)")
    report_manifest(out, MANIFEST_SHA256, WIDTHS_DIR, "model_widths")
    return 0
