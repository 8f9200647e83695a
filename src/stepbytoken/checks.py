"""Argument checks shared by the whole package: one place that says what is allowed.

Every public function of ``stepbytoken`` checks its arguments with these helpers, so a bad
call fails at once with a ``TypeError`` (wrong kind of value) or a ``ValueError`` (right
kind, wrong value) that names the argument, says what is allowed and shows what was given.

Examples
--------
>>> check_int("steps", 3, minimum=1)
3
>>> check_int("steps", 0, minimum=1)
Traceback (most recent call last):
...
ValueError: steps must be an int >= 1, got 0
>>> check_float("top_p", 0.9, minimum=0.0, maximum=1.0, open_minimum=True)
0.9
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import torch


def _bounds(
    minimum: float | None, maximum: float | None, open_min: bool, open_max: bool
) -> str:
    """The allowed range in words: ``>= 1``, ``in (0, 1]``, ``<= 5``, or ``""``."""
    if minimum is not None and maximum is not None:
        return f"in {'(' if open_min else '['}{minimum}, {maximum}{')' if open_max else ']'}"
    if minimum is not None:
        return f"{'>' if open_min else '>='} {minimum}"
    if maximum is not None:
        return f"{'<' if open_max else '<='} {maximum}"
    return ""


def check_int(
    name: str,
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """Return ``value`` as an ``int``, or raise if it is not a whole number in range.

    Booleans are refused (``True`` is not a count). ``minimum`` and ``maximum`` are inclusive.

    >>> check_int("k", 5, minimum=1, maximum=10)
    5
    >>> check_int("k", 2.0)
    Traceback (most recent call last):
    ...
    TypeError: k must be an int, got 2.0 (float)
    """
    allowed = " ".join(
        filter(None, ["an int", _bounds(minimum, maximum, False, False)])
    )
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be {allowed}, got {value!r} ({type(value).__name__})"
        )
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)


def check_float(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    open_minimum: bool = False,
    open_maximum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float``, or raise if it is not a real number in range.

    NaN and infinities are always refused; ``open_minimum``/``open_maximum`` exclude the
    bound itself (``minimum=0, open_minimum=True`` means "> 0").

    >>> check_float("lr", 3e-4, minimum=0, open_minimum=True)
    0.0003
    >>> check_float("lr", float("nan"), minimum=0, open_minimum=True)
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number > 0, got nan
    """
    bounds = _bounds(minimum, maximum, open_minimum, open_maximum)
    allowed = " ".join(filter(None, ["a finite number", bounds]))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be {allowed}, got {value!r} ({type(value).__name__})"
        )
    number = float(value)
    too_low = minimum is not None and (
        number <= minimum if open_minimum else number < minimum
    )
    too_high = maximum is not None and (
        number >= maximum if open_maximum else number > maximum
    )
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return number


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise.

    >>> check_choice("norm", "rmsnorm", ("layernorm", "rmsnorm"))
    'rmsnorm'
    >>> check_choice("norm", "batchnorm", ("layernorm", "rmsnorm"))
    Traceback (most recent call last):
    ...
    ValueError: norm must be one of 'layernorm', 'rmsnorm', got 'batchnorm'
    """
    if isinstance(value, str) and value in choices:
        return value  # the common case, without building the message
    allowed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed}, got {type(value).__name__}")
    raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def check_str(name: str, value: object, *, allow_empty: bool = True) -> str:
    """Return ``value`` if it is a ``str`` (non-empty unless ``allow_empty``), else raise.

    >>> check_str("text", "hello")
    'hello'
    >>> check_str("text", b"hello")
    Traceback (most recent call last):
    ...
    TypeError: text must be a str, got bytes
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not allow_empty and not value:
        raise ValueError(f"{name} must be a non-empty str")
    return value


def check_path(name: str, value: object) -> Path:
    """Return ``value`` as a ``Path`` if it is a usable file-system path, else raise.

    Raises
    ------
    TypeError
        If ``value`` is not a ``str`` or path-like object (``bytes`` and ``None`` included).
    ValueError
        If it is empty, holds a NUL character, or cannot be encoded for the file system (a
        lone surrogate such as ``"a\\ud800"``).

    Examples
    --------
    >>> check_path("out", "a/b.txt")
    PosixPath('a/b.txt')
    >>> check_path("out", "a\\x00b")
    Traceback (most recent call last):
    ...
    ValueError: out must be a path without NUL characters, got 'a\\x00b'
    """
    if not isinstance(value, str | PathLike):
        raise TypeError(f"{name} must be a str or path, got {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str or path, got {type(value).__name__}")
    if not text.strip():
        raise ValueError(f"{name} must be a non-empty path, got {text!r}")
    if "\x00" in text:
        raise ValueError(f"{name} must be a path without NUL characters, got {text!r}")
    try:
        os.fsencode(text)
    except UnicodeEncodeError as err:
        raise ValueError(
            f"{name} cannot be encoded as a file name: {text!r} ({err})"
        ) from None
    return Path(text)


