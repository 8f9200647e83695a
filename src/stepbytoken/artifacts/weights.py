"""Saving and loading model weights safely: safetensors files checked by their SHA-256.

A trained model is only numbers, and the file that carries them should hold only numbers too.
PyTorch's own ``torch.save`` writes a *pickle*, a small program that Python runs to rebuild
the objects, so loading a stranger's ``.pt`` file can run a stranger's code. The
`safetensors <https://huggingface.co/docs/safetensors>`_ format is a JSON header (names,
shapes, dtypes, byte offsets) followed by the raw tensor bytes, and reading it runs nothing.

This module adds two habits on top:

* :func:`save_weights` writes the same bytes for the same weights (tensors in a fixed order,
  one small metadata entry), saves a tied matrix (an output layer that reuses the token
  embedding) once, and returns the file's SHA-256;
* :func:`load_weights` reads the bytes, compares their SHA-256 with the one the caller expects
  *before* parsing anything, and only then hands the bytes to the safetensors parser. A file
  that was damaged, truncated or swapped is refused with both hashes in the message.

The book's reference model (:mod:`stepbytoken.artifacts.reference`) ships this way.

Introduced in chapter 6.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as _parse_safetensors
from safetensors.torch import save as _serialize_safetensors
from torch import Tensor, nn

__all__ = ["file_sha256", "load_weights", "save_weights"]

# The one metadata key written into every file: a JSON object {"tied": {alias: name}}. A single
# key keeps the header's bytes deterministic (safetensors stores metadata in a hash map).
_METADATA_KEY = "stepbytoken"


def file_sha256(path: str | PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits.

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        The file to hash.

    Returns
    -------
    str
        The hex digest.

    Raises
    ------
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "empty.bin")
    ...     _ = open(path, "wb").close()
    ...     file_sha256(path)[:16]  # the SHA-256 of zero bytes
    'e3b0c44298fc1c14'
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state_dict(model_or_state_dict: nn.Module | Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The tensors to save, checked: a module's state dict or a mapping of names to tensors."""
    if isinstance(model_or_state_dict, nn.Module):
        state = model_or_state_dict.state_dict()
    elif isinstance(model_or_state_dict, Mapping):
        state = dict(model_or_state_dict)
    else:
        raise TypeError(
            "model_or_state_dict must be a torch.nn.Module or a dict of str -> Tensor, "
            f"got {type(model_or_state_dict).__name__}"
        )
    if not state:
        raise ValueError("there are no tensors to save: the state dict is empty")
    for name, tensor in state.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"tensor names must be non-empty strings, got {name!r}")
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name!r} must be a torch.Tensor, got {type(tensor).__name__}")
    return state


def _split_tied(state: dict[str, Tensor]) -> tuple[dict[str, Tensor], dict[str, str]]:
    """Keep one name per shared tensor; map every other name (an alias) to the kept one.

    Two entries are the same tensor when they view the same memory with the same shape,
    strides and dtype, as a tied embedding and output layer do. The first name in the state
    dict's order is kept.
    """
    kept: dict[str, Tensor] = {}
    tied: dict[str, str] = {}
    seen: dict[tuple, str] = {}
    for name, tensor in state.items():
        key = (
            tensor.untyped_storage().data_ptr() if tensor.numel() else id(tensor),
            tensor.storage_offset(),
            tuple(tensor.shape),
            tuple(tensor.stride()),
            tensor.dtype,
            tensor.device,
        )
        if key in seen:
            tied[name] = seen[key]
        else:
            seen[key] = name
            kept[name] = tensor.detach().to("cpu").contiguous()
    return kept, tied


def save_weights(
    model_or_state_dict: nn.Module | Mapping[str, Tensor], path: str | PathLike[str]
) -> str:
    """Write a model's weights to a safetensors file and return the file's SHA-256.

    The same weights always give the same bytes, so the hash can be pinned in code. Tensors
    that share memory (tied weights) are stored once; the other names are recorded in the
    file's metadata and restored by :func:`load_weights`.

    Introduced in chapter 6.

    Parameters
    ----------
    model_or_state_dict : nn.Module or dict of str -> Tensor
        A model (its ``state_dict()`` is saved) or the tensors themselves.
    path : str or path-like
        Destination file (overwritten); its folder must exist.

    Returns
    -------
    str
        The SHA-256 of the written file, 64 hex digits.

    Raises
    ------
    TypeError
        If the argument is neither a module nor a mapping of names to tensors.
    ValueError
        If there is nothing to save.
    FileNotFoundError
        If the destination folder does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> layer = torch.nn.Linear(3, 2)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "layer.safetensors")
    ...     digest = save_weights(layer, path)
    ...     weights = load_weights(path, sha256=digest)
    >>> sorted(weights), torch.equal(weights["weight"], layer.weight)
    (['bias', 'weight'], True)
    """
    state = _state_dict(model_or_state_dict)
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save weights to {path}: folder {path.parent} not found")
    kept, tied = _split_tied(state)
    metadata = {_METADATA_KEY: json.dumps({"tied": dict(sorted(tied.items()))}, sort_keys=True)}
    data = _serialize_safetensors(kept, metadata=metadata)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _check_sha256(sha256: object) -> str:
    if not isinstance(sha256, str):
        raise TypeError(f"sha256 must be a str of 64 hex digits, got {type(sha256).__name__}")
    digest = sha256.lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"sha256 must be 64 hex digits, got {sha256!r}")
    return digest


def _read_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors header (the bytes are known to parse)."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    return header.get("__metadata__") or {}


def load_weights(
    path: str | PathLike[str], *, sha256: str, missing_hint: str | None = None
) -> dict[str, Tensor]:
    """Read weights saved by :func:`save_weights`, after checking the file's SHA-256.

    The whole file is read and hashed first; only a file whose hash matches is parsed, by the
    safetensors parser, which reads a JSON header and raw numbers and never runs code (no
    pickle, no ``torch.load``).

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        A ``.safetensors`` file.
    sha256 : str
        The expected SHA-256 of the file (64 hex digits), e.g. the one :func:`save_weights`
        returned or one pinned in a manifest.
    missing_hint : str, optional
        What to do when the file is missing, added to the error (e.g. the command that
        rebuilds it).

    Returns
    -------
    dict of str -> Tensor
        Every saved name, tied names included (they map to the same tensor object).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the hash differs (the file is corrupted or was changed; the message gives both
        hashes), if ``sha256`` is not 64 hex digits, or if the bytes are not a safetensors
        file.
    TypeError
        If ``sha256`` is not a string.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "w.safetensors")
    ...     _ = save_weights({"w": torch.ones(2)}, path)
    ...     load_weights(path, sha256="0" * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ... has sha256 ..., expected 000...: the file is corrupted or was changed
    """
    expected = _check_sha256(sha256)
    path = Path(path)
    if not path.is_file():
        hint = f"; {missing_hint}" if missing_hint else ""
        raise FileNotFoundError(f"weights file not found: {path}{hint}")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ValueError(
            f"{path} has sha256 {actual}, expected {expected}: the file is corrupted or was changed"
        )
    try:
        tensors = _parse_safetensors(data)
        metadata = _read_metadata(data)
    except (SafetensorError, ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a safetensors file: {err}") from err
    tied: dict[str, str] = {}
    if _METADATA_KEY in metadata:
        tied = json.loads(metadata[_METADATA_KEY]).get("tied", {})
    for alias, name in tied.items():
        if name not in tensors:
            raise ValueError(f"{path}: tied name {alias!r} refers to missing tensor {name!r}")
        tensors[alias] = tensors[name]
    return tensors
