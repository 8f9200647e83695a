"""The live figures of chapters 1 and 7: the reference model runs in the reader's browser.

Each builder returns a widget whose data names the shipped weights the page loads
(:func:`~stepbytoken.book.live.live_model_spec`) and holds a default state computed here with
the package, so the figure reads correctly before the model has loaded, and in a notebook.
The browser side is ``widget-live-next-token.js`` and ``widget-live-sampler.js`` on ``gpt.js``.

Introduced in chapter 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec
from stepbytoken.checks import check_float, check_int, check_str
from stepbytoken.generation import next_token_distribution
from stepbytoken.nn.interface import LanguageModel, check_language_model, eval_mode
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "live_next_token_widget",
    "live_sampler_widget",
    "next_token_state",
    "sampler_state",
]

# arithmetic on 32-bit unsigned ints, as JavaScript's bitwise operators
_MASK = 0xFFFFFFFF


#: Configuration fields that must agree between the model given and the weights the page loads.
def _prompt_ids(
    model: LanguageModel, tokenizer: BPETokenizer, prompt: str
) -> dict[str, Any]:
    """Check ``prompt`` and return its ids, windowed to the model's ``block_size``."""
    check_language_model(model)
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    prompt = check_str("prompt", prompt)
    if not prompt.strip():
        raise ValueError("prompt must hold some text, not only whitespace")
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(
            f"prompt must be valid Unicode text (UTF-8 encodable), got {prompt!r} ({err.reason})"
        ) from None
    ids = tokenizer.encode(prompt)
    block_size = model.block_size
    window = ids if block_size is None else ids[-block_size:]
    return {
        "prompt": prompt,
        "n_tokens": len(ids),
        "windowed": len(window) < len(ids),
        "ids": window,
    }


def _last_logits(model: LanguageModel, ids: list[int]) -> torch.Tensor:
    """The model's logits ``(vocab_size,)`` for the token after ``ids``."""
    with eval_mode(model), torch.no_grad():
        logits, _ = model(torch.tensor([ids]))  # (1, T) -> (1, T, vocab_size)
    return logits[0, -1].double()


def _rows(
    tokenizer: BPETokenizer, probs: torch.Tensor, top: int
) -> list[dict[str, Any]]:
    """The ``top`` most likely tokens of ``probs``, most likely first (ties: lower id)."""
    order = torch.sort(probs, descending=True, stable=True).indices[:top]
    return [
        {"id": i, "token": tokenizer.token_str(i), "prob": float(probs[i])}
        for i in order.tolist()
    ]


def _browser_rng(seed: int) -> Callable[[], float]:
    """The seeded generator of ``gpt.js`` (``sbtGPT.rng``, mulberry32): floats in [0, 1).

    The widget's first sample is drawn here with the page's generator, so that the text the
    book shows equals what the reader's browser draws from the same seed.

    >>> rand = _browser_rng(0)
    >>> [round(rand(), 6) for _ in range(3)]  # as sbtGPT.rng(0) in Node
    [0.266429, 0.00033, 0.223272]
    """
    state = seed & _MASK

    def rand() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & _MASK
        t = ((state ^ (state >> 15)) * (1 | state)) & _MASK
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & _MASK)) & _MASK) ^ t
        return (t ^ (t >> 14)) / 4294967296

    return rand


def _browser_sample(probs: torch.Tensor, rand: Callable[[], float]) -> int:
    """Draw an id as ``sbtGPT.sample`` does: one number, the cumulative sum in id order."""
    probs = probs.tolist()
    u = rand() * sum(probs)
    total, last = 0.0, 0
    for i, p in enumerate(probs):
        if p > 0:
            total += p
            last = i
            if u < total:
                return i
    return last


