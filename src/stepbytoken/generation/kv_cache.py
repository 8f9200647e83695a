"""The KV cache: generate without recomputing the past.

A GPT's keys and values at position ``t`` depend only on tokens ``0..t``, so once computed they
never change. :func:`forward_cached` runs a :class:`~stepbytoken.nn.GPT`'s own modules and
weights on new tokens only, reading the earlier tokens' keys and values from a
:class:`KVCache` and appending the new ones. :func:`generate_cached` uses it as a serving
system does: a *prefill* of the whole prompt, then one token per *decode* step. It picks the
same tokens as :func:`~stepbytoken.generation.generate` with the same arguments.
:func:`kv_cache_bytes` is the cache's size by formula, :func:`generation_flops` the
arithmetic a generation needs with and without the cache, and :func:`time_generation` times
both.

Introduced in chapter 18.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from stepbytoken.checks import check_bool, check_int, check_tensor, check_token_ids
from stepbytoken.generation.filters import (
    check_logits,
    check_sampler,
    next_token_distribution,
)
from stepbytoken.generation.sampler import draw, resolve_generator
from stepbytoken.nn.attention import MultiHeadAttention
from stepbytoken.nn.gpt import GPT
from stepbytoken.nn.grouped_attention import GroupedQueryAttention
from stepbytoken.nn.interface import eval_mode, model_device

__all__ = [
    "KVCache",
    "GenerationTiming",
    "forward_cached",
    "generate_cached",
    "generation_flops",
    "kv_cache_bytes",
    "time_generation",
]


@dataclass
class KVCache:
    """The keys and values of every layer for the tokens read so far.

    Introduced in chapter 18.

    Fields:
        keys, values: one tensor per layer, ``(B, n_kv_head, T, d_head)`` each (empty lists
            before the first call of :func:`forward_cached`).

    Examples
    --------
    >>> cache = KVCache()
    >>> cache.length, cache.nbytes
    (0, 0)
    """

    keys: list[Tensor] = field(default_factory=list)
    values: list[Tensor] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Number of positions cached (``T``)."""
        return int(self.keys[0].shape[2]) if self.keys else 0

    @property
    def nbytes(self) -> int:
        """Bytes the cached tensors hold."""
        return sum(t.numel() * t.element_size() for t in (*self.keys, *self.values))


def kv_cache_bytes(
    n_layer: int,
    n_kv_head: int,
    d_head: int,
    tokens: int,
    batch: int = 1,
    bytes_per_value: int = 2,
) -> int:
    """Size of a KV cache: ``2 * n_layer * n_kv_head * d_head * tokens * batch * bytes``.

    The 2 counts keys and values; ``bytes_per_value`` is 2 for 16-bit numbers, 4 for float32.

    Introduced in chapter 18.

    Raises
    ------
    TypeError, ValueError
        If an argument is not an int (``tokens`` >= 0, the others >= 1).

    Examples
    --------
    >>> kv_cache_bytes(n_layer=80, n_kv_head=8, d_head=128, tokens=4096)  # 16-bit
    1342177280
    """
    check_int("n_layer", n_layer, minimum=1)
    check_int("n_kv_head", n_kv_head, minimum=1)
    check_int("d_head", d_head, minimum=1)
    check_int("tokens", tokens, minimum=0)
    check_int("batch", batch, minimum=1)
    check_int("bytes_per_value", bytes_per_value, minimum=1)
    return 2 * n_layer * n_kv_head * d_head * tokens * batch * bytes_per_value


def _check_gpt(model: object) -> GPT:
    if not isinstance(model, GPT):
        raise TypeError(
            f"model must be a stepbytoken GPT (the cache runs its modules), "
            f"got {type(model).__name__}"
        )
    return model


