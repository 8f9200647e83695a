"""Measuring decoders: how spread out a next-token distribution is, and what its samples trade.

A decoder (greedy, temperature, top-k, top-p) turns the model's distribution into text.
:func:`effective_choices` reads the spread of one distribution; :func:`compare_decoders`
draws samples under several settings and scores each setting twice, prompt by prompt: how
varied its samples are (distinct-2) and how likely the unmodified model finds them
(:func:`token_log_probs`); :func:`mean_and_error` and :func:`paired_difference` say how
sure those scores are.

Introduced in chapter 7.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from stepbytoken.checks import (
    check_float,
    check_floats,
    check_instance,
    check_int,
    check_str,
    check_strings,
    check_tensor,
)
from stepbytoken.evaluation.diversity import distinct_n
from stepbytoken.evaluation.facts import question_prompt
from stepbytoken.generation import generate, next_token_distribution
from stepbytoken.nn import LanguageModel, check_language_model
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "compare_decoders",
    "effective_choices",
    "first_token_hits",
    "mean_and_error",
    "next_token_logits",
    "paired_difference",
    "token_log_probs",
]


@torch.no_grad()
def next_token_logits(
    model: LanguageModel, tokenizer: BPETokenizer, text: str
) -> Tensor:
    """The model's logits for the token that follows ``text`` (its last ``block_size`` tokens).

    Parameters
    ----------
    model : LanguageModel
        The model, e.g. the reference GPT.
    tokenizer : BPETokenizer
        Its tokenizer.
    text : str
        The prompt (not empty).

    Returns
    -------
    Tensor
        Shape ``(vocab_size,)``.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> next_token_logits(ref.model, ref.tokenizer, "One day").shape == (ref.config.vocab_size,)
    True

    Introduced in chapter 7.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_language_model(model)
    check_str("text", text, allow_empty=False)
    ids = tokenizer.encode(text)
    if model.block_size is not None:
        ids = ids[-model.block_size :]
    logits, _ = model(torch.tensor([ids]))  # (1, T) -> (1, T, vocab_size)
    return logits[0, -1]


def effective_choices(probs: Tensor) -> float:
    """``e`` to the entropy of a distribution: how many equally likely tokens are this uncertain.

    Parameters
    ----------
    probs : Tensor
        One probability distribution, shape ``(vocab_size,)``; zeros are allowed.

    Returns
    -------
    float
        1 for a certain choice, ``n`` for a uniform choice among ``n`` tokens.

    Examples
    --------
    >>> effective_choices(torch.tensor([0.25, 0.25, 0.25, 0.25, 0.0]))
    4.0
    >>> effective_choices(torch.tensor([1.0, 0.0]))
    1.0

    Introduced in chapter 7.
    """
    check_tensor("probs", probs, dims=1, integer=False)
    nonzero = probs[probs > 0]
    return torch.exp(-(nonzero * nonzero.log()).sum()).item()


def first_token_hits(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    questions: Sequence[tuple[str, str]],
    temperatures: Sequence[float],
) -> dict[str | float, float]:
    """How often greedy decoding, and sampling at each temperature, start an answer right.

    Each question is asked as a new document (:func:`question_prompt`); the
    right token is the first token of ``" " + answer``. Greedy decoding scores 1 when it is
    the most likely token, sampling scores its probability after the temperature.

    Parameters
    ----------
    model : LanguageModel
        The model.
    tokenizer : BPETokenizer
        Its tokenizer (it must know ``"<|endoftext|>"``).
    questions : sequence of (str, str)
        Questions and their answers, e.g. ``world.questions("train")``.
    temperatures : sequence of float
        The sampling temperatures to score.

    Returns
    -------
    dict
        ``"greedy"`` and each temperature, to the mean over questions: the share that start
        with the right token.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> hits = first_token_hits(ref.model, ref.tokenizer, [("Who is Nora?", "a baker")], [1.0])
    >>> list(hits), 0 <= hits[1.0] <= 1
    (['greedy', 1.0], True)

    Introduced in chapter 7.
    """
    check_language_model(model)
    check_instance("tokenizer", tokenizer, BPETokenizer)
    if (
        isinstance(questions, (str, bytes))
        or not isinstance(questions, Sequence)
        or not questions
    ):
        raise ValueError(
            "questions must be a non-empty list of (question, answer) pairs"
        )
    for i, pair in enumerate(questions):
        if len(check_strings(f"questions[{i}]", pair, allow_empty=False)) != 2:
            raise ValueError(
                f"questions[{i}] must be a (question, answer) pair, got {pair!r}"
            )
    temperatures = check_floats("temperatures", temperatures)
    hit: dict[str | float, list[float]] = {
        "greedy": [],
        **{t: [] for t in temperatures},
    }
    for question, answer in questions:
        logits = next_token_logits(model, tokenizer, question_prompt(question))
        right = tokenizer.encode(" " + answer)[0]  # the answer's first token
        hit["greedy"].append(float(logits.argmax() == right))
        for t in temperatures:
            probs = next_token_distribution(logits, temperature=t)
            hit[t].append(probs[right].item())
    return {key: float(np.mean(values)) for key, values in hit.items()}


