"""Sampling: choosing the next token from a model's logits, and generating text with it.

A language model does not write text. At every step it returns one score (a logit) per token
of the vocabulary, and a *sampler* turns those scores into a choice. This module holds the
pieces the book uses, in the order a sampler applies them:

1. ``apply_temperature``: divide the logits by ``temperature`` (below 1 sharpens the
   distribution, above 1 flattens it);
2. ``top_k_filter``: keep only the ``k`` highest-scoring tokens;
3. ``top_p_filter``: keep only the smallest set of tokens whose probability adds up to ``p``
   (the "nucleus");
4. a softmax (``next_token_distribution``) and one draw from it (``sample_next``), or the
   single most likely token (greedy decoding).

``generate`` repeats this one token at a time, feeding each choice back in as input;
``stream`` yields the tokens as they come, and ``generation_steps`` records the distribution
at every step so the book can show it. Two measures of what a sampler wrote close the module:
``distinct_n`` (how varied a set of generations is) and ``repeated_ngram_fraction`` (how much
one generation repeats itself).

Models are torch modules (or plain callables) mapping token ids ``idx`` of shape ``(B, T)``
to logits of shape ``(B, T, vocab_size)``; a model returning a tuple ``(logits, loss)`` (as
GPT-style modules do) works too, and so does one that returns only the last position,
``(B, 1, vocab_size)``, since only that position is used. A model with a ``block_size``
attribute (or ``config.block_size``) only ever sees its last ``block_size`` tokens.

Introduced in chapter 7 (generation itself is first used in chapter 1).
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn

# ----------------------------------------------------------------------------------------------
# Argument checks shared by the public functions


def _check_logits(logits: torch.Tensor) -> torch.Tensor:
    """Return ``logits`` as a floating tensor, or raise if it cannot be logits."""
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits must be a torch.Tensor, got {type(logits).__name__}")
    if logits.dim() == 0 or logits.shape[-1] == 0:
        raise ValueError(
            f"logits must have a non-empty last dimension (the vocabulary), "
            f"got shape {tuple(logits.shape)}"
        )
    if not logits.is_floating_point():
        logits = logits.float()
    if torch.isnan(logits).any():
        raise ValueError("logits must not contain NaN")
    return logits


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"temperature must be a number > 0, got {type(temperature).__name__}")
    if not math.isfinite(temperature):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature}")
    if temperature <= 0:
        raise ValueError(
            f"temperature must be > 0, got {temperature}; use greedy decoding for temperature 0"
        )
    return float(temperature)


def _check_top_k(k: int | None) -> int | None:
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"top_k must be an int >= 1 (or None), got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"top_k must be >= 1 (or None for no top-k filter), got {k}")
    return int(k)


def _check_top_p(p: float | None) -> float | None:
    if p is None:
        return None
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"top_p must be a number in (0, 1] (or None), got {type(p).__name__}")
    if not (0.0 < p <= 1.0):  # also rejects NaN
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    return float(p)


def _resolve_generator(seed: int | None, generator: torch.Generator | None) -> torch.Generator:
    """The generator to draw from: the one given, a fresh one from ``seed``, or an unseeded one.

    Never the global random state: without ``seed`` or ``generator`` a new generator is
    seeded from the operating system's entropy, so results differ from call to call.
    """
    if seed is not None and generator is not None:
        raise ValueError("pass either seed or generator, not both")
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(
                f"generator must be a torch.Generator (or None), got {type(generator).__name__}"
            )
        return generator
    fresh = torch.Generator()
    if seed is None:
        fresh.seed()  # non-deterministic seed, without touching the global RNG
        return fresh
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an int >= 0 (or None), got {seed!r}")
    return fresh.manual_seed(int(seed))


# ----------------------------------------------------------------------------------------------
# Reshaping the distribution


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide logits by a temperature: below 1 sharpens the distribution, above 1 flattens it.

    Parameters
    ----------
    logits
        Scores of shape ``(..., vocab_size)``.
    temperature
        A number > 0. As it goes to 0 the softmax approaches a one-hot on the most likely
        token (greedy decoding); as it grows the softmax approaches uniform.

    Returns
    -------
    torch.Tensor
        ``logits / temperature``, same shape.

    Raises
    ------
    ValueError
        If ``temperature`` is not a finite number > 0 (use greedy decoding for 0).
    TypeError
        If ``logits`` is not a tensor or ``temperature`` not a number.

    Examples
    --------
    >>> logits = torch.tensor([2.0, 1.0, 0.0])
    >>> apply_temperature(logits, 0.5)
    tensor([4., 2., 0.])
    >>> torch.softmax(apply_temperature(logits, 2.0), dim=-1)  # flatter than at temperature 1
    tensor([0.5065, 0.3072, 0.1863])

    Introduced in chapter 7.
    """
    logits = _check_logits(logits)
    temperature = _check_temperature(temperature)
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the ``k`` highest logits on the last dimension and set all the others to ``-inf``.

    Exactly ``k`` tokens survive (all of them if ``k >= vocab_size``). Ties at the ``k``-th
    place are broken in favour of the lower token id, so ``[1, 1, 1]`` with ``k = 2`` keeps
    tokens 0 and 1.

    Parameters
    ----------
    logits
        Scores of shape ``(..., vocab_size)``.
    k
        Number of tokens to keep, an int >= 1.

    Returns
    -------
    torch.Tensor
        Same shape as ``logits``, with the removed entries at ``-inf``.

    Raises
    ------
    ValueError
        If ``k < 1``.
    TypeError
        If ``k`` is not an int.

    Examples
    --------
    >>> top_k_filter(torch.tensor([1.0, 3.0, 2.0, 0.0]), 2)
    tensor([-inf, 3., 2., -inf])
    >>> top_k_filter(torch.tensor([1.0, 1.0, 1.0]), 2)  # a tie: the lower ids win
    tensor([1., 1., -inf])

    Introduced in chapter 7.
    """
    logits = _check_logits(logits)
    k = _check_top_k(k)
    if k >= logits.shape[-1]:
        return logits.clone()
    # A stable descending sort keeps equal logits in id order, which is the tie rule above.
    order = torch.sort(logits, dim=-1, descending=True, stable=True).indices  # (..., V)
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, order[..., :k], True)
    return logits.masked_fill(~keep, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the nucleus: the smallest set of most likely tokens whose probability is >= ``p``.

    Tokens are taken from the most likely down, until their probabilities add up to at least
    ``p``; the rest are set to ``-inf``. The most likely token is always kept, and ``p = 1``
    keeps every token. Ties are broken in favour of the lower token id, as in
    :func:`top_k_filter`. The probabilities are the softmax of ``logits`` as given, so apply
    the temperature first if you want the nucleus of the tempered distribution.

    Parameters
    ----------
    logits
        Scores of shape ``(..., vocab_size)``.
    p
        Probability mass to keep, in ``(0, 1]``.

    Returns
    -------
    torch.Tensor
        Same shape as ``logits``, with the removed entries at ``-inf``.

    Raises
    ------
    ValueError
        If ``p`` is not in ``(0, 1]``.
    TypeError
        If ``p`` is not a number.

    Examples
    --------
    Probabilities 0.5, 0.3, 0.2: the top two already hold 0.8 >= 0.75.

    >>> logits = torch.tensor([0.5, 0.3, 0.2]).log()
    >>> torch.softmax(top_p_filter(logits, 0.75), dim=-1)
    tensor([0.6250, 0.3750, 0.0000])
    >>> torch.softmax(top_p_filter(logits, 0.4), dim=-1)  # the top token alone is enough
    tensor([1., 0., 0.])

    Introduced in chapter 7.
    """
    logits = _check_logits(logits)
    p = _check_top_p(p)
    if p == 1.0:
        return logits.clone()
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True, stable=True)  # (..., V)
    sorted_probs = torch.softmax(sorted_logits.double(), dim=-1)  # float64: exact-ish sums
    cumulative = torch.cumsum(sorted_probs, dim=-1)
    # Mass of the tokens strictly before each one: a token is needed while that is still < p.
    mass_before = torch.cat([torch.zeros_like(cumulative[..., :1]), cumulative[..., :-1]], -1)
    keep_sorted = mass_before < p
    keep_sorted[..., 0] = True  # the most likely token always survives
    keep = torch.zeros_like(keep_sorted).scatter_(-1, order, keep_sorted)  # back to id order
    return logits.masked_fill(~keep, float("-inf"))


