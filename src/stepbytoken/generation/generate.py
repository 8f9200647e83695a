"""Generation: choose the next token from a model's logits, append it, and repeat.

:func:`generate` runs a :class:`~stepbytoken.nn.interface.LanguageModel` in a loop with the
rule of :func:`~stepbytoken.generation.sampler.sample_next`, :func:`stream` yields the tokens
as they come, and :func:`generation_steps` records the distribution at every step.
Randomness comes from a ``seed`` or ``generator``, never from the global random state.

Introduced in chapter 1 (the sampler options in chapter 7).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from stepbytoken.checks import check_bool, check_int, check_tensor, check_token_ids
from stepbytoken.generation.filters import (
    check_logits,
    check_sampler,
    next_token_distribution,
)
from stepbytoken.generation.sampler import draw, resolve_generator
from stepbytoken.nn.interface import (
    LanguageModel,
    check_language_model,
    eval_mode,
    model_device,
)

__all__ = ["generate", "stream", "GenerationStep", "generation_steps"]


@dataclass(frozen=True)
class _Decoding:
    """Checked arguments of one generation run."""

    model: LanguageModel
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
    model: LanguageModel,
    idx: torch.Tensor | Sequence[int],
    max_new_tokens: int,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    greedy: bool,
    seed: int | None,
    generator: torch.Generator | None,
    stop_token: int | None,
    block_size: int | None,
    one_sequence: str | None = None,
) -> tuple[_Decoding, bool, torch.device]:
    """Check every argument; return the run, whether ``idx`` was 1-D, and its device.

    ``one_sequence`` names a caller that accepts a single sequence only (not a batch).
    """
    check_language_model(model)
    greedy = check_bool("greedy", greedy)
    if not isinstance(idx, torch.Tensor):
        if not isinstance(idx, Sequence) or isinstance(idx, (str, bytes)):
            raise TypeError(
                f"idx must be a tensor or a sequence of ints, got {type(idx).__name__}"
            )
        idx = torch.tensor(
            [check_int(f"idx[{i}]", t) for i, t in enumerate(idx)], dtype=torch.long
        )
    check_tensor("idx", idx, dims=(1, 2), integer=True)
    vocab_size = getattr(model, "vocab_size", None)
    if isinstance(vocab_size, int):
        check_token_ids("idx", idx, vocab_size)
    single = idx.dim() == 1
    device = idx.device
    idx = idx.long().reshape(1, -1) if single else idx.long()  # (B, T)
    if idx.shape[1] == 0 or idx.shape[0] == 0:
        raise ValueError(
            f"idx must hold at least one token per row, got {tuple(idx.shape)}"
        )
    temperature, top_k, top_p = check_sampler(temperature, top_k, top_p)
    if block_size is None:
        block_size = model.block_size
    run = _Decoding(
        model=model,
        idx=idx.to(model_device(model)),
        max_new_tokens=check_int("max_new_tokens", max_new_tokens, minimum=0),
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=bool(greedy),
        generator=None if greedy else resolve_generator(seed, generator),
        stop_token=None
        if stop_token is None
        else check_int("stop_token", stop_token, minimum=0),
        block_size=None
        if block_size is None
        else check_int("block_size", block_size, minimum=1),
    )
    if greedy:
        resolve_generator(seed, generator)  # checked, unused
    if one_sequence is not None and run.idx.shape[0] != 1:
        raise ValueError(
            f"{one_sequence} works on one sequence; idx must have shape (T,) or (1, T), "
            f"got {tuple(run.idx.shape)} (use generate for a batch)"
        )
    return run, single, device


def _decode(
    run: _Decoding,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """The generation loop: yields ``(idx, logits, idx_next)`` at every step.

    ``idx`` (B, T) is the sequence so far, ``logits`` (B, V) the scores for the next token
    (from the last ``block_size`` tokens only), ``idx_next`` (B,) the chosen ids. A row that
    has produced ``stop_token`` keeps producing it; the loop ends when every row has.
    """
    idx = run.idx
    finished = torch.zeros(idx.shape[0], dtype=torch.bool, device=idx.device)  # (B,)
    for _ in range(run.max_new_tokens):
        # (B, <= bs)
        idx_cond = idx if run.block_size is None else idx[:, -run.block_size :]
        with eval_mode(run.model), torch.no_grad():
            logits, _ = run.model(idx_cond)  # (B, T, V)
        if logits.dim() != 3 or logits.shape[0] != len(idx_cond):
            raise ValueError(
                f"the model must return logits of shape (B, T, vocab_size) with B = "
                f"{len(idx_cond)}, got {tuple(logits.shape)}"
            )
        logits = check_logits(logits[:, -1, :])  # (B, T, V) -> (B, V); no NaN rows
        if run.greedy:
            idx_next = logits.argmax(dim=-1)  # (B,)
        else:
            probs = next_token_distribution(
                logits, temperature=run.temperature, top_k=run.top_k, top_p=run.top_p
            )
            idx_next = draw(probs, run.generator)  # (B,)
        if run.stop_token is not None:
            idx_next = idx_next.masked_fill(finished, run.stop_token)
        yield idx, logits, idx_next
        idx = torch.cat([idx, idx_next[:, None]], dim=1)  # (B, T) -> (B, T + 1)
        if run.stop_token is not None:
            finished |= idx_next == run.stop_token
            if bool(finished.all()):
                return


def generate(
    model: LanguageModel,
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

    At each step the model reads the last ``block_size`` tokens, in eval mode without
    gradients (each module's mode is restored), and the rule of
    :func:`~stepbytoken.generation.sampler.sample_next` picks the next token from the logits
    at the last position.

    Introduced in chapter 1; the sampler options in chapter 7.

    Parameters
    ----------
    model : LanguageModel
        Any model of the book (:class:`~stepbytoken.nn.interface.LanguageModel`).
    idx : torch.Tensor or sequence of int
        The prompt: ids of shape ``(T,)`` or ``(B, T)``, or a list of ints.
    max_new_tokens : int
        How many tokens to add (fewer if every row hits ``stop_token``).
    temperature, top_k, top_p, greedy, seed, generator
        The sampler (see :func:`~stepbytoken.generation.sampler.sample_next`).
    stop_token : int, optional
        Stop a row once it has produced this id (included in the output); rows that stop
        early are padded with it.
    block_size : int, optional
        Context length to crop the input to; by default the model's.

    Returns
    -------
    torch.Tensor
        The prompt followed by the new tokens, ``(B, T + n)`` (or ``(T + n,)`` for a 1-D
        prompt), on the prompt's device.

    Raises
    ------
    TypeError, ValueError
        For bad arguments or a model that does not follow the interface.

    Examples
    --------
    A bigram model that has only seen ``0 1 2 3 4`` repeated:

    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=5).fit([0, 1, 2, 3, 4] * 4)
    >>> generate(model, [3], 6, greedy=True)
    tensor([3, 4, 0, 1, 2, 3, 4])
    >>> generate(model, torch.tensor([[0], [2]]), 3, greedy=True, stop_token=4)
    tensor([[0, 1, 2, 3],
            [2, 3, 4, 4]])
    """
    run, single, device = _prepare(
        model,
        idx,
        max_new_tokens,
        temperature,
        top_k,
        top_p,
        greedy,
        seed,
        generator,
        stop_token,
        block_size,
    )
    new = [idx_next for _, _, idx_next in _decode(run)]
    out = torch.cat([run.idx, *(ids[:, None] for ids in new)], dim=1)  # (B, T + n)
    out = out.to(device)
    return out[0] if single else out