def next_token_state(
    model: LanguageModel, tokenizer: BPETokenizer, prompt: str, *, top: int = 10
) -> dict[str, Any]:
    """The next-token distribution after ``prompt``, as the live widget of chapter 1 shows it.

    Parameters
    ----------
    model : LanguageModel
        The model (e.g. the reference GPT); it reads the last ``block_size`` tokens.
    tokenizer : BPETokenizer
        Its tokenizer (special tokens such as ``"<|endoftext|>"`` are recognised).
    prompt : str
        The text so far; not empty, not only whitespace.
    top : int, default 10
        How many tokens to list.

    Returns
    -------
    dict
        ``prompt``, ``n_tokens`` (of the whole prompt), ``windowed`` (True if only the last
        ``block_size`` tokens were read), ``ids`` (the ids read) and ``top``: a list of
        ``{"id", "token", "prob"}``, most likely first, ``prob`` the softmax of the logits.

    Raises
    ------
    TypeError, ValueError
        For a model that does not follow the interface, an empty prompt or a bad ``top``.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> state = next_token_state(ref.model, ref.tokenizer, "One day", top=3)
    >>> len(state["top"]), state["windowed"], 0 < state["top"][0]["prob"] <= 1
    (3, False, True)

    Introduced in chapter 1.
    """
    top = check_int("top", top, minimum=1)
    state = _prompt_ids(model, tokenizer, prompt)
    probs = torch.softmax(_last_logits(model, state["ids"]), dim=-1)
    return {**state, "top": _rows(tokenizer, probs, top)}