def next_token_distribution(
    logits: torch.Tensor,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """The probabilities a sampler actually draws the next token from.

    Applies, in this order: the temperature, the top-k filter, the top-p filter (on the
    tempered, top-k filtered distribution), then a softmax. With the defaults this is just the
    softmax of ``logits``.

    Parameters
    ----------
    logits
        Scores of shape ``(..., vocab_size)``; each row needs at least one finite value.
    temperature
        A number > 0 (see :func:`apply_temperature`).
    top_k
        Keep only the ``top_k`` most likely tokens (None: no limit).
    top_p
        Keep only the nucleus of mass ``top_p`` (None: no limit).

    Returns
    -------
    torch.Tensor
        ``probs`` of the same shape as ``logits``, each row summing to 1, zero for removed
        tokens.

    Raises
    ------
    ValueError
        For a bad ``temperature``, ``top_k`` or ``top_p``, or a row of logits without a
        finite value.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> logits = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    >>> next_token_distribution(logits)
    tensor([0.5000, 0.3000, 0.1500, 0.0500])
    >>> next_token_distribution(logits, top_k=2)
    tensor([0.6250, 0.3750, 0.0000, 0.0000])
    >>> next_token_distribution(logits, temperature=0.5, top_p=0.9)
    tensor([0.7353, 0.2647, 0.0000, 0.0000])

    Introduced in chapter 7.
    """
    logits = _check_logits(logits)
    temperature = _check_temperature(temperature)
    top_k = _check_top_k(top_k)
    top_p = _check_top_p(top_p)
    row_max = logits.max(dim=-1, keepdim=True).values  # (..., 1)
    if not torch.isfinite(row_max).all():
        raise ValueError("each row of logits needs a finite maximum (no +inf, not all -inf)")
    # Shifting by the maximum leaves the softmax unchanged and keeps tiny temperatures from
    # overflowing: the best token sits at 0 and the others go towards -inf.
    logits = apply_temperature(logits - row_max, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return torch.softmax(logits, dim=-1)


def _draw(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One draw per row of ``probs`` (..., V) -> ids (...), on the generator's device."""
    flat = probs.reshape(-1, probs.shape[-1]).to(generator.device)  # (N, V)
    ids = torch.multinomial(flat, num_samples=1, generator=generator)  # (N, 1)
    return ids.to(probs.device).reshape(probs.shape[:-1])


def sample_next(
    logits: torch.Tensor,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    greedy: bool = False,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Choose the next token from logits: one draw, or the most likely token if ``greedy``.

    Parameters
    ----------
    logits
        Scores of shape ``(..., vocab_size)``, e.g. ``(B, vocab_size)`` for a batch.
    temperature, top_k, top_p
        How the distribution is reshaped before the draw (see
        :func:`next_token_distribution`). They are checked but have no effect when
        ``greedy``, since none of them changes which token is most likely.
    greedy
        Take the most likely token (the lowest id on ties) instead of drawing.
    seed, generator
        Where the randomness comes from (at most one of them). Without either, a generator
        seeded from the operating system is used, so the result is not reproducible; the
        global random state is never read.

    Returns
    -------
    torch.Tensor
        Token ids (int64) of shape ``logits.shape[:-1]``.

    Raises
    ------
    ValueError, TypeError
        For bad arguments, as in :func:`next_token_distribution`, or both ``seed`` and
        ``generator``.

    Examples
    --------
    >>> logits = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 0.0]])
    >>> sample_next(logits, greedy=True)
    tensor([1, 0])
    >>> sample_next(logits, top_k=1, seed=0)  # only one token left to draw
    tensor([1, 0])

    Introduced in chapter 7.
    """
    logits = _check_logits(logits)
    if greedy:
        _check_temperature(temperature)
        _check_top_k(top_k)
        _check_top_p(top_p)
        _resolve_generator(seed, generator)  # still check the arguments
        return logits.argmax(dim=-1)
    probs = next_token_distribution(logits, temperature=temperature, top_k=top_k, top_p=top_p)
    return _draw(probs, _resolve_generator(seed, generator))


# ----------------------------------------------------------------------------------------------
# Running a model


def _model_block_size(model: object, block_size: int | None) -> int | None:
    """The context length to crop to: the argument, else the model's, else None (no crop)."""
    if block_size is None:
        block_size = getattr(model, "block_size", None)
        if block_size is None:
            block_size = getattr(getattr(model, "config", None), "block_size", None)
        if block_size is None:
            return None
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral):
        raise TypeError(f"block_size must be an int >= 1 (or None), got {block_size!r}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1 (or None), got {block_size}")
    return int(block_size)


