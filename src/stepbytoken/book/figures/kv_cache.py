"""Chapter 18's figures: generation timings, cache sizes, grouped-query uptraining, the widget.

The charts take plain numbers, as the page measures them or as the recipe
:mod:`~stepbytoken.recipes.grouped_query` stores them. :func:`kv_cache_state` steps through a
generation with :func:`~stepbytoken.generation.kv_cache.forward_cached` and records what the
widget of :func:`kv_cache_widget` shows: which tokens each step reads, the cache rows it
writes and the arithmetic it needs with and without the cache. In the browser, the widget
also times the live reference model (``gpt.js``) with and without its cache.

Introduced in chapter 18.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import (
    check_floats,
    check_int,
    check_ints,
    check_mapping,
    check_str,
)
from stepbytoken.generation.kv_cache import (
    KVCache,
    forward_cached,
    generation_flops,
    kv_cache_bytes,
)
from stepbytoken.nn.gpt import GPT
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "kv_cache_state",
    "kv_cache_widget",
    "plot_cache_sizes",
    "plot_grouped_query",
    "plot_timings",
]


def plot_timings(
    lengths: Sequence[int],
    curves: Mapping[str, Sequence[float]],
    *,
    xlabel: str,
    ylabel: str = "milliseconds",
) -> Figure:
    """Times (in milliseconds) against a length, one line per setting.

    Parameters
    ----------
    lengths : sequence of int
        The x values (prompt lengths or numbers of new tokens).
    curves : mapping of str to sequence of float
        Each setting's times, one per length, in milliseconds.
    xlabel, ylabel : str
        Axis labels.

    Examples
    --------
    >>> fig = plot_timings([8, 64], {"with cache": [1.0, 1.2]}, xlabel="prompt tokens")
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [1.0, 1.2]

    Introduced in chapter 18.
    """
    lengths = check_ints("lengths", lengths, minimum=0)
    check_str("xlabel", xlabel)
    check_str("ylabel", ylabel)
    check_mapping("curves", curves, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.4, 3.3), layout="constrained")
    markers = "osD^"
    for i, (label, values) in enumerate(curves.items()):
        values = check_floats(f"curves[{label!r}]", values)
        if len(values) != len(lengths):
            raise ValueError(
                f"curves[{label!r}] must have one value per length ({len(lengths)}), "
                f"got {len(values)}"
            )
        ax.plot(
            lengths,
            values,
            marker=markers[i % len(markers)],
            markersize=4,
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.set_ylim(bottom=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=9)
    return fig


def plot_cache_sizes(sizes: Mapping[str, float], *, xlabel: str) -> Figure:
    """Horizontal bars of cache sizes in bytes on a log scale, labelled in readable units.

    Examples
    --------
    >>> fig = plot_cache_sizes({"ours": 2.6e5, "big": 1.3e9}, xlabel="bytes")
    >>> len(fig.axes[0].patches)
    2

    Introduced in chapter 18.
    """
    check_mapping("sizes", sizes, allow_empty=False)
    check_str("xlabel", xlabel)
    names = list(sizes)
    values = check_floats("sizes", [sizes[n] for n in names])
    if min(values) <= 0:
        raise ValueError("sizes must be positive numbers of bytes")
    fig, ax = plt.subplots(figsize=(6.6, 0.5 * len(names) + 1.2), layout="constrained")
    y = list(range(len(names)))[::-1]
    ax.barh(y, values, color=[PALETTE[i % len(PALETTE)] for i in range(len(names))])
    for yi, v in zip(y, values, strict=True):
        ax.text(v * 1.15, yi, _readable(v), va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 3, max(values) * 40)
    ax.set_xlabel(xlabel)
    return fig


def _readable(n: float) -> str:
    """``1.5e9 -> '1.40 GiB'``: bytes in binary units, three significant digits or more."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            if unit == "B":
                return f"{n:.0f} B"
            return f"{n:.2f} {unit}" if n < 10 else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def plot_grouped_query(results: Mapping[str, Mapping[str, Any]]) -> Figure:
    """Held-out loss during the uptraining of each variant (from the recipe's results).

    Each line starts at the loss right after the conversion (step 0) and follows the brief
    training; the legend gives the key/value heads and the cache per token.

    Examples
    --------
    >>> row = {"n_kv_head": 1, "cache_bytes_per_token": 1024,
    ...        "eval_steps": [0, 10], "eval_val_loss": [1.2, 0.7]}
    >>> fig = plot_grouped_query({"1": row})
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [1.2, 0.7]

    Introduced in chapter 18.
    """
    check_mapping("results", results, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.4, 3.3), layout="constrained")
    for i, key in enumerate(sorted(results, key=int, reverse=True)):
        row = results[key]
        heads = check_int("n_kv_head", row["n_kv_head"], minimum=1)
        per_token = row["cache_bytes_per_token"] / 1024
        ax.plot(
            check_ints("eval_steps", row["eval_steps"], minimum=0),
            check_floats("eval_val_loss", row["eval_val_loss"]),
            marker="os^"[i % 3],
            markersize=4,
            color=PALETTE[i % len(PALETTE)],
            label=f"{heads} key/value head{'s' if heads > 1 else ''} "
            f"({per_token:.0f} KiB/token)",
        )
    ax.set_xlabel("uptraining step")
    ax.set_ylabel("held-out loss (nats/token)")
    ax.legend(fontsize=9)
    return fig