def _attend(attn: torch.nn.Module, h: Tensor, offset: int) -> tuple[Tensor, ...]:
    """Queries ``(B, n_head, n, d_head)``, keys and values ``(B, n_kv, n, d_head)`` of ``h``."""
    if isinstance(attn, GroupedQueryAttention):
        return attn.project(h, offset)
    if not isinstance(attn, MultiHeadAttention):
        raise TypeError(f"unsupported attention layer {type(attn).__name__}")
    B, n, C = h.shape
    q, k, v = attn.c_attn(h).split(C, dim=2)  # (B, n, 3C) -> 3 x (B, n, C)
    # (B, n, C) -> (B, n_head, n, d_head)
    q, k, v = (
        t.view(B, n, attn.n_head, attn.d_head).transpose(1, 2) for t in (q, k, v)
    )
    if attn.rope is not None:
        q, k = attn.rope(q, offset), attn.rope(k, offset)
    return q, k, v


def forward_cached(
    model: GPT, idx: Tensor, cache: KVCache | None = None
) -> tuple[Tensor, KVCache]:
    """Run ``model`` on new tokens ``idx`` ``(B, n)`` after the ``cache.length`` cached ones.

    The new tokens sit at positions ``cache.length, ..., cache.length + n - 1``; each attends
    to every cached key and to the new keys up to itself. Their keys and values are appended
    to the cache (a new :class:`KVCache` if ``cache`` is None). Runs without gradients, in
    eval mode (each module's mode is restored).

    Introduced in chapter 18.

    Parameters
    ----------
    model : GPT
        A GPT with multi-head or grouped-query attention, any positions.
    idx : Tensor
        Integer ids ``(B, n)``, ``n >= 1``.
    cache : KVCache, optional
        The cache of the same model and batch; it is extended in place.

    Returns
    -------
    logits : Tensor
        ``(B, n, vocab_size)``, as ``model`` gives for these positions of the whole sequence.
    cache : KVCache
        The cache, now ``n`` positions longer.

    Raises
    ------
    TypeError, ValueError
        For a model that is not a GPT, bad ids, a cache of another shape, or positions past
        ``block_size``.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=2, n_head=2, d_model=16))
    >>> logits, cache = forward_cached(model, torch.tensor([[1, 2, 3]]))   # prefill
    >>> step, cache = forward_cached(model, torch.tensor([[4]]), cache)    # one decode step
    >>> cache.length, torch.allclose(step[0, -1], model(torch.tensor([[1, 2, 3, 4]]))[0][0, -1])
    (4, True)
    """
    model = _check_gpt(model)
    if cache is None:
        cache = KVCache()
    elif not isinstance(cache, KVCache):
        raise TypeError(f"cache must be a KVCache or None, got {type(cache).__name__}")
    check_tensor("idx", idx, dims=2, integer=True)
    B, n = idx.shape
    if B == 0 or n == 0:
        raise ValueError(f"idx must hold at least one token per row, got {(B, n)}")
    check_token_ids("idx", idx, model.config.vocab_size)
    start = cache.length
    if cache.keys and (
        len(cache.keys) != model.config.n_layer or cache.keys[0].shape[0] != B
    ):
        raise ValueError(
            f"the cache holds {len(cache.keys)} layers for a batch of "
            f"{cache.keys[0].shape[0]}; this model has {model.config.n_layer} layers and "
            f"idx a batch of {B}"
        )
    if start + n > model.config.block_size:
        raise ValueError(
            f"positions {start}..{start + n - 1} pass block_size={model.config.block_size}"
        )
    with eval_mode(model), torch.no_grad():
        pos = torch.arange(start, start + n, device=idx.device)
        x = model.wte(idx.long())  # (B, n) -> (B, n, C)
        if model.wpe is not None:
            x = x + model.wpe(pos)
        elif model.config.positions == "sinusoidal":
            x = x + model.pos_sinusoid[start : start + n].to(x.dtype)
        # new token r (at start + r) may see keys 0..start + r: (n, start + n)
        allowed = torch.arange(start + n, device=idx.device)[None, :] <= pos[:, None]
        for layer, block in enumerate(model.blocks):
            q, k, v = _attend(block.attn, block.norm_1(x), start)
            if cache.keys and len(cache.keys) > layer:  # append along T
                k = torch.cat([cache.keys[layer], k], dim=2)
                v = torch.cat([cache.values[layer], v], dim=2)
                cache.keys[layer], cache.values[layer] = k, v
            else:
                cache.keys.append(k)
                cache.values.append(v)
            group = q.shape[1] // k.shape[1]  # query heads per key/value head
            k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
            a = block.attn.c_proj(y.transpose(1, 2).reshape(B, n, -1))
            x = x + a if block.residual else a
            m = block.mlp(block.norm_2(x))
            x = x + m if block.residual else m
        logits = model.lm_head(model.norm_f(x))  # (B, n, C) -> (B, n, vocab_size)
    return logits, cache