def _model_device(model: object) -> torch.device | None:
    if isinstance(model, nn.Module):
        for tensor in model.parameters():
            return tensor.device
        for tensor in model.buffers():
            return tensor.device
    return None


@contextlib.contextmanager
def _eval_mode(model: object) -> Iterator[None]:
    """Put a module (and every submodule) in eval mode, then restore each one's own mode."""
    if not isinstance(model, nn.Module):
        yield
        return
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _next_logits(model: Callable[..., object], idx: torch.Tensor) -> torch.Tensor:
    """Run the model on ``idx`` (B, T) and return the logits at the last position (B, V)."""
    with _eval_mode(model), torch.no_grad():
        out = model(idx)
    logits = out[0] if isinstance(out, tuple) else out
    if not isinstance(logits, torch.Tensor) or logits.dim() != 3 or logits.shape[0] != len(idx):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(
            f"the model must return logits of shape (B, T, vocab_size) = ({len(idx)}, "
            f"{idx.shape[1]}, vocab_size), or a tuple starting with them; got {shape}"
        )
    return logits[:, -1, :]  # (B, T, V) -> (B, V)


def _as_batch(idx: torch.Tensor | Sequence[int]) -> tuple[torch.Tensor, bool]:
    """Token ids as a (B, T) int64 tensor, and whether the input was a single 1-D sequence."""
    if not isinstance(idx, torch.Tensor):
        if not isinstance(idx, Sequence) or not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in idx
        ):
            raise TypeError("idx must be a tensor of token ids or a sequence of ints")
        idx = torch.tensor(list(idx), dtype=torch.long)
    if idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise TypeError(f"idx must hold integer token ids, got dtype {idx.dtype}")
    if idx.dim() not in (1, 2):
        raise ValueError(f"idx must have shape (T,) or (B, T), got {tuple(idx.shape)}")
    single = idx.dim() == 1
    idx = idx.long().reshape(1, -1) if single else idx.long()
    if idx.shape[1] == 0 or idx.shape[0] == 0:
        raise ValueError(f"idx must hold at least one token per row, got {tuple(idx.shape)}")
    return idx, single