def stream(
    model: LanguageModel,
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
    """Generate like :func:`generate` for one sequence, yielding each new token id as it comes.

    With the same arguments and seed it yields exactly the tokens :func:`generate` adds.
    Arguments are checked at the call, not at the first token.

    Introduced in chapter 1.

    Raises
    ------
    TypeError, ValueError
        If ``idx`` holds more than one sequence, or as :func:`generate`.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=5).fit([0, 1, 2, 3, 4] * 4)
    >>> list(stream(model, [1], 3, greedy=True))
    [2, 3, 4]
    """
    run, _, _ = _prepare(
        model,
        idx,
        max_new_tokens,
        temperature,
        top_k,
        top_p,
        greedy,
        seed,
        generator,
        stop_token,
        block_size,
        one_sequence="stream",
    )
    return (int(idx_next[0]) for _, _, idx_next in _decode(run))


@dataclass(frozen=True)
class GenerationStep:
    """One step of a generation: what the model saw, what it offered, what was chosen.

    Introduced in chapter 7.

    Attributes
    ----------
    step : int
        0 for the first new token, 1 for the next, ...
    context : tuple of int
        The whole sequence before this step (the model read its last ``block_size`` tokens).
    token : int
        The id chosen at this step, with probability ``prob`` under ``probs``.
    prob : float
        The probability of ``token`` under ``probs``.
    top_ids, top_probs : tuple
        The most likely ids under ``probs``, most likely first, and their probabilities.
    probs : torch.Tensor
        The distribution the sampler drew from (after temperature, top-k and top-p),
        ``(vocab_size,)``; for greedy decoding, the one whose most likely token was taken.
    model_probs : torch.Tensor
        The model's own distribution (softmax of the raw logits), ``(vocab_size,)``.
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
    model: LanguageModel,
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
    """Generate one sequence like :func:`stream` and record the distribution at every step.

    ``top`` (an int >= 1) is how many of the most likely tokens each step lists (ties: lower
    id first); the other arguments are those of :func:`generate`.

    Introduced in chapter 7.

    Raises
    ------
    TypeError, ValueError
        As :func:`stream`, or if ``top`` is not an int >= 1.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=5).fit([0, 1, 2, 3, 4] * 4)
    >>> steps = generation_steps(model, [0], 2, greedy=True, top=2)
    >>> [(s.context, s.token, round(s.prob, 3)) for s in steps]
    [((0,), 1, 0.733), ((0, 1), 2, 0.733)]
    """
    top = check_int("top", top, minimum=1)
    run, _, _ = _prepare(
        model,
        idx,
        max_new_tokens,
        temperature,
        top_k,
        top_p,
        greedy,
        seed,
        generator,
        stop_token,
        block_size,
        one_sequence="generation_steps",
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