def generate_cached(
    model: GPT,
    idx: Tensor | Sequence[int],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    greedy: bool = False,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    stop_token: int | None = None,
) -> Tensor:
    """:func:`~stepbytoken.generation.generate` with a KV cache: prefill, then decode steps.

    The prompt's last ``block_size`` tokens are read in one pass (the prefill), then each step
    reads only the token just chosen. Once the cache holds ``block_size`` positions, the
    window cannot slide (positions would change), so the last ``block_size`` tokens are read
    again, as :func:`~stepbytoken.generation.generate` reads them. Same arguments, same
    sampler and generator: the same tokens.

    Introduced in chapter 18.

    Returns
    -------
    Tensor
        The prompt followed by the new tokens, ``(B, T + n)`` or ``(T + n,)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`~stepbytoken.generation.generate`, or if ``model`` is not a GPT.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> from stepbytoken.generation import generate
    >>> model = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=2, n_head=2, d_model=16))
    >>> cached = generate_cached(model, [1, 2, 3], 10, greedy=True)
    >>> torch.equal(cached, generate(model, [1, 2, 3], 10, greedy=True))
    True
    """
    model = _check_gpt(model)
    if not isinstance(idx, Tensor):
        if isinstance(idx, (str, bytes)) or not isinstance(idx, Sequence):
            raise TypeError(
                f"idx must be a tensor or a sequence of ints, got {type(idx).__name__}"
            )
        idx = torch.tensor([check_int(f"idx[{i}]", t) for i, t in enumerate(idx)])
    check_tensor("idx", idx, dims=(1, 2), integer=True)
    single, device = idx.dim() == 1, idx.device
    out = idx.long().reshape(1, -1) if single else idx.long()  # (B, T)
    if out.numel() == 0:
        raise ValueError(
            f"idx must hold at least one token per row, got {tuple(idx.shape)}"
        )
    check_token_ids("idx", out, model.config.vocab_size)
    out = out.to(model_device(model))
    check_int("max_new_tokens", max_new_tokens, minimum=0)
    greedy = check_bool("greedy", greedy)
    temperature, top_k, top_p = check_sampler(temperature, top_k, top_p)
    gen = resolve_generator(seed, generator)
    if stop_token is not None:
        check_int("stop_token", stop_token, minimum=0)
    bs = model.config.block_size
    finished = torch.zeros(out.shape[0], dtype=torch.bool, device=out.device)
    cache = KVCache()
    for step in range(max_new_tokens):
        if step == 0 or cache.length >= bs:  # prefill (again, once the window is full)
            logits, cache = forward_cached(model, out[:, -bs:], KVCache())
        else:  # decode: only the newest token
            logits, cache = forward_cached(model, out[:, -1:], cache)
        logits = check_logits(logits[:, -1, :])  # (B, V)
        if greedy:
            idx_next = logits.argmax(dim=-1)
        else:
            probs = next_token_distribution(
                logits, temperature=temperature, top_k=top_k, top_p=top_p
            )
            idx_next = draw(probs, gen)
        if stop_token is not None:
            idx_next = idx_next.masked_fill(finished, stop_token)
        out = torch.cat([out, idx_next[:, None]], dim=1)
        if stop_token is not None:
            finished |= idx_next == stop_token
            if bool(finished.all()):
                break
    out = out.to(device)
    return out[0] if single else out