def check_tensor(
    name: str,
    value: object,
    *,
    dims: int | Sequence[int] | None = None,
    integer: bool | None = None,
) -> torch.Tensor:
    """Return ``value`` if it is a tensor with an allowed number of dimensions and dtype kind.

    ``dims`` is the allowed ``dim()`` (one number or several); ``integer=True`` asks for an
    integer dtype (token ids), ``integer=False`` for a floating one (activations, logits).

    >>> check_tensor("idx", torch.tensor([[1, 2]]), dims=2, integer=True).shape
    torch.Size([1, 2])
    >>> check_tensor("idx", torch.tensor([1.0]), integer=True)
    Traceback (most recent call last):
    ...
    ValueError: idx must be a tensor of integer dtype, got dtype torch.float32
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if dims is not None:
        if not isinstance(dims, (int, Sequence)) or isinstance(dims, (bool, str)):
            raise TypeError(f"dims must be an int or a sequence of ints, got {dims!r}")
        allowed = (dims,) if isinstance(dims, int) else tuple(dims)
        if value.dim() not in allowed:
            words = " or ".join(str(d) for d in allowed)
            raise ValueError(
                f"{name} must have {words} dimensions, got shape {tuple(value.shape)}"
            )
    if integer is True and (
        value.is_floating_point() or value.is_complex() or value.dtype == torch.bool
    ):
        raise ValueError(
            f"{name} must be a tensor of integer dtype, got dtype {value.dtype}"
        )
    if integer is False and not value.is_floating_point():
        raise ValueError(
            f"{name} must be a tensor of floating dtype, got dtype {value.dtype}"
        )
    return value


def check_token_ids(name: str, idx: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Raise unless every id in the integer tensor ``idx`` lies in ``[0, vocab_size)``.

    >>> check_token_ids("idx", torch.tensor([0, 3]), vocab_size=4).tolist()
    [0, 3]
    >>> check_token_ids("idx", torch.tensor([0, 4]), vocab_size=4)
    Traceback (most recent call last):
    ...
    ValueError: idx must hold token ids in [0, 4), got values from 0 to 4
    """
    check_tensor(name, idx, integer=True)
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= vocab_size):
        raise ValueError(
            f"{name} must hold token ids in [0, {vocab_size}), "
            f"got values from {int(idx.min())} to {int(idx.max())}"
        )
    return idx


def check_targets(
    targets: object, shape: Sequence[int], vocab_size: int
) -> torch.Tensor:
    """Raise unless ``targets`` is an integer tensor of ``shape`` with ids in ``[-1, vocab_size)``.

    ``-1`` marks a position left out of the loss; at least one position must count, since the
    mean over no positions is 0 / 0.

    >>> check_targets(torch.tensor([[1, -1]]), (1, 2), vocab_size=4).tolist()
    [[1, -1]]
    >>> check_targets(torch.tensor([[-1, -1]]), (1, 2), vocab_size=4)
    Traceback (most recent call last):
    ...
    ValueError: targets must hold at least one id other than -1 (the loss would be 0 / 0)
    """
    check_tensor("targets", targets, integer=True)
    assert isinstance(targets, torch.Tensor)
    if tuple(targets.shape) != tuple(shape):
        raise ValueError(
            f"targets must have the shape of idx {tuple(shape)}, got {tuple(targets.shape)}"
        )
    if targets.numel() and (
        int(targets.min()) < -1 or int(targets.max()) >= vocab_size
    ):
        raise ValueError(
            f"targets must hold token ids in [0, {vocab_size}) or -1 (left out of the loss), "
            f"got values from {int(targets.min())} to {int(targets.max())}"
        )
    if not bool((targets != -1).any()):
        raise ValueError(
            "targets must hold at least one id other than -1 (the loss would be 0 / 0)"
        )
    return targets


