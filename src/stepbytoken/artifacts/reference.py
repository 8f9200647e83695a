"""The book's reference model: a small GPT trained on the small world, shipped with the package.

Later chapters need a model that already knows the small world: one that writes its stories,
answers questions about its people and kingdoms, and confidently makes up answers about the
held-out ones it never read about. Training it takes minutes, too long for a book page, so the
package ships the result in ``data/reference/``: ``model.safetensors`` (the weights),
``tokenizer.json`` (its byte-level BPE tokenizer) and ``manifest.json`` (how they were made
and the SHA-256 of the other two), with ``timing.json`` (how long training took) beside them.
The manifest's own SHA-256 is pinned here (:data:`MANIFEST_SHA256`), so one constant vouches
for all three files; the timing, which differs from run to run, is merged into the loaded
manifest's ``results``. The recipe that
writes them is :mod:`stepbytoken.recipes.reference`.

Introduced in chapter 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from stepbytoken.artifacts.checksums import check_sha256
from stepbytoken.artifacts.manifest import (
    MANIFEST_FILE,
    ArtifactSpec,
    load_artifact,
    load_timing,
)
from stepbytoken.artifacts.weights import parse_weights
from stepbytoken.checks import check_path
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "MANIFEST_FILE",
    "MANIFEST_FORMAT",
    "MANIFEST_SHA256",
    "MANIFEST_VERSION",
    "MODEL_FILE",
    "RECIPE_COMMAND",
    "REFERENCE_DIR",
    "REFERENCE_SPEC",
    "TOKENIZER_FILE",
    "Reference",
    "load_reference",
]

#: Folder of the shipped reference model inside the package.
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other two files).
MANIFEST_SHA256 = "54375330aca814d6fea80d1f8d9b3cced912516144108358040cd91025fe9819"

#: The command that rebuilds the shipped files.
RECIPE_COMMAND = "python -m stepbytoken train reference"

MODEL_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FORMAT = "stepbytoken-reference"
MANIFEST_VERSION = 2  # 2: durations moved to timing.json

#: What the reference artifact holds.
REFERENCE_SPEC = ArtifactSpec(
    format=MANIFEST_FORMAT,
    version=MANIFEST_VERSION,
    files=(MODEL_FILE, TOKENIZER_FILE),
    command=RECIPE_COMMAND,
)


@dataclass(frozen=True)
class Reference:
    """The loaded reference model, with what it needs to be used.

    Introduced in chapter 1.

    Attributes
    ----------
    model : GPT
        The trained model, in eval mode. The cached copy returned by :func:`load_reference` is
        shared: ``copy.deepcopy`` it before changing its weights.
    tokenizer : BPETokenizer
        Its tokenizer (``"<|endoftext|>"`` is a special token).
    config : GPTConfig
        The model's configuration.
    manifest : dict
        The contents of ``manifest.json``: how the model was made and how well it did, with
        the durations of ``timing.json`` (``training_time_s``) merged into ``results``.

    Examples
    --------
    >>> ref = load_reference()
    >>> ref.config.vocab_size == ref.tokenizer.vocab_size == ref.manifest["model"]["vocab_size"]
    True
    """

    model: GPT
    tokenizer: BPETokenizer
    config: GPTConfig
    manifest: dict[str, Any]


def _load(directory: Path, manifest_sha256: str) -> Reference:
    manifest, files = load_artifact(directory, REFERENCE_SPEC, manifest_sha256)
    hint = f"rebuild the files with `{RECIPE_COMMAND}`"
    manifest_path = directory / MANIFEST_FILE
    try:
        tokenizer = BPETokenizer.from_dict(json.loads(files[TOKENIZER_FILE]))
    except (ValueError, TypeError) as err:  # JSONDecodeError is a ValueError
        raise ValueError(
            f"{directory / TOKENIZER_FILE} is malformed: {err}; {hint}"
        ) from err
    try:
        state = parse_weights(files[MODEL_FILE], source=directory / MODEL_FILE)
    except ValueError as err:
        raise ValueError(f"{err}; {hint}") from err
    try:
        config = GPTConfig(**manifest["model"])
        if not isinstance(manifest["results"], dict):
            raise TypeError("'results' must be an object")
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"{manifest_path} is malformed: its 'model' must hold GPTConfig's fields and "
            f"'results' an object ({type(err).__name__}: {err}); {hint}"
        ) from err
    if config.vocab_size != tokenizer.vocab_size:
        raise ValueError(
            f"the manifest's vocab_size {config.vocab_size} differs from the tokenizer's "
            f"{tokenizer.vocab_size} ({manifest_path}); {hint}"
        )
    model = GPT(config, seed=0)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ValueError(
            f"{directory / MODEL_FILE} does not hold the weights of the model its manifest "
            f"describes: {err}; {hint}"
        ) from err
    model.eval()
    try:
        timing = load_timing(directory)
    except ValueError as err:
        raise ValueError(f"{err}; {hint} (or delete the file)") from err
    manifest["results"] = {**manifest["results"], **timing}
    return Reference(model=model, tokenizer=tokenizer, config=config, manifest=manifest)


_CACHE: list[Reference] = []  # the shipped model, once loaded


def load_reference(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Reference:
    """Load the shipped reference model, checking the SHA-256 of every file first.

    The manifest must match :data:`MANIFEST_SHA256` (or ``manifest_sha256``), and the weights
    and tokenizer the hashes it records; only then are they parsed (the weights by
    safetensors, never by pickle). The shipped model is cached: later calls without arguments
    return the same :class:`Reference`.

    Introduced in chapter 1.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder holding the three files; the package's :data:`REFERENCE_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default
        (e.g. the hash of a manifest that the recipe just wrote).

    Returns
    -------
    Reference
        The model (eval mode), tokenizer, config and manifest.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a file's SHA-256 differs from the expected one, or a file is malformed (the
        manifest does not describe a reference model, the tokenizer or weights do not parse
        or do not fit it, ``timing.json`` holds something other than durations); the message
        names the file and the command that rebuilds it.

    Examples
    --------
    >>> ref = load_reference()
    >>> ref.model.training, ref.manifest["results"]["train_fact_accuracy"] > 0.5
    (False, True)
    >>> load_reference() is ref  # cached
    True
    """
    directory = (
        REFERENCE_DIR if directory is None else check_path("directory", directory)
    )
    expected = check_sha256(
        "manifest_sha256",
        MANIFEST_SHA256 if manifest_sha256 is None else manifest_sha256,
    )
    # a folder of one's own
    if directory != REFERENCE_DIR or expected != MANIFEST_SHA256:
        return _load(directory, expected)
    if not _CACHE:
        _CACHE.append(_load(directory, expected))
    return _CACHE[0]
