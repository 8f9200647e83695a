"""The models that run in the reader's browser, and what a page needs to load them.

A live figure's page fetches a shipped ``model.safetensors`` from the site and runs it with
``gpt.js``. The widget's data carries a *spec* (:func:`live_model_spec`): the file's SHA-256
and size, which ``gpt.js`` checks before it reads a byte, the model's configuration and its
tokenizer. The site copies each file of :func:`live_model_files` to
``_static/models/<file>/model.safetensors`` when it is built; only pages with a live figure
fetch it, and only when the reader asks for the live model.

Part III's assistants run in the page too (chapters 8, 9, 11 and 13), and so does chapter
17's small thinker. One of them is not a file
of its own: the ``"base"`` model of chapter 8 is the reference model asked in the chat format,
whose five new token rows start at the mean row
(:func:`~stepbytoken.recipes.side_by_side.base_assistant`). Its spec names the reference
model's file and says how many rows the file holds (``stored_vocab``); ``gpt.js`` appends the
mean rows itself, so the site ships no second copy of the same weights.

Introduced in chapter 1; the assistants in chapter 8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from stepbytoken.artifacts import MODEL_FILE, REFERENCE_DIR, load_reference
from stepbytoken.checks import check_choice
from stepbytoken.recipes.agent import AGENT_DIR, load_agent
from stepbytoken.recipes.dpo import DPO_DIR, load_dpo
from stepbytoken.recipes.memory import MEMORY_DIR, load_memory
from stepbytoken.recipes.sft import SFT_DIR, load_sft
from stepbytoken.recipes.sft_guess import GUESS_DIR, load_sft_guess
from stepbytoken.recipes.side_by_side import base_assistant
from stepbytoken.recipes.thinking_small import SMALL_DIR, load_thinking_small
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world.facts import RELATIONS
from stepbytoken.world.tools import Toolbox

__all__ = [
    "EOT",
    "LIVE_MODELS",
    "LiveModel",
    "live_model_files",
    "live_model_spec",
    "shipped_spec",
    "toolbox_data",
]

#: The token that separates documents; a prompt of it alone asks how a document begins.
EOT = "<|endoftext|>"


class LiveModel(NamedTuple):
    """A model a page can run: the folder of its weights file and the loader that checks it.

    ``load()`` returns an object with ``model``, ``tokenizer`` and ``manifest`` (the
    manifest that records the weights file's SHA-256). ``file`` is the weights file's name in
    the folder; the site serves it as ``model.safetensors`` whatever its name.

    Introduced in chapter 1.
    """

    directory: Path
    load: Callable[[], Any]
    file: str = MODEL_FILE


#: The models a page can run, by name.
LIVE_MODELS: dict[str, LiveModel] = {
    "reference": LiveModel(REFERENCE_DIR, load_reference),
    "base": LiveModel(REFERENCE_DIR, base_assistant),
    "sft": LiveModel(SFT_DIR, load_sft),
    "dpo": LiveModel(DPO_DIR, load_dpo),
    "memory": LiveModel(MEMORY_DIR, load_memory),
    "agent": LiveModel(AGENT_DIR, load_agent),
    "sft_guess": LiveModel(GUESS_DIR, load_sft_guess),
    # chapter 17's small thinker, in half precision (gpt.js widens it as PyTorch does)
    "thinking_small": LiveModel(SMALL_DIR, load_thinking_small, "small.safetensors"),
}


def live_model_spec(name: str = "reference") -> dict[str, Any]:
    """Return what ``gpt.js`` needs to load the live model ``name`` in the browser.

    The SHA-256 and size come from the manifest of the model's weights (which its loader has
    checked), the configuration is every field of its :class:`~stepbytoken.nn.GPTConfig`, the
    tokenizer is :meth:`~stepbytoken.tokenizers.BPETokenizer.to_dict`.

    Introduced in chapter 1.

    Parameters
    ----------
    name : str, default "reference"
        One of :data:`LIVE_MODELS`.

    Returns
    -------
    dict
        ``{"name", "file", "sha256", "bytes", "stored_vocab", "config", "tokenizer", "eot"}``,
        JSON-ready. ``file`` is the folder of the weights under ``_static/models/``,
        ``stored_vocab`` the number of token rows the file holds (fewer than
        ``config["vocab_size"]`` only for ``"base"``), ``eot`` the id of
        ``"<|endoftext|>"``.

    Raises
    ------
    TypeError, ValueError
        If ``name`` is not the name of a live model.

    Examples
    --------
    >>> spec = live_model_spec()
    >>> spec["name"], spec["bytes"], spec["config"]["block_size"], spec["eot"]
    ('reference', 3899520, 128, 1280)
    >>> base = live_model_spec("base")
    >>> base["file"], base["stored_vocab"], base["config"]["vocab_size"]
    ('reference', 1281, 1286)
    """
    check_choice("name", name, tuple(LIVE_MODELS))
    live = LIVE_MODELS[name]
    loaded = live.load()
    manifest = loaded.manifest
    entry = manifest["files"][live.file]
    stored = manifest["model"]["vocab_size"]  # the rows the weights file holds
    return {
        "name": name,
        "file": live.directory.name,
        "sha256": entry["sha256"],
        "bytes": entry["bytes"],
        "stored_vocab": stored,
        "config": asdict(loaded.model.config),
        "tokenizer": loaded.tokenizer.to_dict(),
        "eot": loaded.tokenizer.encode(EOT, allowed_special="all")[0],
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
    if tokenizer is not None and not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer or None, got {type(tokenizer).__name__}"
        )
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
    """Return the weights file of every live model, by folder (what the site copies).

    Several live models may share one file (``"base"`` runs the reference model's weights).

    Introduced in chapter 1.

    Examples
    --------
    >>> files = live_model_files()
    >>> sorted(files)
    ['agent', 'dpo', 'memory', 'reference', 'sft', 'sft_guess', 'thinking_small']
    >>> files["reference"].name, files["thinking_small"].name
    ('model.safetensors', 'small.safetensors')
    """
    return {m.directory.name: m.directory / m.file for m in LIVE_MODELS.values()}


def toolbox_data(toolbox: Toolbox) -> dict[str, Any]:
    """What ``chat.js`` needs to build the same toolbox in the browser: its facts and the
    world's relations (``new sbtChat.Toolbox(data.facts, data.relations)``).

    Introduced in chapter 8.

    Examples
    --------
    >>> from stepbytoken.world.facts import Fact
    >>> data = toolbox_data(Toolbox([Fact("Mira", "age", "34")]))
    >>> data["facts"], data["relations"][:2]
    ([['Mira', 'age', '34']], ['capital', 'currency'])
    """
    if not isinstance(toolbox, Toolbox):
        raise TypeError(f"toolbox must be a Toolbox, got {type(toolbox).__name__}")
    return {"facts": [list(f) for f in toolbox.facts()], "relations": list(RELATIONS)}
