"""Chapter 9's figures: recall against distance, loss by position, strategies, the window widget.

Introduced in chapter 9.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import check_int, check_mapping, check_str
from stepbytoken.evaluation.memory import recall
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.tokenizers.chat import chat_prompt, encode_chat
from stepbytoken.world.conversation import ChatExample

__all__ = [
    "plot_needle",
    "plot_position_loss",
    "plot_recall_by_distance",
    "plot_strategies",
    "window_steps",
    "window_widget",
]


def plot_recall_by_distance(
    curves: Mapping[str, Sequence[tuple[int, int, float]]],
    *,
    window: int,
    chance: float | None = None,
) -> Figure:
    """Share of facts recalled against their distance from the question, one line per model.

    Parameters
    ----------
    curves : mapping of str to list of (int, int, float)
        For each label, the bins of :func:`~stepbytoken.evaluation.memory.accuracy_by_distance`
        (largest distance in the bin, count, share correct).
    window : int
        The context window, drawn as a vertical line.
    chance : float, optional
        A share reached by guessing, drawn as a dotted line.

    Examples
    --------
    >>> fig = plot_recall_by_distance({"a": [(16, 4, 1.0), (32, 4, 0.5)]}, window=24)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [100.0, 50.0]

    Introduced in chapter 9.
    """
    check_mapping("curves", curves, allow_empty=False)
    window = check_int("window", window, minimum=1)
    fig, ax = plt.subplots(figsize=(7.0, 3.4), layout="constrained")
    for i, (label, bins) in enumerate(curves.items()):
        ax.plot(
            [edge for edge, _, _ in bins],
            [100 * share for _, _, share in bins],
            marker="o",
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.axvline(window, color="#666666", linestyle="--", linewidth=1)
    ax.text(window, 102, f" window: {window} tokens", fontsize=9, color="#444444")
    if chance is not None:
        ax.axhline(100 * chance, color="#888888", linestyle=":", linewidth=1)
        ax.text(0, 100 * chance + 2, "chance", fontsize=9, color="#444444")
    ax.set_ylim(0, 110)
    ax.set_xlabel("distance from the fact to the end of the prompt (tokens, bin's end)")
    ax.set_ylabel("facts recalled (%)")
    ax.legend(loc="upper right")
    return fig


def plot_position_loss(losses: torch.Tensor) -> Figure:
    """The mean next-token loss at each position of a window.

    Examples
    --------
    >>> fig = plot_position_loss(torch.tensor([3.0, 1.0, 0.5]))
    >>> fig.axes[0].lines[0].get_xdata().tolist()
    [0, 1, 2]

    Introduced in chapter 9.
    """
    if not isinstance(losses, torch.Tensor) or losses.dim() != 1 or not len(losses):
        raise TypeError(
            "losses must be a non-empty 1-D tensor (loss_by_position's result)"
        )
    fig, ax = plt.subplots(figsize=(6.4, 3.0), layout="constrained")
    ax.plot(range(len(losses)), losses.tolist(), color=PALETTE[0])
    ax.set_yscale("log")
    ax.set_xlabel("position in the window (tokens read before it, minus 1)")
    ax.set_ylabel("mean loss (nats, log scale)")
    return fig


def plot_strategies(results: Mapping[str, Mapping[str, float]]) -> Figure:
    """Per strategy, the share of facts recalled and of latest questions answered.

    Parameters
    ----------
    results : mapping
        For each strategy, ``{"recall": share, "latest": share, ...}``.

    Examples
    --------
    >>> fig = plot_strategies({"truncate": {"recall": 0.1, "latest": 0.8}})
    >>> [round(p.get_width()) for p in fig.axes[0].patches]
    [10, 80]

    Introduced in chapter 9.
    """
    check_mapping("results", results, allow_empty=False)
    names = list(results)
    fig, ax = plt.subplots(figsize=(6.8, 3.0), layout="constrained")
    y = np.arange(len(names))
    for i, (key, label) in enumerate(
        (("recall", "early fact recalled"), ("latest", "latest question right"))
    ):
        ax.barh(
            y + (i - 0.5) * 0.38,
            [100 * results[n][key] for n in names],
            0.38,
            label=label,
            color=PALETTE[i],
        )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("conversations (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_needle(
    needle: Mapping[str, Sequence[Mapping[str, float]]], *, key: str
) -> Figure:
    """Accuracy by the position of the asked person in a passage, one line per passage size.

    Parameters
    ----------
    needle : mapping
        For each number of other people (as a string), one row per position with
        ``position`` and the share correct under ``key``.
    key : str
        Which share to draw (``"choice"`` or ``"generate"``).

    Examples
    --------
    >>> rows = [{"position": 0, "choice": 0.5}, {"position": 1, "choice": 0.25}]
    >>> fig = plot_needle({"1": rows}, key="choice")
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [50.0, 25.0]

    Introduced in chapter 9.
    """
    check_mapping("needle", needle, allow_empty=False)
    check_str("key", key, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.4, 3.0), layout="constrained")
    for i, (others, rows) in enumerate(needle.items()):
        ax.plot(
            [row["position"] + 1 for row in rows],
            [100 * row[key] for row in rows],
            marker="o",
            color=PALETTE[i % len(PALETTE)],
            label=f"{int(others) + 1} people in the passage",
        )
    ax.set_ylim(0, 100)
    ax.set_xlabel("place of the asked person in the passage (1 = first)")
    ax.set_ylabel("answered correctly (%)")
    ax.legend(loc="upper left")
    return fig


def window_steps(
    model: LanguageModel, tokenizer: BPETokenizer, example: ChatExample, *, window: int
) -> list[dict[str, Any]]:
    """A recall conversation growing exchange by exchange, with what the window holds.

    ``example`` is a recall conversation (:func:`~stepbytoken.world.recall_examples`): its
    prompt is exchanges of a user and an assistant message, then the question. At each step
    ``k``, the question is asked after the first ``k`` exchanges; the step records, for every
    message, its tokens and how many of them are inside the last ``window`` tokens of the
    prompt, and the model's greedy answer (:func:`~stepbytoken.evaluation.memory.recall`,
    which reads the last ``window`` tokens as generation does).

    Examples
    --------
    >>> from stepbytoken.recipes.memory import eval_conversations
    >>> from stepbytoken.recipes.sft import load_sft
    >>> sft = load_sft()
    >>> steps = window_steps(sft.model, sft.tokenizer, eval_conversations(1, 1)[0],
    ...                      window=128)
    >>> len(steps), steps[0]["messages"][0][2] == steps[0]["messages"][0][3]
    (2, True)

    Introduced in chapter 9.
    """
    check_language_model(model)
    window = check_int("window", window, minimum=1)
    if not isinstance(example, ChatExample):
        raise TypeError(f"example must be a ChatExample, got {type(example).__name__}")
    exchanges = example.prompt[:-1]
    if not exchanges or len(exchanges) % 2:
        raise ValueError(
            "example's prompt must be exchanges (a user and an assistant message each) "
            "followed by the question"
        )
    steps = []
    for k in range(2, len(exchanges) + 1, 2):
        chat = (*exchanges[:k], example.prompt[-1])
        ids = chat_prompt(tokenizer, chat)
        start = len(ids) - window  # tokens before it are outside the window
        ends = [
            len(encode_chat(tokenizer, chat[: i + 1]).token_ids)
            for i in range(len(chat))
        ]
        spans = []
        for m, begin, end in zip(chat, [1, *ends[:-1]], ends, strict=True):
            inside = max(0, end - max(begin, start))
            spans.append([m.role, m.content, end - begin, inside])
        (asked,) = recall(
            model,
            tokenizer,
            [dataclasses.replace(example, prompt=chat)],
            method="generate",
        )
        steps.append(
            {
                "messages": spans,
                "prompt_tokens": len(ids),
                "reply": asked.answer,
                "right": asked.correct,
            }
        )
    return steps


def window_widget(
    steps: Sequence[Mapping[str, Any]],
    *,
    window: int,
    fact: int = 0,
    live: Mapping[str, Any] | None = None,
) -> InteractiveFigure:
    """The widget of a conversation that grows while the window slides over it.

    Parameters
    ----------
    steps : sequence of dict
        :func:`window_steps`' result.
    window : int
        The window, in tokens (shown in the text).
    fact : int, default 0
        Index of the message that tells the fact (highlighted).
    live : dict, optional
        ``{"spec": live_model_spec("memory"), "max_new_tokens": 16}``
        (:func:`~stepbytoken.book.live.shipped_spec` of the model the steps ran): the reader
        asks a question of their own at the slider's point of the conversation, and the
        model answers in the browser as it answered the steps' question. Each step's
        ``reply`` is the answer shown until the reader asks.

    Examples
    --------
    >>> steps = [{"messages": [["user", "A.", 3, 3]], "prompt_tokens": 5, "reply": "B",
    ...           "right": True}]
    >>> 'data-sbt-widget="context-window"' in window_widget(steps, window=4).html
    True

    Introduced in chapter 9.
    """
    window = check_int("window", window, minimum=1)
    fact = check_int("fact", fact, minimum=0)
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence):
        raise TypeError(
            f"steps must be a list of window_steps' dicts, got {type(steps).__name__}"
        )
    if not steps:
        raise ValueError("steps must hold at least one step")
    for i, step in enumerate(steps):
        if not isinstance(step, Mapping) or "messages" not in step:
            raise TypeError(
                f"steps[{i}] must be a dict of window_steps, got {step!r:.60}"
            )
    data = {
        "title": "A conversation that grows while the window slides over it",
        "window": window,
        "fact": fact,
        "steps": list(steps),
    }
    if live is not None:
        data["live"] = check_mapping("live", live, allow_empty=False)
    return widget(
        "context-window", data, label="the context window over a conversation"
    )
