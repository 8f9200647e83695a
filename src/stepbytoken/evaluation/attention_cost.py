"""What attention costs as the context grows: time and memory against the context length.

Every query meets every key, so a context of ``T`` tokens gives each head a ``T x T`` matrix
of scores: :func:`score_matrix_bytes` is its size by arithmetic, :func:`peak_bytes` measures
the memory a computation holds at its peak, and :func:`attention_cost` times and measures
the book's explicit :func:`~stepbytoken.nn.attention.scaled_dot_product_attention` and
PyTorch's fused one over a range of lengths. :func:`growth_exponent` reads off how fast a cost
grows (2 for a cost that quadruples when ``T`` doubles).

Introduced in chapter 4.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from stepbytoken.checks import check_floats, check_int
from stepbytoken.nn import scaled_dot_product_attention

__all__ = [
    "AttentionCost",
    "attention_cost",
    "growth_exponent",
    "peak_bytes",
    "score_matrix_bytes",
]

#: The two implementations compared, by the name used in :class:`AttentionCost`.
METHODS = ("explicit", "fused")


def score_matrix_bytes(
    T: int, *, n_head: int = 1, batch_size: int = 1, itemsize: int = 4
) -> int:
    """Bytes of the attention scores of ``n_head`` heads over a context of ``T`` tokens.

    One number per (query, key) pair and head: ``batch_size * n_head * T * T * itemsize``.

    Parameters
    ----------
    T : int
        Context length in tokens.
    n_head, batch_size : int
        Heads and sequences.
    itemsize : int
        Bytes per number (4 for 32-bit floats, 2 for 16-bit).

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int.

    Examples
    --------
    >>> score_matrix_bytes(1024)  # 1024 * 1024 * 4 bytes = 4 MiB
    4194304
    >>> score_matrix_bytes(2048) // score_matrix_bytes(1024)  # twice the context, 4x the memory
    4

    Introduced in chapter 4.
    """
    for name, value in (("T", T), ("n_head", n_head), ("batch_size", batch_size)):
        check_int(name, value, minimum=1)
    check_int("itemsize", itemsize, minimum=1)
    return batch_size * n_head * T * T * itemsize


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to /dev/null, then restore it.

    The profiler's C++ side prints a line at every start and stop; Python's ``sys.stderr``
    (warnings, tracebacks) is untouched.
    """
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def peak_bytes(fn: Callable[[], object]) -> int:
    """The most CPU memory that tensors allocated while running ``fn()`` held at one time.

    Measured with :mod:`torch.profiler` (``profile_memory=True``), one operation at a time:
    the running total of what each top-level operation allocated, less what was freed.
    Memory freed inside one operation before it returns is not seen.

    Parameters
    ----------
    fn : callable
        Called once with no arguments.

    Returns
    -------
    int
        Bytes; memory allocated before the call and still held does not count.

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Examples
    --------
    >>> peak_bytes(lambda: torch.zeros(1024))  # 1024 numbers of 4 bytes
    4096

    Introduced in chapter 4.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    with (
        _quiet_native_stderr(),
        profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof,
    ):
        fn()
    # top-level ops and frees
    events = [e for e in prof.events() if e.cpu_parent is None]
    current = peak = 0
    for event in sorted(events, key=lambda e: e.time_range.start):
        current += event.cpu_memory_usage
        peak = max(peak, current)
    return peak


@dataclass(frozen=True)
class AttentionCost:
    """Time and memory of one attention call against the context length.

    Attributes
    ----------
    lengths : tuple of int
        The context lengths ``T`` measured.
    seconds : dict
        ``"explicit"`` and ``"fused"`` -> seconds per call at each length (fastest of the
        repeats).
    peak_bytes : dict
        Same keys -> peak memory of one call at each length, from :func:`peak_bytes`.
    score_bytes : tuple of int
        The size of all heads' ``T x T`` score matrices, by arithmetic.
    """

    lengths: tuple[int, ...]
    seconds: dict[str, tuple[float, ...]]
    peak_bytes: dict[str, tuple[int, ...]]
    score_bytes: tuple[int, ...]


#: Longest context :func:`attention_cost` measures: its score matrix alone takes 4 GiB per head.
MAX_LENGTH = 32_768


def attention_cost(
    lengths: Sequence[int], *, n_head: int, d_head: int, repeats: int = 3, seed: int = 0
) -> AttentionCost:
    """Time and peak memory of causal attention over one sequence of each length.

    Random queries, keys and values of shape ``(1, n_head, T, d_head)`` go through the book's
    explicit :func:`~stepbytoken.nn.attention.scaled_dot_product_attention`, which stores
    every ``T x T`` weight matrix, and through PyTorch's fused
    :func:`torch.nn.functional.scaled_dot_product_attention`, which may not. Each call is run
    once to warm up, then timed ``repeats`` times; the fastest time is kept, since
    interruptions only ever add time.

    Parameters
    ----------
    lengths : sequence of int
        Context lengths, each in ``[1, MAX_LENGTH]``.
    n_head, d_head : int
        Heads and their width.
    repeats : int
        Timed calls per length and method.
    seed : int
        Seed of the random inputs.

    Returns
    -------
    AttentionCost

    Raises
    ------
    TypeError, ValueError
        If ``lengths`` is empty or an argument is not a positive int.

    Examples
    --------
    >>> cost = attention_cost([16, 32], n_head=2, d_head=8, repeats=1)
    >>> cost.score_bytes  # 2 heads * T * T * 4 bytes
    (2048, 8192)
    >>> cost.peak_bytes["explicit"][1] >= cost.score_bytes[1]  # it stores the weights
    True

    Introduced in chapter 4.
    """
    if (
        isinstance(lengths, str | bytes)
        or not isinstance(lengths, Sequence)
        or not lengths
    ):
        raise ValueError(
            f"lengths must be a non-empty sequence of ints, got {lengths!r}"
        )
    for i, T in enumerate(lengths):
        check_int(f"lengths[{i}]", T, minimum=1, maximum=MAX_LENGTH)
    for name, value in (("n_head", n_head), ("d_head", d_head), ("repeats", repeats)):
        check_int(name, value, minimum=1)
    check_int("seed", seed, minimum=0)
    g = torch.Generator().manual_seed(seed)
    seconds: dict[str, list[float]] = {m: [] for m in METHODS}
    peaks: dict[str, list[int]] = {m: [] for m in METHODS}
    for T in lengths:
        q, k, v = (torch.randn(1, n_head, T, d_head, generator=g) for _ in range(3))
        calls = {
            "explicit": lambda q=q, k=k, v=v: scaled_dot_product_attention(
                q, k, v, causal=True
            ),
            "fused": lambda q=q, k=k, v=v: F.scaled_dot_product_attention(
                q, k, v, is_causal=True
            ),
        }
        for method, call in calls.items():
            call()  # warm up
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            seconds[method].append(min(times))
            peaks[method].append(peak_bytes(call))
    return AttentionCost(
        tuple(lengths),
        {m: tuple(v) for m, v in seconds.items()},
        {m: tuple(v) for m, v in peaks.items()},
        tuple(score_matrix_bytes(T, n_head=n_head) for T in lengths),
    )


def growth_exponent(lengths: Sequence[float], values: Sequence[float]) -> float:
    """Slope of the least-squares line through ``(log length, log value)``.

    A cost proportional to ``T ** p`` gives ``p``: 1 for linear growth, 2 for quadratic.

    Parameters
    ----------
    lengths, values : sequence of float
        At least two pairs, all positive, with at least two different lengths.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the sequences differ in length, hold fewer than two pairs, a number is not
        positive, or all lengths are equal.

    Examples
    --------
    >>> growth_exponent([1, 2, 4], [3, 12, 48])  # 3 * T**2
    2.0

    Introduced in chapter 4.
    """
    lengths = check_floats("lengths", lengths)
    values = check_floats("values", values)
    if len(lengths) != len(values) or len(lengths) < 2:
        raise ValueError(
            "lengths and values must be two sequences of the same length, at least 2, "
            f"got {len(lengths)} and {len(values)}"
        )
    if min(lengths) <= 0 or min(values) <= 0:
        raise ValueError("lengths and values must all be positive")
    x = [math.log(t) for t in lengths]
    y = [math.log(v) for v in values]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxx = sum((a - mx) ** 2 for a in x)
    if sxx == 0:
        raise ValueError("lengths must hold at least two different values")
    return round(sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sxx, 12)
