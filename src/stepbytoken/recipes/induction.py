"""Induction heads forming during training: ``python -m stepbytoken train induction``.

The shipped family (:mod:`~stepbytoken.recipes.family`) learned the world's corpus without
learning to copy: its heads score near chance on repeated random words. This recipe trains
the family's ``"s"`` member (2 layers of 2 heads) from scratch with the family's settings
(except windows of :data:`TRAIN_BLOCK` tokens and batches of :data:`BATCH_SIZE`) on the
reference model's training data plus :data:`REPEAT_SHARE` times as many tokens of the
world's *pattern documents*: random lines of words written two or three times, which only a
model that reads back can predict (the reference corpus holds a few hundred). Every
:data:`EVAL_EVERY` steps (about 160 times in all over a longer run) it records, on a fixed
test set of lines of random pattern words written twice (:func:`probe_lists`), drawn with a
seed of their own, every head's previous-token, prefix-matching and copying scores
(:mod:`~stepbytoken.evaluation.induction`) and the loss on the first and the second half of
the lists.

The package ships the result in ``data/induction/``: ``model.safetensors`` (the model at the
end), ``scores.json`` (the scores over training) and ``manifest.json``, with
``timing.json``. :func:`load_induction` checks the files against :data:`MANIFEST_SHA256`.
Deterministic on the CPU (one thread), where the default run takes a few minutes;
``--device cuda`` trains on a GPU under bfloat16 autocast (the scores are still measured on
the CPU, in float32).

Introduced in chapter 20.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import platform
import random
import time
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import Tensor

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
from stepbytoken.evaluation.induction import (
    attention_scores,
    copying_scores,
    repeat_losses,
    repeated_tokens,
)
from stepbytoken.nn import GPT, count_parameters
from stepbytoken.recipes.family import family_config
from stepbytoken.recipes.model_widths import (
    check_tokenizer,
    shipped_gpt,
    tokenizer_sha256,
)
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_device_argument,
    add_output_arguments,
    add_steps_argument,
    autocast_dtype,
    device_settings,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import (
    MODEL_SEED,
    NUM_THREADS,
    TRAIN_ARGS,
    reference_token_ids,
)
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.training import TrainConfig, process_group, train
from stepbytoken.world import DOC_SEPARATOR
from stepbytoken.world.patterns import PATTERN_WORDS, pattern_document

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "INDUCTION_DIR",
    "INDUCTION_SPEC",
    "Induction",
    "MANIFEST_SHA256",
    "NAME",
    "add_arguments",
    "pattern_token_ids",
    "load_induction",
    "repeat_documents",
    "run",
    "probe_lists",
    "train_induction",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train induction"
HELP = "train a 2-layer model, recording its heads' induction scores (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "induction"

#: Folder of the shipped artifact inside the package.
INDUCTION_DIR = Path(__file__).resolve().parent.parent / "data" / "induction"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other files).
MANIFEST_SHA256 = "8614aee80d2b5b00c60d4d809976651900962de2e42bd6665e7140389a187c08"

MODEL_FILE = "model.safetensors"
SCORES_FILE = "scores.json"

#: What the artifact holds.
INDUCTION_SPEC = ArtifactSpec(
    "stepbytoken-induction",
    1,
    (MODEL_FILE, SCORES_FILE),
    "python -m stepbytoken train induction",
)

# The recipe's settings: change one, rerun the recipe, and pin the new MANIFEST_SHA256.
MEMBER = "s"  # 2 layers, 2 heads, width 64
STEPS = 6000
EVAL_EVERY = 25
DATA_SEED = 0  # the repeat documents
TEST_SEED = 1  # the test sequences
TEST_SEQUENCES = 16
TEST_WORDS = 20  # words in one line of a test list (a half is the line and its "\n")
REPEAT_SHARE = 4.0  # tokens of repeat documents per token of text
TRAIN_BLOCK = 64  # tokens per training window (the model reads up to 128)
BATCH_SIZE = 32  # windows per step: 2,048 tokens, as the family's 16 x 128

#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "training", "files")


class Induction(NamedTuple):
    """The shipped induction run.

    Fields:
        model: the trained model, in eval mode.
        tokenizer: the reference tokenizer.
        scores: ``scores.json``: ``steps`` and, per step, ``previous_token``,
        ``prefix_matching`` and ``copying`` (``n_layer x n_head`` lists) and
        ``loss_first``/``loss_second`` (nats).
        manifest: the manifest, with the timing merged into ``results``.
    """

    model: GPT
    tokenizer: BPETokenizer
    scores: dict[str, Any]
    manifest: dict[str, Any]


def pattern_token_ids(tokenizer: BPETokenizer) -> Tensor:
    """Ids of the pattern words that are one token after a space (``" castle"``).

    The words of the world's pattern documents (:data:`~stepbytoken.world.patterns.
    PATTERN_WORDS`: colours, animals, objects, places, professions) that the tokenizer
    writes as a single token; the test lists are drawn from them.

    Introduced in chapter 20.

    Examples
    --------
    >>> tokenizer = load_reference().tokenizer
    >>> ids = pattern_token_ids(tokenizer)
    >>> tokenizer.decode(ids[:3].tolist())
    ' red blue green'
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    ids = [tokenizer.encode_ordinary(" " + w) for w in PATTERN_WORDS]
    return torch.tensor([i[0] for i in ids if len(i) == 1])


def repeat_documents(
    tokenizer: BPETokenizer, n_tokens: int, *, seed: int = DATA_SEED
) -> Tensor:
    """About ``n_tokens`` ids of the world's pattern documents: random word lists, repeated.

    Each document is a line of 6 to 20 random pattern words written two or three times
    (:func:`~stepbytoken.world.patterns.pattern_document`); documents are joined with the
    corpus's separator, as in the reference corpus, which holds a few hundred of them.

    Introduced in chapter 20.

    Examples
    --------
    >>> tokenizer = load_reference().tokenizer
    >>> text = tokenizer.decode(repeat_documents(tokenizer, 40).tolist())
    >>> lines = text.split(DOC_SEPARATOR)[0].strip().split("\\n")
    >>> len(lines) >= 2 and len(set(lines)) == 1
    True
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    n_tokens = check_int("n_tokens", n_tokens, minimum=1)
    rng = random.Random(f"induction-{check_int('seed', seed)}")
    parts: list[Tensor] = []
    total = 0
    while total < n_tokens:
        text = f"\n{DOC_SEPARATOR}\n".join(pattern_document(rng) for _ in range(100))
        ids = torch.tensor(tokenizer.encode(text + f"\n{DOC_SEPARATOR}\n"))
        parts.append(ids)
        total += ids.numel()
    return torch.cat(parts)[:n_tokens]


def probe_lists(
    tokenizer: BPETokenizer, words: int = TEST_WORDS, *, line_break: bool = True
) -> Tensor:
    """The fixed test set: :data:`TEST_SEQUENCES` lines of random pattern words, written twice.

    Each half is ``words`` random single-token pattern words and, with ``line_break``, the
    line break that ends a line of the world's pattern documents, so the second half repeats
    the first exactly (:func:`~stepbytoken.evaluation.induction.repeated_tokens`'s layout).

    Introduced in chapter 20.

    Examples
    --------
    >>> tokenizer = load_reference().tokenizer
    >>> idx = probe_lists(tokenizer)
    >>> idx.shape, bool((idx[:, 21:] == idx[:, :21]).all())
    (torch.Size([16, 42]), True)
    >>> tokenizer.decode([int(idx[0, 20])]) == chr(10)  # each half ends its line
    True
    >>> probe_lists(tokenizer, 32, line_break=False).shape
    torch.Size([16, 64])
    """
    words = check_int("words", words, minimum=2)
    check_bool("line_break", line_break)
    pool = pattern_token_ids(tokenizer)
    idx = repeated_tokens(TEST_SEQUENCES, words, pool, seed=TEST_SEED)
    if not line_break:
        return idx
    (newline,) = tokenizer.encode_ordinary("\n")
    half = torch.cat([idx[:, :words], torch.full((TEST_SEQUENCES, 1), newline)], 1)
    return torch.cat([half, half], dim=1)


def _measure(model: GPT, idx: Tensor) -> dict[str, Any]:
    attention = attention_scores(model, idx)
    first, second = repeat_losses(model, idx)

    def rounded(t: Tensor) -> list[list[float]]:
        return [[round(float(v), 4) for v in row] for row in t]

    return {
        "previous_token": rounded(attention.previous_token),
        "prefix_matching": rounded(attention.prefix_matching),
        "copying": rounded(copying_scores(model)),
        "loss_first": round(first, 4),
        "loss_second": round(second, 4),
    }


def train_induction(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    device: str = "cpu",
    force: bool = False,
) -> dict[str, Any]:
    """Train the ``"s"`` member on text plus repeat documents, recording its heads.

    Introduced in chapter 20.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps; None uses :data:`STEPS`.
    progress : bool, default True
        Show progress bars.
    device : {"cpu", "cuda"}, default "cpu"
        Where to train; on CUDA the forward passes run under bfloat16 autocast.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    steps = STEPS if steps is None else check_int("steps", steps, minimum=1)
    check_bool("progress", progress)
    autocast = autocast_dtype(device)  # checks the name
    # scores every EVAL_EVERY steps, or about 160 times over a longer run
    every = max(EVAL_EVERY, steps // 160 // EVAL_EVERY * EVAL_EVERY)
    train_args = {
        **TRAIN_ARGS,
        "steps": steps,
        "warmup_steps": min(TRAIN_ARGS["warmup_steps"], steps // 10),
        "eval_every": min(TRAIN_ARGS["eval_every"], steps),
        "block_size": TRAIN_BLOCK,
        "batch_size": BATCH_SIZE,
    }
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    records: list[dict[str, Any]] = []
    record_steps: list[int] = []
    try:
        with (
            process_group(device) as where,  # checks that the device is there
            stages(NAME, STAGES, enabled=progress) as stage,
        ):
            out_dir.mkdir(parents=True, exist_ok=True)
            stage("data")
            tokenizer = load_reference().tokenizer
            text_ids, val_ids = reference_token_ids(tokenizer)
            repeats = repeat_documents(tokenizer, int(REPEAT_SHARE * text_ids.numel()))
            train_ids = torch.cat([text_ids, repeats])
            test = probe_lists(tokenizer)
            model = GPT(family_config(MEMBER, tokenizer.vocab_size), seed=MODEL_SEED)
            model = model.to(where)

            def record(step: int, m: torch.nn.Module) -> None:
                if step % every == 0 or step == steps:
                    m.eval()
                    here = model if where.type == "cpu" else copy.deepcopy(model).cpu()
                    records.append(_measure(here, test))
                    record_steps.append(step)
                    m.train()

            stage("training")
            cpu_start = time.process_time()
            result = train(
                model,
                train_ids,
                val_ids,
                config,
                progress=progress,
                callback=record,
                autocast_dtype=autocast,
            )
            cpu_s = time.process_time() - cpu_start
            model = model.cpu().eval()
            stage("files")
    finally:
        torch.set_num_threads(threads)
    scores = {
        "steps": record_steps,
        **{key: [r[key] for r in records] for key in records[0]},
    }
    details = {
        "data": {
            "member": MEMBER,
            "text_tokens": int(text_ids.numel()),
            "repeat_tokens": int(repeats.numel()),
            "data_seed": DATA_SEED,
            "repeat_share": REPEAT_SHARE,
            "test": {
                "seed": TEST_SEED,
                "sequences": TEST_SEQUENCES,
                "words": TEST_WORDS,
                "line_break": True,
            },
            "eval_every": every,
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "model": dataclasses.asdict(model.config),
        "model_seed": MODEL_SEED,
        "parameters": count_parameters(model),
        "training": {
            **dataclasses.asdict(config),
            "num_threads": NUM_THREADS,
            **device_settings(where),
        },
        "results": {
            "steps": steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "final_val_loss": round(result.final_val_loss, 4),
            "eval_steps": list(result.eval_steps),
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

    def write_scores(path: Path) -> None:
        path.write_text(json.dumps(scores, sort_keys=True) + "\n", encoding="utf-8")

    recipe = recorded_command(
        INDUCTION_SPEC.command, steps=steps, default_steps=STEPS, device=where
    )
    manifest = write_artifact(
        out_dir,
        INDUCTION_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path), SCORES_FILE: write_scores},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_induction(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Induction:
    """Load the shipped induction run, checking the SHA-256 of its files first.

    Introduced in chapter 20.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_induction`; :data:`INDUCTION_DIR` by default.
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
    >>> run = load_induction()
    >>> run.model.config.n_layer, run.scores["steps"][0]
    (2, 0)
    """
    directory, manifest, files = load_shipped(
        INDUCTION_SPEC, INDUCTION_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = load_reference().tokenizer
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the shipped reference model's",
        command=INDUCTION_SPEC.command,
    )
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE)
    scores = json.loads(files[SCORES_FILE].decode("utf-8"))
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Induction(model, tokenizer, scores, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--device``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, STEPS)
    add_device_argument(parser)
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the final scores and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_induction(
        out, steps=args.steps, progress=True, device=args.device, force=args.force
    )
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; held-out loss "
        f"{results['final_val_loss']:.3f}"
    )
    report_manifest(out, MANIFEST_SHA256, INDUCTION_DIR, "induction")
    return 0
