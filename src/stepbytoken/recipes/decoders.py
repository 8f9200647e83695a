"""The recipe of chapter 7's decoder comparison: ``python -m stepbytoken decoders``.

Chapter 7 samples continuations of twelve held-out openings from the reference model under
eight decoder settings and scores each setting's diversity and likelihood
(:func:`~stepbytoken.evaluation.compare_decoders`). That sampling takes longer than the rest of
the page together, so this recipe runs it once, with exactly the chapter's prompts and settings,
and the package ships the scores in ``data/decoders/``: ``scores.json`` and ``manifest.json``
(the prompts, the settings, the reference model's manifest hash), with ``timing.json`` beside
them. :func:`load_decoder_scores` checks the files against :data:`MANIFEST_SHA256`. The
recipe is deterministic on the CPU (one thread): a rerun gives byte-identical files.

Introduced in chapter 7.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stepbytoken.artifacts import (
    MANIFEST_FILE,
    ArtifactSpec,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    write_artifact,
)
from stepbytoken.artifacts import MANIFEST_SHA256 as REFERENCE_SHA256
from stepbytoken.evaluation import compare_decoders
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.reference import reference_corpus

__all__ = [
    "DECODERS_DIR",
    "DECODERS_SPEC",
    "DECODER_ARGS",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "SETTINGS",
    "add_arguments",
    "decoder_openings",
    "load_decoder_scores",
    "run",
    "score_decoders",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "decoders"
HELP = "sample the reference model under chapter 7's decoder settings and score them (seconds)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "decoders"

#: Folder of the shipped scores inside the package.
DECODERS_DIR = Path(__file__).resolve().parent.parent / "data" / "decoders"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``scores.json``).
MANIFEST_SHA256 = "ae9ab0e041a7c98031a43685707aec9034f82b855587698876dc8a8e53398969"

SCORES_FILE = "scores.json"

#: What the artifact holds.
DECODERS_SPEC = ArtifactSpec(
    "stepbytoken-decoders", 1, (SCORES_FILE,), "python -m stepbytoken decoders"
)

# The recipe's settings (chapter 7's): change one, rerun the recipe, pin the new MANIFEST_SHA256.
N_PROMPTS = 12
PROMPT_TOKENS = 7
NUM_THREADS = 1
DECODER_ARGS: dict[str, int] = {"n_samples": 6, "max_new_tokens": 20, "seed": 0}
SETTINGS: dict[str, dict[str, Any]] = {
    "greedy": {"greedy": True},
    "T = 0.5": {"temperature": 0.5},
    "T = 0.8": {"temperature": 0.8},
    "T = 1": {},
    "T = 1.5": {"temperature": 1.5},
    "top-k = 20": {"top_k": 20},
    "top-p = 0.5": {"top_p": 0.5},
    "top-p = 0.9": {"top_p": 0.9},
}


def decoder_openings() -> torch.Tensor:
    """The first 7 + 20 tokens of twelve held-out documents of the reference corpus.

    Introduced in chapter 7.

    Returns
    -------
    torch.Tensor
        Shape ``(12, 27)``: each row a document's separator and first tokens; the first 7 are
        a prompt, the other 20 the real continuation.
    """
    ref = load_reference()
    val_every = ref.manifest["corpus"]["val_every"]
    documents = reference_corpus().split("<|endoftext|>")
    heldout = documents[val_every - 1 :: val_every][:N_PROMPTS]
    length = PROMPT_TOKENS + DECODER_ARGS["max_new_tokens"]
    return torch.tensor(
        [ref.tokenizer.encode("<|endoftext|>" + d)[:length] for d in heldout]
    )


def score_decoders(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Run chapter 7's decoder comparison on the reference model and write the scores.

    Introduced in chapter 7.

    Returns
    -------
    dict
        The manifest that was written, with the durations of ``timing.json`` merged into
        ``results``. Pin the SHA-256 of ``manifest.json`` as :data:`MANIFEST_SHA256`.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    openings = decoder_openings()[:, :PROMPT_TOKENS].tolist()
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    try:
        scores = compare_decoders(
            load_reference().model, openings, SETTINGS, **DECODER_ARGS
        )
    finally:
        torch.set_num_threads(threads)
    timing = {"sampling_cpu_s": round(time.process_time() - cpu_start, 1)}  # not hashed
    records = {
        name: {k: v.tolist() for k, v in s.items()} for name, s in scores.items()
    }
    text = json.dumps(records, sort_keys=True) + "\n"
    details = {
        "reference_manifest_sha256": REFERENCE_SHA256,
        "prompts": openings,
        "settings": SETTINGS,
        "decoder_args": dict(DECODER_ARGS),
        "num_threads": NUM_THREADS,
        "results": {},
        "environment": {"torch": torch.__version__},
    }
    manifest = write_artifact(
        out_dir,
        DECODERS_SPEC,
        {SCORES_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_decoder_scores(
    prompts: Sequence[Sequence[int]],
    settings: Mapping[str, Mapping[str, Any]],
    *,
    n_samples: int,
    max_new_tokens: int,
    seed: int,
    directory: str | PathLike[str] | None = None,
    manifest_sha256: str | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """What :func:`~stepbytoken.evaluation.compare_decoders` returned for these arguments.

    The arguments must be the recipe's (and the model the shipped reference model), so that
    the scores are those of the call the caller describes.

    Introduced in chapter 7.

    Returns
    -------
    dict of str to dict
        As :func:`~stepbytoken.evaluation.compare_decoders`: for each setting, arrays with one
        value per prompt.

    Raises
    ------
    ValueError
        If a hash differs, or the arguments are not those the recipe used.

    Examples
    --------
    >>> from stepbytoken.recipes.decoders import DECODER_ARGS, SETTINGS
    >>> prompts = decoder_openings()[:, :7].tolist()
    >>> scores = load_decoder_scores(prompts, SETTINGS, **DECODER_ARGS)
    >>> scores["greedy"]["distinct-2"].shape
    (12,)
    """
    directory, manifest, files = load_shipped(
        DECODERS_SPEC, DECODERS_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    given = {
        "prompts": [list(map(int, p)) for p in prompts],
        "settings": {name: dict(options) for name, options in settings.items()},
        "decoder_args": {
            "n_samples": n_samples,
            "max_new_tokens": max_new_tokens,
            "seed": seed,
        },
    }
    recorded = {key: manifest[key] for key in given}
    if json.dumps(given, sort_keys=True) != json.dumps(recorded, sort_keys=True):
        raise ValueError(
            f"the prompts, settings and arguments must be those of the recipe "
            f"({directory / MANIFEST_FILE} records them)"
        )
    if manifest["reference_manifest_sha256"] != REFERENCE_SHA256:
        raise ValueError(
            f"the scores in {directory} were measured on another reference model; rerun "
            f"`{DECODERS_SPEC.command}`"
        )
    records = json.loads(files[SCORES_FILE])
    load_timing(directory)  # checked: durations only
    return {
        name: {
            score: np.array(values, dtype=float)
            for score, values in records[name].items()
        }
        for name in settings
    }


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Sample, write the files, print the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = score_decoders(out, force=args.force)
    print(f"wrote {out} ({manifest['results']['sampling_cpu_s']:.0f} s of CPU time)")
    report_manifest(out, MANIFEST_SHA256, DECODERS_DIR, "decoders")
    return 0
