"""Saving and loading model weights safely: safetensors files checked by their SHA-256.

``torch.save`` writes a *pickle*, a small program that Python runs to rebuild the objects, so
loading a stranger's ``.pt`` file can run a stranger's code. A `safetensors
<https://huggingface.co/docs/safetensors>`_ file is a JSON header (names, shapes, dtypes, byte
offsets) followed by raw tensor bytes, and reading it runs nothing. On top of that format,
:func:`save_weights` writes the same bytes for the same weights (a tied matrix stored once)
and returns their SHA-256; :func:`load_weights` parses a file only after its hash matched.

Introduced in chapter 6.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from os import PathLike

from safetensors import SafetensorError
from safetensors.torch import load as _parse_safetensors
from safetensors.torch import save as _serialize_safetensors
from torch import Tensor, nn

from stepbytoken.artifacts.checksums import read_checked
from stepbytoken.artifacts.files import write_atomically
from stepbytoken.checks import check_path, check_str, check_tensor

__all__ = ["load_weights", "parse_weights", "save_weights"]

# The one metadata key written into every file: a JSON object {"tied": {alias: name}}. A single
# key keeps the header's bytes deterministic (safetensors stores metadata in a hash map).
_METADATA_KEY = "stepbytoken"

# Names the safetensors format keeps for itself: the header's "__metadata__" entry holds the
# file's metadata, so a tensor of that name would make a file that no reader accepts.
RESERVED_NAMES = frozenset({"__metadata__"})


def _state_dict(
    model_or_state_dict: nn.Module | Mapping[str, Tensor],
) -> dict[str, Tensor]:
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
        check_str("tensor names", name, allow_empty=False)
        if name in RESERVED_NAMES:
            raise ValueError(
                f"a tensor cannot be named {name!r}: safetensors reserves the names "
                f"{sorted(RESERVED_NAMES)}; rename it"
            )
        check_tensor(repr(name), tensor)
    return state


def _split_tied(state: dict[str, Tensor]) -> tuple[dict[str, Tensor], dict[str, str]]:
    """Keep one name per shared tensor; map every other name (an alias) to the kept one.

    Two entries are the same tensor when they view the same memory with the same shape,
    strides and dtype, as a tied embedding and output layer do. The first name is kept.
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
    that share memory (tied weights) are stored once and restored by :func:`load_weights`.
    The file is written under a temporary name and renamed into place when complete, so an
    interrupted save leaves the old file (or none), never half a file.

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
        If there is nothing to save, or a tensor has a name safetensors reserves
        (``"__metadata__"``).
    FileNotFoundError
        If the destination folder does not exist.

    Examples
    --------
    >>> import tempfile, os, torch
    >>> layer = torch.nn.Linear(3, 2)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "layer.safetensors")
    ...     digest = save_weights(layer, path)
    ...     weights = load_weights(path, sha256=digest)
    >>> sorted(weights), torch.equal(weights["weight"], layer.weight)
    (['bias', 'weight'], True)
    """
    state = _state_dict(model_or_state_dict)
    path = check_path("path", path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save weights to {path}: folder {path.parent} not found"
        )
    kept, tied = _split_tied(state)
    metadata = {
        _METADATA_KEY: json.dumps({"tied": dict(sorted(tied.items()))}, sort_keys=True)
    }
    data = _serialize_safetensors(kept, metadata=metadata)
    write_atomically(path, lambda tmp: tmp.write_bytes(data))
    return hashlib.sha256(data).hexdigest()


def parse_weights(
    data: bytes, *, source: str | PathLike[str] = "<bytes>"
) -> dict[str, Tensor]:
    """Parse the bytes of a file written by :func:`save_weights` (check their hash first).

    Only the safetensors parser reads them: a JSON header and raw numbers, never a pickle.

    Introduced in chapter 6.

    Parameters
    ----------
    data : bytes
        The file's bytes, e.g. from :func:`~stepbytoken.artifacts.checksums.read_checked`.
    source : str or path-like, optional
        Where the bytes came from, for error messages.

    Returns
    -------
    dict of str -> Tensor
        Every saved name, tied names included (they map to the same tensor object).

    Raises
    ------
    TypeError
        If ``data`` is not bytes, or ``source`` not a str or path.
    ValueError
        If the bytes are not a safetensors file, or a tied name refers to a missing tensor.

    Examples
    --------
    >>> parse_weights(b"not weights")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: <bytes> is not a safetensors file: ...
    """
    if not isinstance(data, bytes | bytearray):
        raise TypeError(
            f"data must be bytes (a file's contents), got {type(data).__name__}"
        )
    source = check_path("source", source)
    data = bytes(data)
    try:
        tensors = _parse_safetensors(data)
        n = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + n]).get("__metadata__") or {}
    except (SafetensorError, ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{source} is not a safetensors file: {err}") from err
    tied: object = {}
    if isinstance(metadata, dict) and _METADATA_KEY in metadata:
        try:
            tied = json.loads(metadata[_METADATA_KEY]).get("tied", {})
        except (TypeError, ValueError, AttributeError) as err:
            raise ValueError(
                f"{source}: its {_METADATA_KEY!r} metadata is malformed"
            ) from err
    if not isinstance(tied, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tied.items()
    ):
        raise ValueError(
            f"{source}: its 'tied' metadata must map names to names, got {tied!r}"
        )
    for alias, name in tied.items():
        if name not in tensors:
            raise ValueError(
                f"{source}: tied name {alias!r} refers to missing tensor {name!r}"
            )
        tensors[alias] = tensors[name]
    return tensors


def load_weights(
    path: str | PathLike[str], *, sha256: str, missing_hint: str | None = None
) -> dict[str, Tensor]:
    """Read weights saved by :func:`save_weights`, after checking the file's SHA-256.

    Introduced in chapter 6.

    Parameters
    ----------
    path : str or path-like
        A ``.safetensors`` file.
    sha256 : str
        The expected SHA-256 of the file (64 hex digits), e.g. the one :func:`save_weights`
        returned or one recorded in a manifest.
    missing_hint : str, optional
        What to do when the file is missing, added to the error.

    Returns
    -------
    dict of str -> Tensor
        Every saved name, tied names included (they map to the same tensor object).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the hash differs (the message gives both), if ``sha256`` is not 64 hex digits, or
        if the bytes are not a safetensors file.
    TypeError
        If ``sha256`` is not a string.

    Examples
    --------
    >>> import tempfile, os, torch
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "w.safetensors")
    ...     _ = save_weights({"w": torch.ones(2)}, path)
    ...     load_weights(path, sha256="0" * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ... has sha256 ..., expected 000...: the file is corrupted or was changed
    """
    data = read_checked(path, sha256, missing_hint=missing_hint)
    return parse_weights(data, source=path)