@torch.no_grad()
def token_log_probs(model: LanguageModel, idx: Tensor) -> Tensor:
    """The log-probability the model gives each token of ``idx`` after the tokens before it.

    Parameters
    ----------
    model : LanguageModel
        The model; ``idx`` must fit its ``block_size`` plus one.
    idx : Tensor
        Token ids, shape ``(B, T)`` with ``T >= 2``.

    Returns
    -------
    Tensor
        Shape ``(B, T - 1)``: entry ``[b, t]`` scores ``idx[b, t + 1]``.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=2).fit([0, 1, 0, 1, 0, 1])
    >>> token_log_probs(model, torch.tensor([[0, 1, 0]])).exp()  # smoothed counts: 5/6 each
    tensor([[0.8333, 0.8333]])

    Introduced in chapter 7.
    """
    check_language_model(model)
    check_tensor("idx", idx, dims=2, integer=True)
    if idx.shape[1] < 2:
        raise ValueError(
            f"idx needs at least 2 tokens per row, got shape {tuple(idx.shape)}"
        )
    logits, _ = model(idx[:, :-1])  # (B, T - 1, vocab_size)
    log_probs = torch.log_softmax(logits, dim=-1)
    return log_probs.gather(-1, idx[:, 1:, None])[..., 0]  # (B, T - 1)