def sampler_state(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    prompt: str,
    *,
    temperature: float = 0.8,
    top_k: int | None = 40,
    top_p: float | None = 0.95,
    seed: int = 0,
    n_tokens: int = 40,
    top: int = 10,
) -> dict[str, Any]:
    """The sampler's filtered next-token distribution after ``prompt`` and one sample.

    Parameters
    ----------
    model : LanguageModel
        The model; it reads the last ``block_size`` tokens.
    tokenizer : BPETokenizer
        Its tokenizer.
    prompt : str
        The text so far; not empty, not only whitespace.
    temperature, top_k, top_p : float, int or None, float or None
        The sampler's settings, ``top_k`` at most ``vocab_size`` (see
        :func:`~stepbytoken.generation.next_token_distribution`).
    seed : int, default 0
        Seed of the sample, drawn with the generator of ``gpt.js`` (mulberry32) so that the
        reader's browser draws the same tokens from the same seed.
    n_tokens : int, default 40
        Length of that sample, in tokens.
    top : int, default 10
        How many tokens of the filtered distribution to list.

    Returns
    -------
    dict
        What :func:`next_token_state` returns, with ``top`` listing the ``top`` most likely
        tokens with their filtered ``prob`` (0 if removed) and unfiltered ``raw``
        probability, plus the settings,
        ``kept`` (how many tokens survive the filters), ``vocab_size``, ``sample_ids`` (the
        ``n_tokens`` sampled tokens) and ``sample`` (their text).

    Raises
    ------
    TypeError, ValueError
        For bad settings, an empty prompt or a model that does not follow the interface.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> state = sampler_state(ref.model, ref.tokenizer, "One day", top_k=5, top_p=None, n_tokens=3)
    >>> state["kept"], abs(sum(row["prob"] for row in state["top"]) - 1) < 1e-9
    (5, True)

    Introduced in chapter 7.
    """
    top = check_int("top", top, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if top_k is not None:
        top_k = check_int(
            "top_k", top_k, minimum=1, maximum=check_language_model(model).vocab_size
        )
    n_tokens = check_int("n_tokens", n_tokens, minimum=1)
    temperature = check_float("temperature", temperature, minimum=0, open_minimum=True)
    state = _prompt_ids(model, tokenizer, prompt)
    logits = _last_logits(model, state["ids"])
    settings = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
    probs = next_token_distribution(logits, **settings)  # checks top_k and top_p
    raw = torch.softmax(logits, dim=-1)
    rows = _rows(tokenizer, raw, top)  # in the model's order, removed tokens included
    for row in rows:
        row["raw"], row["prob"] = row["prob"], float(probs[row["id"]])
    # The sample: model.generate of gpt.js, with the page's generator, so the browser draws
    # the same tokens from the same seed (their probabilities agree to about 1e-6).
    rand, ids, block_size = _browser_rng(seed), list(state["ids"]), model.block_size
    for _ in range(n_tokens):
        context = ids if block_size is None else ids[-block_size:]
        ids.append(
            _browser_sample(
                next_token_distribution(_last_logits(model, context), **settings), rand
            )
        )
    sample_ids = ids[len(state["ids"]) :]
    return {
        **state,
        **settings,
        "seed": seed,
        "n_tokens_sampled": n_tokens,
        "vocab_size": int(probs.numel()),
        "kept": int((probs > 0).sum()),
        "top": rows,
        "sample": tokenizer.decode(sample_ids),
        "sample_ids": sample_ids,
    }


def _model_spec(model: LanguageModel, name: str) -> dict[str, Any]:
    """The spec of the shipped weights ``name``, checked against ``model``'s configuration."""
    return shipped_spec(model, name=name)


def live_next_token_widget(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    prompt: str,
    *,
    top: int = 10,
    name: str = "reference",
) -> InteractiveFigure:
    """Chapter 1's live figure: type a prefix, see the next-token distribution, write on.

    The browser runs the shipped weights ``name`` on whatever the reader types; the figure
    first shows ``prompt``'s distribution, computed here with ``model``.

    Parameters
    ----------
    model : LanguageModel
        The model whose weights the page loads (its configuration is checked against them).
    tokenizer : BPETokenizer
        Its tokenizer.
    prompt : str
        The text shown at first.
    top : int, default 10
        How many tokens the bars show.
    name : str, default "reference"
        The shipped weights (:data:`~stepbytoken.book.live.LIVE_MODELS`).

    Returns
    -------
    InteractiveFigure
        A ``live-next-token`` widget; its data holds ``model`` (the spec), ``top`` and
        ``default`` (:func:`next_token_state`).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, an unknown ``name``, or a model that does not match its weights.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> figure = live_next_token_widget(ref.model, ref.tokenizer, "One day")
    >>> 'data-sbt-widget="live-next-token"' in figure.html
    True

    Introduced in chapter 1.
    """
    default = next_token_state(model, tokenizer, prompt, top=top)
    data = {"model": _model_spec(model, name), "top": top, "default": default}
    return widget(
        "live-next-token", data, label="The reference model's next token, live"
    )


def live_sampler_widget(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    prompt: str,
    *,
    temperature: float = 0.8,
    top_k: int | None = 40,
    top_p: float | None = 0.95,
    seed: int = 0,
    n_tokens: int = 40,
    top: int = 10,
    name: str = "reference",
) -> InteractiveFigure:
    """Chapter 7's live figure: a prompt, temperature, top-k, top-p and a seed; sample on.

    Parameters
    ----------
    model : LanguageModel
        The model whose weights the page loads (its configuration is checked against them).
    tokenizer : BPETokenizer
        Its tokenizer.
    prompt : str
        The prompt shown at first.
    temperature, top_k, top_p, seed, n_tokens, top
        The settings shown at first (see :func:`sampler_state`).
    name : str, default "reference"
        The shipped weights (:data:`~stepbytoken.book.live.LIVE_MODELS`).

    Returns
    -------
    InteractiveFigure
        A ``live-sampler`` widget; its data holds ``model`` (the spec), ``top`` and
        ``default`` (:func:`sampler_state`).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, an unknown ``name``, or a model that does not match its weights.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> figure = live_sampler_widget(ref.model, ref.tokenizer, "One day", n_tokens=5)
    >>> 'data-sbt-widget="live-sampler"' in figure.html
    True

    Introduced in chapter 7.
    """
    default = sampler_state(
        model,
        tokenizer,
        prompt,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
        n_tokens=n_tokens,
        top=top,
    )
    data = {"model": _model_spec(model, name), "top": top, "default": default}
    return widget("live-sampler", data, label="Sampling from the reference model, live")
