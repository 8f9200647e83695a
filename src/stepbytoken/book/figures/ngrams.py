"""Chapter 1's figures: training against a baseline, perplexities, and next-word widgets.

Introduced in chapter 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import plotly.graph_objects as go
import torch
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import (
    check_float,
    check_instance,
    check_int,
    check_mapping,
    check_str,
    check_strings,
)
from stepbytoken.generation import GenerationStep
from stepbytoken.nn import NGramModel
from stepbytoken.text import split_words
from stepbytoken.tokenizers import WordVocab
from stepbytoken.training import TrainResult


def plot_loss_curves(
    result: TrainResult,
    *,
    baseline: float | None = None,
    baseline_label: str = "",
    y_range: tuple[float, float] | None = None,
    height: int = 360,
) -> go.Figure:
    """Training and held-out loss of a run, with an optional dashed baseline.

    Parameters
    ----------
    result
        What :func:`stepbytoken.training.train` measured.
    baseline
        A loss to draw as a dashed horizontal line (e.g. another model's), or None.
    baseline_label
        The line's annotation.
    y_range
        The loss axis range, or None to fit the data.
    height
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    TypeError
        If ``result`` is not a ``TrainResult``.

    Examples
    --------
    >>> from stepbytoken.training import TrainConfig, TrainResult
    >>> run = TrainResult(TrainConfig(), steps=[0, 1], train_loss=[5.0, 4.0])
    >>> [trace.name for trace in plot_loss_curves(run, baseline=4.5).data]
    ['training batch', 'held-out']

    Introduced in chapter 1.
    """
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult, got {type(result).__name__}")
    check_str("baseline_label", baseline_label)
    height = check_int("height", height, minimum=1)
    fig = go.Figure()
    fig.add_scatter(
        x=result.steps, y=result.train_loss, name="training batch", opacity=0.5
    )
    fig.add_scatter(
        x=result.eval_steps,
        y=result.eval_val_loss,
        name="held-out",
        mode="lines+markers",
    )
    if baseline is not None:
        check_float("baseline", baseline)
        fig.add_hline(y=baseline, line_dash="dash", annotation_text=baseline_label)
    axes: dict[str, Any] = {
        "xaxis_title": "training step",
        "yaxis_title": "loss (nats per token)",
    }
    if y_range is not None:
        axes["yaxis_range"] = list(y_range)
    fig.update_layout(**plotly_layout(height=height, **axes))
    return fig


def plot_perplexities(
    counted: Mapping[str, float], neural: Mapping[str, float]
) -> Figure:
    """Horizontal bars of held-out perplexity, log scale, each bar labelled with its value.

    The first counting model (the context-free baseline) is grey, the other counting models
    blue, and the ``neural`` entries take the next colours of the book's palette.

    Parameters
    ----------
    counted
        Perplexity of each counting (n-gram) model, baseline first.
    neural
        Perplexity of each other model (at most six).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``counted`` is empty, ``neural`` has more than six entries, or a value is not > 0.

    Examples
    --------
    >>> fig = plot_perplexities({"unigram": 344.0, "bigram": 110.0}, {"neural": 107.0})
    >>> [round(bar.get_width()) for bar in fig.axes[0].patches]
    [344, 110, 107]

    Introduced in chapter 1.
    """
    if not counted:
        raise ValueError("counted needs at least one model")
    if len(neural) > len(PALETTE) - 1:
        raise ValueError(
            f"neural can have at most {len(PALETTE) - 1} models, got {len(neural)}"
        )
    scores = {**counted, **neural}
    for name, value in scores.items():
        check_float(f"perplexity of {name!r}", value, minimum=0, open_minimum=True)
    colours = (
        ["#999999"]
        + [PALETTE[0]] * (len(counted) - 1)
        + list(PALETTE[1 : 1 + len(neural)])
    )
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.barh(list(scores), list(scores.values()), color=colours)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("held-out perplexity (log scale)")
    for y, value in enumerate(scores.values()):
        ax.text(value * 1.03, y, f"{value:.0f}", va="center")
    left, right = ax.get_xlim()
    ax.set_xlim(left, right * 1.5)  # room for the largest value's label
    return fig


def generation_widget(
    runs: Mapping[str, Sequence[GenerationStep]], itos: Sequence[str], prompt: str
) -> InteractiveFigure:
    """A widget that steps through generations, showing the top tokens offered at each step.

    Parameters
    ----------
    runs
        Model name -> the steps :func:`stepbytoken.generation.generation_steps` recorded.
    itos
        The token string of each id.
    prompt
        The prompt the generations continue.

    Returns
    -------
    InteractiveFigure

    Examples
    --------
    >>> from stepbytoken.generation import generation_steps
    >>> unigram = NGramModel(1, 3, smoothing="add-k", k=1.0).fit([0, 1, 2])
    >>> steps = generation_steps(unigram, [0], 2, seed=0, top=2)
    >>> 'data-sbt-widget="generation"' in generation_widget({"u": steps}, ["a", "b", "c"], "a").html
    True

    Introduced in chapter 1.
    """
    check_mapping("runs", runs)
    itos = check_strings("itos", itos)
    check_str("prompt", prompt)
    data = {
        "title": "Step through a generation",
        "prompt": prompt,
        "models": list(runs),
        "runs": {
            name: [
                {
                    "chosen": itos[s.token],
                    "top": [
                        [itos[i], round(p, 4)]
                        for i, p in zip(s.top_ids, s.top_probs, strict=True)
                    ],
                }
                for s in steps
            ]
            for name, steps in runs.items()
        },
    }
    return widget(
        "generation",
        data,
        label="Step-by-step generation with the distribution at every step",
    )


def top_next_words(
    model: NGramModel | Callable[..., Any],
    ids: Sequence[int],
    itos: Sequence[str],
    k: int = 10,
) -> list[list[Any]]:
    """The ``k`` most likely next tokens after ``ids``, as ``[token, probability]`` pairs.

    Parameters
    ----------
    model
        An :class:`~stepbytoken.nn.NGramModel`, or a network that maps ids (1, T) to
        ``(logits, loss)``.
    ids
        The context, as token ids.
    itos
        The token string of each id.
    k
        How many tokens to list (int >= 1).

    Returns
    -------
    list of [str, float]
        Most likely first; probabilities rounded to 4 decimals.

    Examples
    --------
    >>> model = NGramModel(1, 3, smoothing="add-k", k=1.0).fit([0, 1, 1, 2, 1])
    >>> top_next_words(model, [0], ["a", "b", "c"], k=2)
    [['b', 0.5], ['a', 0.25]]

    Introduced in chapter 1.
    """
    k = check_int("k", k, minimum=1)
    if isinstance(model, NGramModel):
        probs = torch.from_numpy(model.next_token_probs(ids))
    else:
        with torch.no_grad():
            probs = torch.softmax(model(torch.tensor([list(ids)]))[0][0, -1], dim=-1)
    top = torch.topk(probs, k)
    return [
        [itos[i], round(p, 4)]
        for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
    ]


def next_token_widget(
    models: Mapping[str, Any], vocab: WordVocab, prefixes: Sequence[str], k: int = 10
) -> InteractiveFigure:
    """A widget that shows each model's ``k`` most likely next words after chosen prefixes.

    Parameters
    ----------
    models
        Name -> model, each as :func:`top_next_words` accepts.
    vocab
        The word vocabulary, with a ``<s>`` token.
    prefixes
        Texts to continue; ``"<s>"`` stands for the start of a paragraph.
    k
        How many next words to show (int >= 1).

    Returns
    -------
    InteractiveFigure

    Examples
    --------
    >>> vocab = WordVocab.from_words(["a", "b", "a"])
    >>> model = NGramModel(1, len(vocab), smoothing="add-k", k=1.0).fit([0, 2, 3, 2])
    >>> figure = next_token_widget({"unigram": model}, vocab, ["a", "<s>"], k=2)
    >>> 'data-sbt-widget="next-token"' in figure.html
    True

    Introduced in chapter 1.
    """
    check_mapping("models", models)
    check_instance("vocab", vocab, WordVocab)
    prefixes = check_strings("prefixes", prefixes)
    k = check_int("k", k, minimum=1)
    dists = []
    for prefix in prefixes:
        ids = [vocab.bos_id]
        if prefix != "<s>":
            ids += vocab.encode(split_words(prefix))
        dists.append(
            {
                "text": prefix,
                "dists": {
                    name: top_next_words(m, ids, vocab.itos, k)
                    for name, m in models.items()
                },
            }
        )
    data = {"title": "Next-token explorer", "models": list(models), "prefixes": dists}
    label = "Next-token probabilities for a chosen prefix and model"
    return widget("next-token", data, label=label)
