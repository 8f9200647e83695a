"""The tokenizer file format: a small, readable JSON document (also what ``bpe.js`` reads).

``{"format": "stepbytoken-bpe", "version": 1, "pattern": ..., "merges": [[a, b], ...],
"special_tokens": {token: id}}``. Merge ``i`` creates id ``256 + i``; the special tokens take
the ids right after the merges.

Introduced in chapter 2.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from stepbytoken.checks import check_path
from stepbytoken.tokenizers.bpe import N_BYTES, Pair

#: Name written into every tokenizer file.
FORMAT_NAME = "stepbytoken-bpe"
#: Version number written into saved tokenizer files.
FORMAT_VERSION = 1


def tokenizer_to_dict(
    merges: Sequence[Pair], special_tokens: Mapping[str, int], pattern: str
) -> dict[str, Any]:
    """The JSON-ready dict of a tokenizer's merges, special tokens and split pattern.

    Examples
    --------
    >>> tokenizer_to_dict([(104, 105)], {"<|eot|>": 257}, "x")["merges"]
    [[104, 105]]

    Introduced in chapter 2.
    """
    pairs = (
        list(merges)
        if isinstance(merges, Sequence) and not isinstance(merges, str)
        else None
    )
    if pairs is None or not all(
        isinstance(m, Sequence)
        and len(m) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in m)
        for m in pairs
    ):
        raise TypeError(
            f"merges must be a list of (a, b) pairs of ints, got {merges!r:.80}"
        )
    if not isinstance(special_tokens, Mapping) or not all(
        isinstance(t, str) and isinstance(i, int) and not isinstance(i, bool)
        for t, i in special_tokens.items()
    ):
        raise TypeError(
            f"special_tokens must map str to int ids, got {special_tokens!r:.80}"
        )
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a str, got {type(pattern).__name__}")
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "pattern": pattern,
        "merges": [[a, b] for a, b in pairs],
        "special_tokens": dict(special_tokens),
    }


def tokenizer_from_dict(data: object) -> tuple[list[Pair], list[str], str]:
    """Check a tokenizer dict and return its merges, special tokens (in id order) and pattern.

    Raises
    ------
    ValueError
        If a field is missing or malformed; the message says which and what is expected.

    Examples
    --------
    >>> tokenizer_from_dict(tokenizer_to_dict([(104, 105)], {"<|eot|>": 257}, "x"))
    ([(104, 105)], ['<|eot|>'], 'x')

    Introduced in chapter 2.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"tokenizer data must be a dict, got {type(data).__name__}")
    if data.get("format") != FORMAT_NAME:
        raise ValueError(
            f"'format' must be {FORMAT_NAME!r}, got {data.get('format')!r}"
        )
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"unsupported tokenizer version {data.get('version')!r}; "
            f"this code reads version {FORMAT_VERSION}"
        )
    missing = [k for k in ("pattern", "merges", "special_tokens") if k not in data]
    if missing:
        raise ValueError(f"tokenizer data is missing the fields {missing}")
    merges = data["merges"]
    if not isinstance(merges, list) or not all(
        isinstance(m, list)
        and len(m) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in m)
        for m in merges
    ):
        raise ValueError("'merges' must be a list of [a, b] pairs of ints")
    special = data["special_tokens"]
    if not isinstance(special, Mapping) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in special.values()
    ):
        raise ValueError("'special_tokens' must map strings to int ids")
    first = N_BYTES + len(merges)
    expected = list(range(first, first + len(special)))
    if sorted(special.values()) != expected:
        raise ValueError(
            f"special token ids must be {expected} (right after the {len(merges)} merges), "
            f"got {sorted(special.values())}"
        )
    tokens = sorted(special, key=special.__getitem__)
    return [(a, b) for a, b in merges], tokens, data["pattern"]


def write_tokenizer_file(data: Mapping[str, Any], path: str | PathLike[str]) -> None:
    """Write a tokenizer dict to ``path`` as indented UTF-8 JSON (overwriting it).

    The text goes to a temporary file in the same folder, renamed over ``path`` once complete
    (an interrupted save leaves the old file, never half a file).

    Raises
    ------
    FileNotFoundError
        If the destination's folder does not exist.

    Introduced in chapter 2.
    """
    if not isinstance(data, Mapping):
        raise TypeError(
            f"data must be a dict (BPETokenizer.to_dict()), got {type(data).__name__}"
        )
    path = check_path("path", path)
    text = json.dumps(dict(data), ensure_ascii=False, indent=1) + "\n"
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save the tokenizer to {path}: folder not found"
        )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_tokenizer_file(path: str | PathLike[str]) -> Any:
    """Read the JSON of a tokenizer file (check it with :func:`tokenizer_from_dict`).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not valid UTF-8 JSON; the message names the file.

    Examples
    --------
    >>> read_tokenizer_file("no/such/file.json")
    Traceback (most recent call last):
    ...
    FileNotFoundError: tokenizer file not found: no/such/file.json

    Introduced in chapter 2.
    """
    path = check_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(
            f"{path} is not a valid tokenizer file (expected JSON written by "
            f"BPETokenizer.save): {err}"
        ) from err