def compare_decoders(
    model: LanguageModel,
    prompts: Sequence[Sequence[int]],
    settings: Mapping[str, Mapping[str, Any]],
    *,
    n_samples: int = 6,
    max_new_tokens: int = 20,
    seed: int = 0,
    n: int = 2,
) -> dict[str, dict[str, np.ndarray]]:
    """Sample under each decoder setting and score its diversity and likelihood, per prompt.

    Each setting draws ``n_samples`` continuations of every prompt, all in one batch, with
    ``generate(model, ..., seed=seed, **options)``; every setting uses the same seed, so the
    settings are compared on the same prompts and the same random numbers. A greedy setting
    (``{"greedy": True}``) decodes each prompt once and counts it ``n_samples`` times.

    Parameters
    ----------
    model : LanguageModel
        The model.
    prompts : sequence of sequences of int
        The prompts' token ids, all of the same length (at least one token).
    settings : mapping of str to dict
        A name for each setting and its keyword arguments for
        :func:`~stepbytoken.generation.generate` (``temperature``, ``top_k``, ``top_p``,
        ``greedy``).
    n_samples : int, default 6
        Samples per prompt and setting.
    max_new_tokens : int, default 20
        New tokens per sample.
    seed : int, default 0
        The sampling seed, the same for every setting.
    n : int, default 2
        The n of distinct-n.

    Returns
    -------
    dict of str to dict
        For each setting, ``{"distinct-2": ..., "log-prob": ...}`` (``distinct-n`` for another
        ``n``), each an array with one value per prompt: the share of distinct n-grams among
        the new tokens of that prompt's samples (:func:`~stepbytoken.evaluation.distinct_n`),
        and the mean log-probability per new token under the unmodified model, in nats.

    Raises
    ------
    ValueError
        If there is no prompt, a prompt is empty, or the prompts differ in length.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 2] * 5 + [0, 2, 1])
    >>> scores = compare_decoders(model, [[0], [1]], {"greedy": {"greedy": True}, "T = 1": {}},
    ...                           n_samples=4, max_new_tokens=6)
    >>> scores["T = 1"]["distinct-2"].shape
    (2,)
    >>> bool((scores["greedy"]["distinct-2"] < scores["T = 1"]["distinct-2"]).all())
    True

    Introduced in chapter 7.
    """
    check_language_model(model)
    n_samples = check_int("n_samples", n_samples, minimum=1)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    prompts = [list(p) for p in prompts]
    if not prompts or not prompts[0]:
        raise ValueError(
            "prompts must hold at least one prompt of at least one token id"
        )
    start = len(prompts[0])
    if any(len(p) != start for p in prompts):
        lengths = sorted({len(p) for p in prompts})
        raise ValueError(
            f"prompts must all have the same length to share a batch, got {lengths}"
        )
    k = len(prompts)
    unique = torch.tensor(prompts)  # (k, start)
    batch = unique.repeat_interleave(n_samples, dim=0)  # (k * n_samples, start)
    results = {}
    for name, options in settings.items():
        if options.get("greedy"):  # always the same text: decode each prompt once
            out = generate(model, unique, max_new_tokens, **options)
            out = out.repeat_interleave(n_samples, dim=0)
        else:
            out = generate(model, batch, max_new_tokens, seed=seed, **options)
        new = out[:, start:].view(k, n_samples, max_new_tokens)  # (k, n_samples, new)
        log_probs = token_log_probs(model, out)[:, start - 1 :]  # (k * n_samples, new)
        results[name] = {
            f"distinct-{n}": np.array([distinct_n(new[i], n) for i in range(k)]),
            "log-prob": log_probs.reshape(k, -1).mean(dim=1).numpy().astype(float),
        }
    return results


def mean_and_error(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """The mean of ``values`` and its standard error (sample standard deviation / sqrt(n)).

    Parameters
    ----------
    values : sequence of float
        At least two numbers, e.g. one score per prompt.

    Returns
    -------
    (float, float)
        The mean and its standard error.

    Raises
    ------
    ValueError
        If fewer than two values are given.

    Examples
    --------
    >>> mean_and_error([1.0, 2.0, 3.0])
    (2.0, 0.5773502691896258)

    Introduced in chapter 7.
    """
    if not (isinstance(values, np.ndarray) and values.ndim != 1):
        check_floats("values", values)
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"values must hold at least two numbers, got shape {x.shape}")
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def paired_difference(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, *, z: float = 2.0
) -> tuple[float, float, str]:
    """Compare two settings measured on the same items (prompts): ``a - b``, paired.

    The difference is taken item by item, so what all settings share (an easy prompt, a
    hard one) cancels out.

    Parameters
    ----------
    a, b : sequence of float
        One score per item for each setting, the items in the same order (at least two).
    z : float, default 2.0
        How many standard errors the mean difference must exceed to count (> 0); 2 is
        roughly a 95% interval.

    Returns
    -------
    (float, float, str)
        The mean difference, its standard error, and ``"higher"`` or ``"lower"`` (``a``
        against ``b``) when the difference is more than ``z`` standard errors from 0,
        ``"no different"`` otherwise.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` differ in length or hold fewer than two items.

    Examples
    --------
    >>> diff, error, verdict = paired_difference([0.5, 0.7, 0.9], [0.4, 0.6, 0.7])
    >>> round(diff, 3), round(error, 3), verdict
    (0.133, 0.033, 'higher')
    >>> paired_difference([0.5, 0.7], [0.6, 0.6])[2]
    'no different'

    Introduced in chapter 7.
    """
    for name, values in (("a", a), ("b", b)):
        if not (isinstance(values, np.ndarray) and values.ndim != 1):
            check_floats(name, values)
    z = check_float("z", z, minimum=0, open_minimum=True)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must score the same items, got shapes {a.shape} and {b.shape}"
        )
    mean, error = mean_and_error(a - b)
    if abs(mean) <= z * error:
        return mean, error, "no different"
    return mean, error, "higher" if mean > 0 else "lower"