def _check_max_new_tokens(max_new_tokens: int) -> int:
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, numbers.Integral):
        raise TypeError(f"max_new_tokens must be an int >= 0, got {max_new_tokens!r}")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    return int(max_new_tokens)


def _check_stop_token(stop_token: int | None) -> int | None:
    if stop_token is None:
        return None
    if isinstance(stop_token, bool) or not isinstance(stop_token, numbers.Integral):
        raise TypeError(f"stop_token must be an int token id (or None), got {stop_token!r}")
    if stop_token < 0:
        raise ValueError(f"stop_token must be a token id >= 0 (or None), got {stop_token}")
    return int(stop_token)


@dataclass(frozen=True)
class _Decoding:
    """Checked arguments of one generation run."""

    model: Callable[..., object]
    idx: torch.Tensor  # (B, T) on the model's device
    max_new_tokens: int
    temperature: float
    top_k: int | None
    top_p: float | None
    greedy: bool
    generator: torch.Generator | None
    stop_token: int | None
    block_size: int | None


def _prepare(
    model: Callable[..., object],
    idx: torch.Tensor | Sequence[int],
    max_new_tokens: int,
    *,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    greedy: bool,
    seed: int | None,
    generator: torch.Generator | None,
    stop_token: int | None,
    block_size: int | None,
) -> tuple[_Decoding, bool, torch.device]:
    if not callable(model):
        raise TypeError(f"model must be callable (a torch module), got {type(model).__name__}")
    idx, single = _as_batch(idx)
    device = idx.device
    model_device = _model_device(model)
    run = _Decoding(
        model=model,
        idx=idx if model_device is None else idx.to(model_device),
        max_new_tokens=_check_max_new_tokens(max_new_tokens),
        temperature=_check_temperature(temperature),
        top_k=_check_top_k(top_k),
        top_p=_check_top_p(top_p),
        greedy=bool(greedy),
        generator=None if greedy else _resolve_generator(seed, generator),
        stop_token=_check_stop_token(stop_token),
        block_size=_model_block_size(model, block_size),
    )
    if greedy:
        _resolve_generator(seed, generator)  # checked, unused
    return run, single, device


