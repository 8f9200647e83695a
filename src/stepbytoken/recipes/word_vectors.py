"""The recipe of chapter 3's word vectors: ``python -m stepbytoken train word-vectors``.

Chapter 3 trains skip-gram word vectors with negative sampling
(:func:`~stepbytoken.training.train_word_vectors`) on the small world's words. The five epochs
take longer than the rest of the page together, so this recipe trains them once, with exactly
the chapter's words and settings, and the package ships the result in ``data/word_vectors/``:
``vectors.safetensors`` and ``manifest.json`` (the settings, the vocabulary, the loss of each
epoch), with ``timing.json`` beside them. :func:`load_word_vectors` checks the files against
:data:`MANIFEST_SHA256`. The recipe is deterministic (training runs on one thread): a rerun
gives byte-identical files. It writes to ``./stepbytoken-artifacts/word_vectors`` unless told
otherwise (``--out``; replacing the shipped copy takes ``--force`` too).

Introduced in chapter 3.
"""

from __future__ import annotations

import argparse
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
from stepbytoken.checks import check_strings
from stepbytoken.nn import WordVectors
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.tokenizers import WordVocab
from stepbytoken.training import train_word_vectors
from stepbytoken.world import make_world, words

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "TRAIN_ARGS",
    "WORD_VECTORS_DIR",
    "WORD_VECTORS_SPEC",
    "add_arguments",
    "corpus_words",
    "load_word_vectors",
    "run",
    "train_vectors",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train word-vectors"
HELP = "train chapter 3's word vectors on the small world (seconds on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "word_vectors"

#: Folder of the shipped vectors inside the package.
WORD_VECTORS_DIR = Path(__file__).resolve().parent.parent / "data" / "word_vectors"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the vectors).
MANIFEST_SHA256 = "e5c44b812ab2b4bb0308ec76e9dc9bf2706a36955ce1849d5e1d8132311aa72b"

VECTORS_FILE = "vectors.safetensors"

#: What the artifact holds.
WORD_VECTORS_SPEC = ArtifactSpec(
    "stepbytoken-word-vectors",
    1,
    (VECTORS_FILE,),
    "python -m stepbytoken train word-vectors",
)

# The recipe's settings (chapter 3's): change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
TRAIN_ARGS: dict[str, Any] = {
    "dim": 64,
    "window": 2,
    "negatives": 5,
    "epochs": 5,
    "min_count": 5,
    "seed": 0,
}


def corpus_words() -> list[str]:
    """Chapter 3's training text: the small world's corpus split into lowercase words.

    Introduced in chapter 3.

    Examples
    --------
    >>> corpus_words()[:3] == words(make_world(0).corpus())[:3]
    True
    """
    return words(make_world(WORLD_SEED).corpus())


def _words_sha256(text_words: list[str]) -> str:
    text_words = check_strings("text_words", text_words)
    return hashlib.sha256("\n".join(text_words).encode("utf-8")).hexdigest()


def train_vectors(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Train chapter 3's word vectors and write their artifact to ``out_dir``.

    Introduced in chapter 3.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with the durations of ``timing.json``
        (``training_time_s``, ``training_cpu_s``) merged into ``results``. Pin the SHA-256 of
        ``manifest.json`` as :data:`MANIFEST_SHA256` to ship the files.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    text_words = corpus_words()
    start, cpu_start = time.perf_counter(), time.process_time()
    wv = train_word_vectors(text_words, **TRAIN_ARGS)
    timing = {  # not hashed: they differ from run to run
        "training_time_s": round(time.perf_counter() - start, 1),
        "training_cpu_s": round(time.process_time() - cpu_start, 1),
    }
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "words": len(text_words),
            "words_sha256": _words_sha256(text_words),
        },
        "vocab": {"itos": list(wv.vocab.itos), "counts": list(wv.vocab.counts)},
        "training": dict(TRAIN_ARGS),
        "results": {"losses": [round(x, 6) for x in wv.losses]},
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    writers = {VECTORS_FILE: lambda path: save_weights({"weight": wv.weight}, path)}
    manifest = write_artifact(
        out_dir, WORD_VECTORS_SPEC, writers, details, timing=timing, force=force
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_word_vectors(
    text_words: list[str] | None = None,
    directory: str | PathLike[str] | None = None,
    *,
    manifest_sha256: str | None = None,
) -> tuple[WordVectors, dict[str, float]]:
    """Load the shipped chapter-3 word vectors, checking the SHA-256 of every file first.

    Introduced in chapter 3.

    Parameters
    ----------
    text_words : list of str, optional
        The words the vectors should have been trained on (chapter 3's, as
        :func:`corpus_words` gives them); checked against the hash the manifest records.
    directory : str or path-like, optional
        A folder written by :func:`train_vectors`; :data:`WORD_VECTORS_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    tuple
        The :class:`~stepbytoken.nn.WordVectors` (with ``losses``, the mean loss per pair of
        each epoch, rounded to 6 decimals) and the durations of ``timing.json``
        (``training_time_s``, ``training_cpu_s``; empty if there is none).

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or ``text_words`` are not the words the vectors were trained on.

    Examples
    --------
    >>> wv, timing = load_word_vectors()
    >>> wv.dim, len(wv.losses)
    (64, 5)
    """
    directory, manifest, files = load_shipped(
        WORD_VECTORS_SPEC, WORD_VECTORS_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    if (
        text_words is not None
        and _words_sha256(text_words) != manifest["data"]["words_sha256"]
    ):
        raise ValueError(
            f"text_words are not the words the vectors in {directory} were trained on "
            f"({manifest['data']['words']:,} words of make_world(0).corpus(); corpus_words() "
            f"gives them), got {len(text_words):,} words"
        )
    vocab = WordVocab(manifest["vocab"]["itos"], manifest["vocab"]["counts"])
    weight = parse_weights(files[VECTORS_FILE], source=directory / VECTORS_FILE)[
        "weight"
    ]
    wv = WordVectors(vocab, weight)
    wv.losses = list(manifest["results"]["losses"])
    return wv, load_timing(directory)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the results and the manifest's SHA-256; exit code 0."""
    out = output_path(args)
    manifest = train_vectors(out, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"losses by epoch {results['losses']}; {results['training_cpu_s']:.0f} s of CPU time"
    )
    report_manifest(out, MANIFEST_SHA256, WORD_VECTORS_DIR, "word_vectors")
    return 0
