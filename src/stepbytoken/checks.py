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
from collections.abc import Sequence

import torch


def _bounds(minimum: float | None, maximum: float | None, open_min: bool, open_max: bool) -> str:
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
    allowed = " ".join(filter(None, ["an int", _bounds(minimum, maximum, False, False)]))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
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
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    number = float(value)
    too_low = minimum is not None and (number <= minimum if open_minimum else number < minimum)
    too_high = maximum is not None and (number >= maximum if open_maximum else number > maximum)
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
    allowed = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {allowed}, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


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
        allowed = (dims,) if isinstance(dims, int) else tuple(dims)
        if value.dim() not in allowed:
            words = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {words} dimensions, got shape {tuple(value.shape)}")
    if integer is True and (
        value.is_floating_point() or value.is_complex() or value.dtype == torch.bool
    ):
        raise ValueError(f"{name} must be a tensor of integer dtype, got dtype {value.dtype}")
    if integer is False and not value.is_floating_point():
        raise ValueError(f"{name} must be a tensor of floating dtype, got dtype {value.dtype}")
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
    if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= vocab_size):
        raise ValueError(
            f"{name} must hold token ids in [0, {vocab_size}), "
            f"got values from {int(idx.min())} to {int(idx.max())}"
        )
    return idx