def _decode(run: _Decoding) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """The generation loop. Yields ``(idx, logits, idx_next)`` for every step.

    ``idx`` (B, T) is the whole sequence so far, ``logits`` (B, V) the model's scores for the
    next token (computed on the last ``block_size`` tokens only), ``idx_next`` (B,) the
    chosen ids. Once a row has produced ``stop_token`` it keeps producing it, and the loop
    ends when every row has stopped.
    """
    idx = run.idx
    finished = torch.zeros(idx.shape[0], dtype=torch.bool, device=idx.device)  # (B,)
    for _ in range(run.max_new_tokens):
        idx_cond = idx if run.block_size is None else idx[:, -run.block_size :]  # (B, <= bs)
        logits = _next_logits(run.model, idx_cond)  # (B, V)
        if run.greedy:
            idx_next = logits.argmax(dim=-1)  # (B,)
        else:
            probs = next_token_distribution(
                logits, temperature=run.temperature, top_k=run.top_k, top_p=run.top_p
            )
            idx_next = _draw(probs, run.generator)  # (B,)
        if run.stop_token is not None:
            idx_next = idx_next.masked_fill(finished, run.stop_token)
        yield idx, logits, idx_next
        idx = torch.cat([idx, idx_next[:, None]], dim=1)  # (B, T) -> (B, T + 1)
        if run.stop_token is not None:
            finished |= idx_next == run.stop_token
            if bool(finished.all()):
                return