def generation_flops(
    model: GPT, prompt_tokens: int, new_tokens: int, *, cache: bool
) -> int:
    """Multiply-add FLOPs (2 per multiply-add) of the matrix products of a generation.

    Counts every linear layer (``2 * weights`` per token) and attention's scores and
    weighted sum (``4 * d_model`` per query per key, every layer), one sequence. Without the
    cache, step ``s`` runs the whole sequence so far (at most ``block_size`` tokens); with
    it, the prefill runs the prompt and each step one token against the cached keys (the
    prefill repeats when the window is full, as in :func:`generate_cached`).

    Introduced in chapter 18.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a GPT or the counts are not ints >= 1.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=20, block_size=64, n_layer=2, n_head=2, d_model=16))
    >>> generation_flops(model, 8, 1, cache=True) == generation_flops(model, 8, 1, cache=False)
    True
    >>> generation_flops(model, 8, 20, cache=True) < generation_flops(model, 8, 20, cache=False)
    True
    """
    model = _check_gpt(model)
    check_int("prompt_tokens", prompt_tokens, minimum=1)
    check_int("new_tokens", new_tokens, minimum=1)
    cache = check_bool("cache", cache)
    linear = sum(
        m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear)
    )
    C, L, bs = model.config.d_model, model.config.n_layer, model.config.block_size

    def run(n: int, past: int) -> int:  # n new tokens after `past` cached ones
        keys = n * past + n * (n + 1) // 2  # keys seen, summed over the new tokens
        return 2 * linear * n + 4 * C * L * keys

    total, length, cached = 0, prompt_tokens, 0
    for step in range(new_tokens):
        window = min(length, bs)
        if not cache or step == 0 or cached >= bs:
            total += run(window, 0)
            cached = window
        else:
            total += run(1, cached)
            cached += 1
        length += 1
    return total


class GenerationTiming(NamedTuple):
    """Wall-clock times of one generation.

    Introduced in chapter 18.

    Fields:
        first_token_s: time to the first new token (the prompt's pass).
        per_token_s: mean time of each later token (``nan`` if there is none).
        total_s: time of the whole generation.
        stamps_s: time from the start to each new token, one per token.
    """

    first_token_s: float
    per_token_s: float
    total_s: float
    stamps_s: tuple[float, ...]


def time_generation(
    model: GPT, prompt: Sequence[int], new_tokens: int, *, cache: bool
) -> GenerationTiming:
    """Time greedy generation of ``new_tokens`` tokens after ``prompt``, with or without cache.

    Machine-dependent: a measurement, not a property of the model. Without the cache each
    token runs the model on the whole sequence so far (last ``block_size`` tokens), as
    :func:`~stepbytoken.generation.generate` does.

    Introduced in chapter 18.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a GPT, ``prompt`` is not a non-empty list of token ids, or
        ``new_tokens`` is not an int >= 1.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=20, block_size=16, n_layer=1, n_head=2, d_model=8))
    >>> timing = time_generation(model, [1, 2, 3], 4, cache=True)
    >>> timing.first_token_s <= timing.total_s
    True
    """
    model = _check_gpt(model)
    cache = check_bool("cache", cache)
    check_int("new_tokens", new_tokens, minimum=1)
    if (
        isinstance(prompt, (str, bytes))
        or not isinstance(prompt, Sequence)
        or not prompt
    ):
        raise TypeError("prompt must be a non-empty sequence of token ids")
    ids = torch.tensor([[check_int("prompt[i]", t, minimum=0) for t in prompt]])
    check_token_ids("prompt", ids, model.config.vocab_size)
    bs = model.config.block_size
    stamps = []
    start = time.perf_counter()
    with eval_mode(model), torch.no_grad():
        kv = KVCache()
        for step in range(new_tokens):
            if not cache:
                logits = model(ids[:, -bs:])[0]
            elif step == 0 or kv.length >= bs:
                logits, kv = forward_cached(model, ids[:, -bs:], KVCache())
            else:
                logits, kv = forward_cached(model, ids[:, -1:], kv)
            ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
            stamps.append(time.perf_counter() - start)
    later = [b - a for a, b in zip(stamps[:-1], stamps[1:], strict=True)]
    per = sum(later) / len(later) if later else float("nan")
    return GenerationTiming(stamps[0], per, stamps[-1], tuple(stamps))