def check_strings(name: str, value: object, *, allow_empty: bool = True) -> list[str]:
    """Return ``value`` as a list of ``str``, or raise if it is not an iterable of strings.

    A single ``str`` is refused (it would be read as a list of characters), as are ``None``
    and ``bytes``; ``allow_empty=False`` also refuses empty strings in the list.

    >>> check_strings("words", ("a", "b"))
    ['a', 'b']
    >>> check_strings("words", "a b")
    Traceback (most recent call last):
    ...
    TypeError: words must be a list of str (not a single str), got 'a b'
    """
    if isinstance(value, str):
        raise TypeError(
            f"{name} must be a list of str (not a single str), got {value!r}"
        )
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of str, got {type(value).__name__}")
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(item).__name__}")
        if not allow_empty and not item:
            raise ValueError(f"{name}[{i}] must be a non-empty str")
    return items


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a ``bool`` (numpy and torch booleans too), else raise.

    A string such as ``"no"`` or a number would otherwise be read as true or false silently.

    >>> check_bool("greedy", True)
    True
    >>> check_bool("greedy", "no")
    Traceback (most recent call last):
    ...
    TypeError: greedy must be a bool (True or False), got 'no' (str)
    """
    if isinstance(value, bool):
        return value
    if type(value).__name__ == "bool_" or (
        isinstance(value, torch.Tensor)
        and value.dtype == torch.bool
        and value.numel() == 1
    ):
        return bool(value)
    raise TypeError(
        f"{name} must be a bool (True or False), got {value!r} ({type(value).__name__})"
    )


def check_features(
    name: str, x: object, size: int, *, dims: int | Sequence[int] | None = None
) -> torch.Tensor:
    """Return ``x`` if it is a floating tensor of shape ``(..., size)``, else raise.

    ``dims`` is the allowed number of dimensions (any >= 1 if None).

    >>> check_features("x", torch.zeros(2, 3, 8), 8).shape
    torch.Size([2, 3, 8])
    >>> check_features("x", torch.zeros(2, 3), 8)
    Traceback (most recent call last):
    ...
    ValueError: x must have shape (..., 8) (the last dimension is the width), got (2, 3)
    """
    check_tensor(name, x, dims=dims, integer=False)
    assert isinstance(x, torch.Tensor)
    if x.dim() == 0 or x.shape[-1] != size:
        raise ValueError(
            f"{name} must have shape (..., {size}) (the last dimension is the width), "
            f"got {tuple(x.shape)}"
        )
    return x


def check_instance(name: str, value: object, cls: type | tuple[type, ...]) -> object:
    """Return ``value`` if it is an instance of ``cls``, else raise ``TypeError`` naming both.

    >>> check_instance("n", 3, int)
    3
    >>> check_instance("n", "3", int)
    Traceback (most recent call last):
    ...
    TypeError: n must be a int, got str
    """
    if not isinstance(value, cls):
        names = " or ".join(
            c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,))
        )
        raise TypeError(f"{name} must be a {names}, got {type(value).__name__}")
    return value


def check_ints(
    name: str, values: object, *, minimum: int | None = None, maximum: int | None = None
) -> list[int]:
    """Return ``values`` (a sequence or 1-D tensor of ints) as a list, or raise naming the item.

    >>> check_ints("ids", (1, 2), minimum=0)
    [1, 2]
    >>> check_ints("ids", [1, 2.5])
    Traceback (most recent call last):
    ...
    TypeError: ids[1] must be an int, got 2.5 (float)
    """
    if isinstance(values, torch.Tensor):
        values = check_tensor(name, values, dims=1, integer=True).tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a sequence of ints, got {type(values).__name__}"
        )
    return [
        check_int(f"{name}[{i}]", v, minimum=minimum, maximum=maximum)
        for i, v in enumerate(values)
    ]


def check_floats(name: str, values: object, *, min_size: int = 0) -> list[float]:
    """Return ``values`` (a sequence or array of finite numbers) as a list of floats, or raise.

    >>> check_floats("values", [1, 2.5])
    [1.0, 2.5]
    >>> check_floats("values", [1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: values[1] must be a finite number, got nan
    """
    if hasattr(values, "tolist") and not isinstance(values, (str, bytes)):
        values = values.tolist()  # numpy arrays and tensors
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a sequence of numbers, got {type(values).__name__}"
        )
    out = [check_float(f"{name}[{i}]", v) for i, v in enumerate(values)]
    if len(out) < min_size:
        raise ValueError(
            f"{name} must hold at least {min_size} numbers, got {len(out)}"
        )
    return out


def check_mapping(
    name: str, value: object, *, allow_empty: bool = True
) -> Mapping[Any, Any]:
    """Return ``value`` if it is a mapping (non-empty unless ``allow_empty``), else raise.

    >>> check_mapping("runs", {"a": 1})
    {'a': 1}
    >>> check_mapping("runs", [1])
    Traceback (most recent call last):
    ...
    TypeError: runs must be a mapping (a dict), got list
    >>> check_mapping("stats", {}, allow_empty=False)
    Traceback (most recent call last):
    ...
    ValueError: stats must be a non-empty mapping, got {}
    """
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a mapping (a dict), got {type(value).__name__}"
        )
    if not allow_empty and not value:
        raise ValueError(f"{name} must be a non-empty mapping, got {value!r}")
    return value