def kv_cache_state(
    model: GPT, tokenizer: BPETokenizer, prompt: str, *, new_tokens: int = 10
) -> dict[str, Any]:
    """A greedy generation step by step, as the KV-cache widget shows it.

    Parameters
    ----------
    model : GPT
        The model (its ``block_size`` must hold the prompt and the new tokens).
    tokenizer : BPETokenizer
        Its tokenizer.
    prompt : str
        The prompt, not empty.
    new_tokens : int, default 10
        How many tokens to generate.

    Returns
    -------
    dict
        ``tokens`` (text of every token, prompt first), ``ids``, ``n_prompt``, the sizes
        ``n_layer``, ``n_kv_head``, ``d_head`` and ``bytes_per_token`` (float32), ``keys``
        (per position, the first four numbers of layer 0's first key head) and ``steps``: one
        per new token, with ``kind`` ("prefill" or "decode"), ``read`` (the positions run
        through the model), ``cache`` (positions cached afterwards), ``token`` (the id picked)
        and ``flops`` / ``flops_without`` (the matrix arithmetic of the step with and without
        the cache, :func:`~stepbytoken.generation.kv_cache.generation_flops`).

    Raises
    ------
    TypeError, ValueError
        For a model that is not a GPT, an empty prompt, or too many tokens for the context.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> state = kv_cache_state(ref.model, ref.tokenizer, "One day", new_tokens=3)
    >>> [s["kind"] for s in state["steps"]], [len(s["read"]) for s in state["steps"]]
    (['prefill', 'decode', 'decode'], [3, 1, 1])

    Introduced in chapter 18.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    prompt = check_str("prompt", prompt, allow_empty=False)
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            f"prompt must be valid Unicode text (UTF-8 encodable), got {prompt!r} "
            f"({err.reason})"
        ) from None
    ids = tokenizer.encode(prompt)
    if not ids:
        raise ValueError("prompt must encode to at least one token")
    new_tokens = check_int(
        "new_tokens", new_tokens, minimum=1, maximum=model.block_size - len(ids)
    )
    config = model.config
    n_prompt = len(ids)
    flops = {}  # the arithmetic of step s: the total after s + 1 tokens minus after s
    for cached in (True, False):
        totals = [0] + [
            generation_flops(model, n_prompt, n, cache=cached)
            for n in range(1, new_tokens + 1)
        ]
        flops[cached] = [b - a for a, b in zip(totals[:-1], totals[1:], strict=True)]
    steps = []
    cache = KVCache()
    read = list(range(n_prompt))
    for step in range(new_tokens):
        new = torch.tensor([ids[len(ids) - len(read) :]])
        logits, cache = forward_cached(model, new, cache)
        token = int(logits[0, -1].argmax())
        steps.append(
            {
                "kind": "prefill" if step == 0 else "decode",
                "read": read,
                "cache": cache.length,
                "token": token,
                "flops": flops[True][step],
                "flops_without": flops[False][step],
            }
        )
        ids.append(token)
        read = [len(ids) - 1]
    keys = cache.keys[0][0, 0, :, :4]  # (T, 4): layer 0, first key head
    return {
        "prompt": prompt,
        "ids": ids,
        "tokens": [tokenizer.token_str(i) for i in ids],
        "n_prompt": n_prompt,
        "n_layer": config.n_layer,
        "n_kv_head": cache.keys[0].shape[1],
        "d_head": cache.keys[0].shape[3],
        "bytes_per_token": kv_cache_bytes(
            config.n_layer, cache.keys[0].shape[1], cache.keys[0].shape[3], 1, 1, 4
        ),
        "keys": [[round(float(v), 2) for v in row] for row in keys],
        "steps": steps,
    }


def kv_cache_widget(
    model: GPT,
    tokenizer: BPETokenizer,
    prompt: str,
    *,
    new_tokens: int = 10,
    timing_tokens: int = 40,
    name: str = "reference",
) -> InteractiveFigure:
    """Chapter 18's figure: step through prefill and decode; time both paths in the browser.

    Parameters
    ----------
    model, tokenizer, prompt, new_tokens
        As :func:`kv_cache_state`; ``model`` must be the shipped weights ``name``.
    timing_tokens : int, default 40
        How many tokens the browser generates, with and without its cache, when timed.
    name : str, default "reference"
        The shipped weights the browser loads (:data:`~stepbytoken.book.live.LIVE_MODELS`).

    Returns
    -------
    InteractiveFigure
        A ``kv-cache`` widget; its data holds ``model`` (the spec), ``timing_tokens`` and
        ``state`` (:func:`kv_cache_state`).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a model that does not match the shipped weights.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> figure = kv_cache_widget(ref.model, ref.tokenizer, "One day", new_tokens=3)
    >>> 'data-sbt-widget="kv-cache"' in figure.html
    True

    Introduced in chapter 18.
    """
    timing_tokens = check_int("timing_tokens", timing_tokens, minimum=1, maximum=1000)
    state = kv_cache_state(model, tokenizer, prompt, new_tokens=new_tokens)
    data = {
        "model": shipped_spec(model, tokenizer, name=name),
        "timing_tokens": timing_tokens,
        "state": state,
    }
    return widget(
        "kv-cache", data, label="Prefill and decode with a KV cache, step by step"
    )