def generate(
    model: Callable[..., object],
    idx: torch.Tensor | Sequence[int],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    greedy: bool = False,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    stop_token: int | None = None,
    block_size: int | None = None,
) -> torch.Tensor:
    """Extend token ids by up to ``max_new_tokens`` tokens, one at a time.

    At each step the model reads the sequence so far (its last ``block_size`` tokens), and the
    next token is chosen from the logits at the last position as in :func:`sample_next`,
    then appended. The model runs in eval mode without gradients; each module's own
    train/eval mode is restored afterwards.

    Parameters
    ----------
    model
        A module or callable mapping ``(B, T)`` ids to ``(B, T, vocab_size)`` logits, or to a
        tuple starting with them.
    idx
        The prompt: ids of shape ``(T,)``, ``(B, T)``, or a list of ints.
    max_new_tokens
        How many tokens to add (fewer if every row hits ``stop_token``).
    temperature, top_k, top_p, greedy
        The sampler (see :func:`sample_next`).
    seed, generator
        Randomness for sampling (at most one). Without either the output is not
        reproducible; the global random state is never read.
    stop_token
        Stop a row once it has produced this id; the stop token is included in the output.
        In a batch, rows that stopped early are padded with ``stop_token`` until all stop.
    block_size
        Context length to crop the input to; by default the model's ``block_size`` (or
        ``config.block_size``), and no cropping if it has neither.

    Returns
    -------
    torch.Tensor
        The prompt followed by the new tokens: shape ``(B, T + n)`` (or ``(T + n,)`` for a
        1-D prompt), on the prompt's device.

    Raises
    ------
    ValueError, TypeError
        For bad arguments or a model whose output is not ``(B, T, vocab_size)`` logits.

    Examples
    --------
    A "model" that always predicts the token after the last one (mod 5):

    >>> def counter(idx):
    ...     return torch.nn.functional.one_hot((idx + 1) % 5, 5).float() * 10
    >>> generate(counter, [3], 6, greedy=True)
    tensor([3, 4, 0, 1, 2, 3, 4])
    >>> generate(counter, torch.tensor([[0], [2]]), 3, greedy=True, stop_token=4)
    tensor([[0, 1, 2, 3],
            [2, 3, 4, 4]])

    Introduced in chapter 1; the sampler options in chapter 7.
    """
    run, single, device = _prepare(
        model,
        idx,
        max_new_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=greedy,
        seed=seed,
        generator=generator,
        stop_token=stop_token,
        block_size=block_size,
    )
    new = [idx_next for _, _, idx_next in _decode(run)]
    out = torch.cat([run.idx, *(ids[:, None] for ids in new)], dim=1)  # (B, T + n)
    out = out.to(device)
    return out[0] if single else out


def stream(
    model: Callable[..., object],
    idx: torch.Tensor | Sequence[int],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    greedy: bool = False,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    stop_token: int | None = None,
    block_size: int | None = None,
) -> Iterator[int]:
    """Generate like :func:`generate`, yielding each new token id as soon as it is chosen.

    Only a single sequence is supported (``idx`` of shape ``(T,)`` or ``(1, T)``). With the
    same arguments and seed, the ids yielded are exactly the new tokens :func:`generate`
    returns. Arguments are checked when ``stream`` is called, not at the first token.

    Parameters
    ----------
    model, idx, max_new_tokens
        As in :func:`generate`.
    temperature, top_k, top_p, greedy, seed, generator, stop_token, block_size
        As in :func:`generate`.

    Returns
    -------
    Iterator[int]
        The new token ids, one at a time (the stop token, if reached, is the last one).

    Raises
    ------
    ValueError
        If ``idx`` holds more than one sequence, or as in :func:`generate`.

    Examples
    --------
    >>> def counter(idx):
    ...     return torch.nn.functional.one_hot((idx + 1) % 5, 5).float() * 10
    >>> for token in stream(counter, [1], 3, greedy=True):
    ...     print(token)
    2
    3
    4

    Introduced in chapter 1.
    """
    run, _, _ = _prepare(
        model,
        idx,
        max_new_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=greedy,
        seed=seed,
        generator=generator,
        stop_token=stop_token,
        block_size=block_size,
    )
    if run.idx.shape[0] != 1:
        raise ValueError(
            f"stream generates one sequence; idx must have shape (T,) or (1, T), "
            f"got {tuple(run.idx.shape)} (use generate for a batch)"
        )
    return (int(idx_next[0]) for _, _, idx_next in _decode(run))


