"""The models that run in the reader's browser, and what a page needs to load them.

A live figure's page fetches the shipped ``model.safetensors`` from the site and runs it with
``gpt.js``. The widget's data carries a *spec* (:func:`live_model_spec`): the file's SHA-256
and size, which ``gpt.js`` checks before it reads a byte, the model's configuration and its
tokenizer. The site copies each file of :func:`live_model_files` to
``_static/models/<name>/model.safetensors`` when it is built; only pages with a live figure
fetch it.

Introduced in chapter 1.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from stepbytoken.artifacts import MODEL_FILE, REFERENCE_DIR, load_reference
from stepbytoken.checks import check_choice

__all__ = ["EOT", "LIVE_MODELS", "live_model_files", "live_model_spec"]

#: The token that separates documents; a prompt of it alone asks how a document begins.
EOT = "<|endoftext|>"

#: The models a page can run, by name: the folder of each one's shipped files (the three files
#: of :func:`~stepbytoken.artifacts.load_reference`).
LIVE_MODELS: dict[str, Path] = {"reference": REFERENCE_DIR}


def live_model_spec(name: str = "reference") -> dict[str, Any]:
    """Return what ``gpt.js`` needs to load the live model ``name`` in the browser.

    The SHA-256 and size come from the model's manifest (which
    :func:`~stepbytoken.artifacts.load_reference` has checked), the configuration is every
    field of its :class:`~stepbytoken.nn.GPTConfig`, the tokenizer is
    :meth:`~stepbytoken.tokenizers.BPETokenizer.to_dict`.

    Introduced in chapter 1.

    Parameters
    ----------
    name : str, default "reference"
        One of :data:`LIVE_MODELS`.

    Returns
    -------
    dict
        ``{"name", "sha256", "bytes", "config", "tokenizer", "eot"}``, JSON-ready; ``eot`` is
        the id of ``"<|endoftext|>"``.

    Raises
    ------
    TypeError, ValueError
        If ``name`` is not the name of a live model.

    Examples
    --------
    >>> spec = live_model_spec()
    >>> spec["name"], spec["bytes"], spec["config"]["block_size"], spec["eot"]
    ('reference', 3899520, 128, 1280)
    """
    check_choice("name", name, tuple(LIVE_MODELS))
    ref = load_reference(LIVE_MODELS[name])
    entry = ref.manifest["files"][MODEL_FILE]
    return {
        "name": name,
        "sha256": entry["sha256"],
        "bytes": entry["bytes"],
        "config": asdict(ref.config),
        "tokenizer": ref.tokenizer.to_dict(),
        "eot": ref.tokenizer.encode(EOT, allowed_special="all")[0],
    }


def shipped_spec(
    model: Any, tokenizer: Any = None, name: str = "reference"
) -> dict[str, Any]:
    """Return :func:`live_model_spec` of ``name``, checked against ``model`` (and ``tokenizer``).

    A live figure computes its default state with ``model`` in Python and the reader's with the
    shipped weights in the browser; both must be the same model.

    Raises
    ------
    ValueError
        If a field of the model's configuration, or the tokenizer, differs from the shipped one.

    Introduced in chapter 1.
    """
    spec = live_model_spec(name)
    config = getattr(model, "config", None)
    differs = [k for k, v in spec["config"].items() if getattr(config, k, v) != v]
    if differs:
        raise ValueError(
            f"model is not the shipped model {name!r}: {', '.join(differs)} differ"
        )
    if tokenizer is not None and tokenizer.to_dict() != spec["tokenizer"]:
        raise ValueError(f"tokenizer is not the one shipped with the model {name!r}")
    return spec


def live_model_files() -> dict[str, Path]:
    """Return the weights file of every live model, by name (what the site copies).

    Introduced in chapter 1.

    Examples
    --------
    >>> files = live_model_files()
    >>> list(files), files["reference"].name
    (['reference'], 'model.safetensors')
    """
    return {name: directory / MODEL_FILE for name, directory in LIVE_MODELS.items()}
