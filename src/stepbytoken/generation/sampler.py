"""The sampler: turn one step's logits into a token, by a seeded draw or greedily.

Introduced in chapter 7.
"""

from __future__ import annotations

import torch

from stepbytoken.checks import check_bool, check_int, check_tensor
from stepbytoken.generation.filters import (
    check_logits,
    check_sampler,
    next_token_distribution,
)

__all__ = ["draw", "resolve_generator", "sample_next"]


def resolve_generator(
    seed: int | None, generator: torch.Generator | None
) -> torch.Generator:
    """Return the generator given, a fresh one seeded with ``seed``, or one seeded by the OS.

    Never the global random state. Raises ``ValueError`` if both are given.

    Introduced in chapter 7.

    Examples
    --------
    >>> resolve_generator(0, None).initial_seed()
    0
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
    return fresh.manual_seed(check_int("seed", seed, minimum=0))


def draw(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Draw one token id per row of ``probs`` ``(..., V)``; returns ids of shape ``(...)``.

    Raises ``TypeError``/``ValueError`` unless ``probs`` is a floating tensor of finite,
    non-negative weights with a positive sum per row and ``generator`` a ``torch.Generator``.

    Introduced in chapter 7.

    Examples
    --------
    >>> draw(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.Generator().manual_seed(0))
    tensor([1, 0])
    """
    check_tensor("probs", probs, integer=False)
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}"
        )
    if probs.dim() == 0 or probs.shape[-1] == 0 or probs.numel() == 0:
        raise ValueError(
            f"probs must have shape (..., V) with V >= 1, got {tuple(probs.shape)}"
        )
    if not bool(torch.isfinite(probs).all()) or bool((probs < 0).any()):
        raise ValueError("probs must be finite and >= 0")
    if not bool((probs.sum(dim=-1) > 0).all()):
        raise ValueError("each row of probs needs a positive sum")
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

    Introduced in chapter 7.

    Parameters
    ----------
    logits : torch.Tensor
        Scores of shape ``(..., vocab_size)``.
    temperature, top_k, top_p
        How the distribution is reshaped before the draw (see
        :func:`~stepbytoken.generation.filters.next_token_distribution`); checked but without
        effect when ``greedy``.
    greedy : bool, default False
        Take the most likely token (the lowest id on ties) instead of drawing.
    seed, generator
        Where the randomness comes from (at most one). Without either, a generator seeded
        by the operating system: not reproducible, and the global random state is untouched.

    Returns
    -------
    torch.Tensor
        Token ids (int64) of shape ``logits.shape[:-1]``.

    Raises
    ------
    TypeError, ValueError
        For bad settings, or both ``seed`` and ``generator``.

    Examples
    --------
    >>> logits = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 0.0]])
    >>> sample_next(logits, greedy=True)
    tensor([1, 0])
    >>> sample_next(logits, top_k=1, seed=0)  # only one token left to draw
    tensor([1, 0])
    """
    logits = check_logits(logits)
    if check_bool("greedy", greedy):
        check_sampler(temperature, top_k, top_p)
        resolve_generator(seed, generator)  # still check the arguments
        return logits.argmax(dim=-1)
    probs = next_token_distribution(
        logits, temperature=temperature, top_k=top_k, top_p=top_p
    )
    return draw(probs, resolve_generator(seed, generator))