@dataclass(frozen=True)
class GenerationStep:
    """One step of a generation: what the model saw, what it offered, what was chosen.

    Attributes
    ----------
    step
        0 for the first new token, 1 for the next, ...
    context
        The whole sequence before this step (prompt and tokens generated so far); the model
        read its last ``block_size`` tokens.
    token
        The id chosen at this step.
    prob
        The probability of ``token`` under ``probs``.
    top_ids, top_probs
        The most likely ids under ``probs``, most likely first, with their probabilities.
    probs
        The distribution the sampler drew from (after temperature, top-k and top-p), shape
        ``(vocab_size,)``. For greedy decoding, the distribution whose most likely token
        was taken.
    model_probs
        The model's own distribution (softmax of the raw logits), shape ``(vocab_size,)``.

    Introduced in chapter 7.
    """

    step: int
    context: tuple[int, ...]
    token: int
    prob: float
    top_ids: tuple[int, ...]
    top_probs: tuple[float, ...]
    probs: torch.Tensor
    model_probs: torch.Tensor


def generation_steps(
    model: Callable[..., object],
    idx: torch.Tensor | Sequence[int],
    max_new_tokens: int,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    greedy: bool = False,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    stop_token: int | None = None,
    block_size: int | None = None,
    top: int = 5,
) -> list[GenerationStep]:
    """Generate one sequence and record the distribution at every step.

    The tokens chosen are exactly those :func:`generate` produces with the same arguments and
    seed; each :class:`GenerationStep` also holds the context, the sampler's distribution and
    its ``top`` most likely tokens.

    Parameters
    ----------
    model, idx, max_new_tokens
        As in :func:`generate` (a single sequence only, as in :func:`stream`).
    temperature, top_k, top_p, greedy, seed, generator, stop_token, block_size
        As in :func:`generate`.
    top
        How many of the most likely tokens to list per step (ties: lower id first).

    Returns
    -------
    list[GenerationStep]
        One entry per new token.

    Raises
    ------
    ValueError, TypeError
        As in :func:`stream`, or if ``top`` is not an int >= 1.

    Examples
    --------
    >>> def counter(idx):  # puts most of the mass on the token after the last one
    ...     return torch.nn.functional.one_hot((idx + 1) % 5, 5).float() * 2
    >>> steps = generation_steps(counter, [0], 2, greedy=True, top=2)
    >>> [(s.context, s.token, round(s.prob, 3)) for s in steps]
    [((0,), 1, 0.649), ((0, 1), 2, 0.649)]
    >>> steps[0].top_ids, [round(p, 3) for p in steps[0].top_probs]
    ((1, 0), [0.649, 0.088])

    Introduced in chapter 7.
    """
    if isinstance(top, bool) or not isinstance(top, numbers.Integral) or top < 1:
        raise ValueError(f"top must be an int >= 1, got {top!r}")
    run, _, _ = _prepare(
        model,
        idx,
        max_new_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=greedy,
        seed=seed,
        generator=generator,
        stop_token=stop_token,
        block_size=block_size,
    )
    if run.idx.shape[0] != 1:
        raise ValueError(
            f"generation_steps records one sequence; idx must have shape (T,) or (1, T), "
            f"got {tuple(run.idx.shape)}"
        )
    records = []
    for step, (context, logits, idx_next) in enumerate(_decode(run)):
        probs = next_token_distribution(
            logits[0], temperature=run.temperature, top_k=run.top_k, top_p=run.top_p
        ).cpu()  # (V,)
        order = torch.sort(probs, descending=True, stable=True).indices[:top]
        token = int(idx_next[0])
        records.append(
            GenerationStep(
                step=step,
                context=tuple(context[0].tolist()),
                token=token,
                prob=float(probs[token]),
                top_ids=tuple(order.tolist()),
                top_probs=tuple(probs[order].tolist()),
                probs=probs,
                model_probs=torch.softmax(logits[0].float(), dim=-1).cpu(),
            )
        )
    return records


# ----------------------------------------------------------------------------------------------
# Measuring what a sampler wrote


def _ngrams(ids: Sequence[int] | torch.Tensor, n: int, name: str) -> list[tuple[int, ...]]:
    """The n-grams of one sequence of token ids, in order of their start position."""
    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.is_floating_point() or ids.is_complex():
            raise TypeError(f"{name} must be a 1-D tensor of token ids or a list of ints")
        ids = ids.tolist()
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise TypeError(f"{name} must be a sequence of token ids, got {type(ids).__name__}")
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in ids):
        raise TypeError(f"{name} must hold int token ids")
    return [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an int >= 1, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return int(n)


def distinct_n(sequences: Sequence[Sequence[int]] | torch.Tensor, n: int = 2) -> float:
    """Diversity of a set of generations: distinct n-grams divided by all n-grams.

    The n-grams of every sequence are pooled; 1.0 means no n-gram occurs twice anywhere (within
    a sequence or across sequences), and values near 0 mean the generations keep saying the
    same things. This is the *distinct-n* measure of Li et al. (2016).

    Parameters
    ----------
    sequences
        Token id sequences (lists of ints, or a 2-D tensor with one sequence per row), e.g.
        several continuations of the same prompt, without the prompt.
    n
        Length of the n-grams, an int >= 1.

    Returns
    -------
    float
        In ``(0, 1]``.

    Raises
    ------
    ValueError
        If ``n < 1`` or no sequence is at least ``n`` tokens long.
    TypeError
        If a sequence does not hold int token ids.

    Examples
    --------
    The bigrams are (1, 2), (2, 3) and (1, 2), (2, 4): 3 distinct out of 4.

    >>> distinct_n([[1, 2, 3], [1, 2, 4]], n=2)
    0.75
    >>> distinct_n(torch.tensor([[5, 5, 5], [5, 5, 5]]), n=1)  # one word, six times
    0.16666666666666666

    Introduced in chapter 7.
    """
    n = _check_n(n)
    if isinstance(sequences, torch.Tensor):
        if sequences.dim() != 2:
            raise TypeError(f"a tensor of sequences must be 2-D, got {sequences.dim()}-D")
        sequences = sequences.tolist()
    if isinstance(sequences, str) or not isinstance(sequences, Sequence):
        raise TypeError(f"sequences must be a list of token id lists, got {type(sequences)}")
    grams = [g for k, seq in enumerate(sequences) for g in _ngrams(seq, n, f"sequences[{k}]")]
    if not grams:
        raise ValueError(f"no sequence is at least n = {n} tokens long, so there are no n-grams")
    return len(set(grams)) / len(grams)


def repeated_ngram_fraction(ids: Sequence[int] | torch.Tensor, n: int = 4) -> float:
    """How much a text repeats itself: the fraction of its n-grams that already occurred in it.

    Each n-gram (by start position) counts as repeated if the same n tokens appeared earlier in
    the same sequence. A text stuck in a loop scores close to 1; varied text scores near 0.

    Parameters
    ----------
    ids
        One sequence of token ids (a list of ints or a 1-D tensor).
    n
        Length of the n-grams, an int >= 1.

    Returns
    -------
    float
        In ``[0, 1)``: the first n-gram can never be a repeat.

    Raises
    ------
    ValueError
        If ``n < 1`` or ``ids`` is shorter than ``n``.
    TypeError
        If ``ids`` does not hold int token ids.

    Examples
    --------
    ``a b c a b c a b c`` with n = 3: of its 7 trigrams, the last 4 repeat earlier ones.

    >>> repeated_ngram_fraction([1, 2, 3, 1, 2, 3, 1, 2, 3], n=3)
    0.5714285714285714
    >>> repeated_ngram_fraction([1, 2, 3, 4], n=2)
    0.0

    Introduced in chapter 7.
    """
    n = _check_n(n)
    grams = _ngrams(ids, n, "ids")
    if not grams:
        raise ValueError(f"ids must hold at least n = {n} tokens, got {len(ids)}")
    seen: set[tuple[int, ...]] = set()
    repeats = 0
    for gram in grams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(grams)
