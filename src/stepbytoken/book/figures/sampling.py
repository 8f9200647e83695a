"""Chapter 7's figures: repeats, temperature, nucleus sizes, the decoders' trade-off, the widget.

Introduced in chapter 7.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.checks import (
    check_float,
    check_floats,
    check_int,
    check_mapping,
    check_strings,
)
from stepbytoken.evaluation import next_token_logits
from stepbytoken.evaluation.decoding import mean_and_error
from stepbytoken.nn import LanguageModel
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

__all__ = [
    "DECODER_FAMILIES",
    "LABEL_OFFSETS",
    "plot_copy_probabilities",
    "plot_decoder_tradeoff",
    "plot_nucleus_sizes",
    "plot_temperature_sweep",
    "sampling_widget",
    "sampling_widget_prompts",
]

#: Settings of :func:`plot_decoder_tradeoff` joined by a line, sharpest first, with a colour
#: and a marker per family. Top-p ends at ``T = 1``, which is top-p with ``p = 1``.
DECODER_FAMILIES: dict[str, tuple[list[str], str, str]] = {
    "top-p": (["top-p = 0.5", "top-p = 0.9", "T = 1"], "#009E73", "s"),
    "top-k": (["top-k = 20"], "#E69F00", "D"),
    "greedy": (["greedy"], "#D55E00", "^"),
    "temperature": (["T = 0.5", "T = 0.8", "T = 1", "T = 1.5"], "#0072B2", "o"),
}

#: Where each setting's label sits next to its point, in points (others: ``(5, 3)``).
LABEL_OFFSETS: dict[str, tuple[int, int]] = {
    "greedy": (-42, 4),
    "T = 0.5": (8, 2),
    "T = 0.8": (-10, 14),
    "T = 1": (-40, 8),
    "T = 1.5": (6, 6),
    "top-p = 0.5": (8, -10),
    "top-p = 0.9": (10, 4),
    "top-k = 20": (-58, -16),
}


def plot_copy_probabilities(copy_prob: Mapping[str, Sequence[float]]) -> Figure:
    """How likely the model finds each copy of a repeated phrase, one line per phrase.

    Parameters
    ----------
    copy_prob : mapping of str to sequence of float
        For each phrase, the probability per token of its copies
        (:func:`~stepbytoken.evaluation.copy_probabilities`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_copy_probabilities({" A cat.": [0.1, 0.5, 0.6]})
    >>> fig.axes[0].lines[0].get_xdata().tolist(), fig.axes[0].get_yscale()
    ([1, 2, 3], 'log')

    Introduced in chapter 7.
    """
    check_mapping("copy_prob", copy_prob)
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for phrase, values in copy_prob.items():
        # a new line shown as a space
        label = "\u201c" + " ".join(phrase.split()) + "\u201d"
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("copy number k")
    ax.set_ylabel("probability per token")
    # under the axes
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=1)
    return fig


def plot_temperature_sweep(
    temperatures: Sequence[float],
    choices: Mapping[str, Sequence[float]],
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """The effective number of choices against temperature, one line per prompt (log-log).

    Parameters
    ----------
    temperatures : sequence of float
        The temperatures, shared by every line.
    choices : mapping of str to sequence of float
        For each prompt, the effective number of choices at each temperature.
    labels : mapping of str to str, optional
        A legend label for each prompt (default: the prompt itself).

    Returns
    -------
    matplotlib.figure.Figure
        A dashed line marks ``T = 1``.

    Raises
    ------
    ValueError
        If a line's length differs from that of ``temperatures``.

    Examples
    --------
    >>> fig = plot_temperature_sweep([0.5, 1.0, 2.0], {"Hi": [1.0, 3.0, 9.0]}, {"Hi": "a greeting"})
    >>> fig.axes[0].lines[0].get_label()
    'a greeting'

    Introduced in chapter 7.
    """
    temps = check_floats("temperatures", temperatures, min_size=1)
    if min(temps) <= 0:
        raise ValueError(f"temperatures must all be > 0 (a log axis), got {temps}")
    check_mapping("choices", choices)
    labels = {} if labels is None else check_mapping("labels", labels)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for text, row in choices.items():
        if len(row) != len(temperatures):
            raise ValueError(
                f"{text!r} has {len(row)} values for {len(temperatures)} temperatures"
            )
        ax.plot(temperatures, row, label=labels.get(text, text))
    ax.axvline(1.0, color="#666666", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("temperature T (log scale)")
    ax.set_ylabel("effective number of choices")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_nucleus_sizes(nucleus: np.ndarray, *, p: float = 0.9) -> Figure:
    """A histogram, on log-spaced bins, of how many tokens the nucleus kept at each position.

    Parameters
    ----------
    nucleus : numpy.ndarray
        The number of tokens kept at each position (ints >= 1).
    p : float, default 0.9
        The top-p that was used (for the axis label).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``nucleus`` is empty or holds a count below 1.

    Examples
    --------
    >>> fig = plot_nucleus_sizes(np.array([1, 1, 1, 2, 30]))
    >>> int(sum(patch.get_height() for patch in fig.axes[0].patches))
    5

    Introduced in chapter 7.
    """
    nucleus = np.asarray(nucleus)
    if nucleus.size == 0 or nucleus.min() < 1:
        raise ValueError("nucleus must hold one count >= 1 per position")
    check_float("p", p, minimum=0, maximum=1, open_minimum=True)
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    bins = np.unique(np.geomspace(1, nucleus.max() + 1, 25).astype(int))
    ax.hist(nucleus, bins=bins, color="#0072B2")
    ax.set_xscale("log")
    ax.set_xlabel(f"tokens in the nucleus (p = {p}, log scale)")
    ax.set_ylabel("positions")
    return fig


def _centre_and_bar(values: float | Sequence[float], z: float) -> tuple[float, float]:
    """A score's mean and the half-width of its error bar (``z`` standard errors; 0 for one)."""
    x = np.atleast_1d(np.asarray(values, dtype=float))
    if x.size < 2:
        return float(x.mean()), 0.0
    mean, error = mean_and_error(x)
    return mean, z * error


def plot_decoder_tradeoff(
    results: Mapping[str, Mapping[str, float | Sequence[float]]],
    real_log_prob: float,
    *,
    left: float = -1.0,
    z: float = 2.0,
) -> Figure:
    """Diversity against likelihood for each decoder setting, with real text for comparison.

    Settings named in :data:`DECODER_FAMILIES` are joined by their family's line; any other
    setting is drawn as a labelled point. A score given per prompt is drawn at its mean,
    with an error bar of ``z`` standard errors over the prompts each way.

    Parameters
    ----------
    results : mapping of str to dict
        For each setting, ``{"distinct-2": ..., "log-prob": ...}``, each one number or one
        per prompt (:func:`~stepbytoken.evaluation.compare_decoders`).
    real_log_prob : float
        Mean log-probability per token of real text, drawn as a dashed line.
    left : float, default -1.0
        The x-axis starts here; a setting further left is drawn at this edge, its label
        giving its value.
    z : float, default 2.0
        Half-width of the error bars, in standard errors (> 0).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> results = {"greedy": {"distinct-2": [0.1, 0.1], "log-prob": [-0.3, -0.5]},
    ...            "T = 1.5": {"distinct-2": [0.8, 0.9], "log-prob": [-2.0, -2.2]}}
    >>> fig = plot_decoder_tradeoff(results, -0.9)
    >>> [text.get_text() for text in fig.axes[0].texts][:2]
    ['greedy', '← T = 1.5 (-2.10)']

    Introduced in chapter 7.
    """
    real_log_prob = check_float("real_log_prob", real_log_prob)
    left = check_float("left", left, maximum=0)
    z = check_float("z", z, minimum=0, open_minimum=True)
    points = {
        name: (_centre_and_bar(r["log-prob"], z), _centre_and_bar(r["distinct-2"], z))
        for name, r in results.items()
    }  # name -> ((x, x error), (y, y error))
    fig, ax = plt.subplots(figsize=(7.2, 4.0), layout="constrained")
    for family, (names, colour, marker) in DECODER_FAMILIES.items():
        names = [n for n in names if n in results]
        if not names:
            continue
        xs = [max(points[n][0][0], left) for n in names]
        ys = [points[n][1][0] for n in names]
        own = [
            i for i, n in enumerate(names) if family == "temperature" or n != "T = 1"
        ]
        ax.plot(
            xs,
            ys,
            color=colour,
            marker=marker,
            markevery=own,
            linewidth=1,
            label=family,
        )
        for i in own:
            (x, x_err), (y, y_err) = points[names[i]]
            if x >= left:
                ax.errorbar(
                    x, y, xerr=x_err, yerr=y_err, color=colour, linewidth=1, capsize=2
                )
    # Labels of the settings that crowd together (all but the far left and the lowest ones)
    # go in two rows above them (right of the far-left label), in the order of their points,
    # each with a thin line to its point.
    crowded = sorted(
        (x, name) for name, ((x, _), (y, _)) in points.items() if x >= left and y >= 0.3
    )
    band = max([points[n][1][0] for _, n in crowded] + [0.0]) + 0.12
    for name, ((x_mean, _), (y, _)) in points.items():
        x = max(x_mean, left)
        label = name if x == x_mean else f"\u2190 {name} ({x_mean:.2f})"
        if (x_mean, name) in crowded:
            k = crowded.index((x_mean, name))
            ax.annotate(
                label,
                (x, y),
                xytext=(0.3 + 0.65 * (k + 0.5) / len(crowded), band + 0.1 * (k % 2)),
                textcoords=("axes fraction", "data"),
                ha="center",
                fontsize=9,
                arrowprops=dict(arrowstyle="-", color="#888888", linewidth=0.6),
            )
            continue
        ax.annotate(
            label,
            (x, y),
            textcoords="offset points",
            xytext=LABEL_OFFSETS.get(name, (5, 3)),
            fontsize=9,
        )
    right = max(x + err for (x, err), _ in points.values())
    ax.axvline(real_log_prob, color="#666666", linestyle="--", linewidth=1)
    ax.text(real_log_prob, 0.03, " real text", fontsize=9, color="#444444")
    ax.set_xlim(left - 0.02, max(right, real_log_prob) + 0.05)
    ax.set_ylim(0, max(1.0, band + 0.2))
    ax.set_xlabel("mean log-probability per token under the model (nats)")
    ax.set_ylabel("distinct-2 of a prompt's samples")
    # beside the axes, off the data
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def sampling_widget_prompts(
    model: LanguageModel,
    tokenizer: BPETokenizer,
    texts: Sequence[str],
    *,
    top: int = 60,
) -> list[dict[str, Any]]:
    """The data of the sampling widget: each prompt's ``top`` most likely next tokens.

    Parameters
    ----------
    model : LanguageModel
        The model.
    tokenizer : BPETokenizer
        Its tokenizer.
    texts : sequence of str
        The prompts; a leading ``"<|endoftext|>\\n"`` is shown as ``"(new document) "``.
    top : int, default 60
        Tokens kept per prompt, most likely first (ties to the lower id).

    Returns
    -------
    list of dict
        Per prompt: ``text``, ``tokens`` (their strings), ``logits`` (rounded to 4 decimals)
        and ``mass`` (the probability those tokens hold together).

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ref = load_reference()
    >>> [entry] = sampling_widget_prompts(ref.model, ref.tokenizer, ["One day"], top=5)
    >>> len(entry["tokens"]), 0 < entry["mass"] <= 1
    (5, True)

    Introduced in chapter 7.
    """
    texts = check_strings("texts", texts)
    top = check_int("top", top, minimum=1)
    entries = []
    for text in texts:
        logits = next_token_logits(model, tokenizer, text)
        if top > logits.numel():
            raise ValueError(
                f"top must be an int in [1, {logits.numel()}] (the vocabulary size), got {top}"
            )
        best = torch.topk(logits, top)  # most likely first; ties to the lower id
        entries.append(
            {
                "text": text.replace(f"{DOC_SEPARATOR}\n", "(new document) "),
                "tokens": [tokenizer.token_str(i) for i in best.indices.tolist()],
                "logits": [round(z, 4) for z in best.values.tolist()],
                "mass": torch.softmax(logits, dim=-1)[best.indices].sum().item(),
            }
        )
    return entries


#: The keys of each prompt entry that :func:`sampling_widget` needs.
_PROMPT_KEYS = ("text", "tokens", "logits", "mass")


def sampling_widget(
    prompts: list[dict[str, Any]], *, shown: int = 15
) -> InteractiveFigure:
    """The widget that recomputes temperature, top-k and top-p in the reader's browser.

    Parameters
    ----------
    prompts : list of dict
        From :func:`sampling_widget_prompts`.
    shown : int, default 15
        Bars drawn per prompt.

    Returns
    -------
    InteractiveFigure

    Examples
    --------
    >>> figure = sampling_widget([{"text": "Hi", "tokens": ["!"], "logits": [1.0], "mass": 1.0}])
    >>> 'data-sbt-widget="sampling"' in figure.html
    True

    Introduced in chapter 7.
    """
    if isinstance(prompts, (str, bytes)) or not isinstance(prompts, Sequence):
        raise TypeError(
            "prompts must be a list of dicts (from sampling_widget_prompts), "
            f"got {type(prompts).__name__}"
        )
    for i, entry in enumerate(prompts):
        check_mapping(f"prompts[{i}]", entry)
        missing = [key for key in _PROMPT_KEYS if key not in entry]
        if missing:
            raise ValueError(
                f"prompts[{i}] must have the keys {list(_PROMPT_KEYS)}, lacks {missing}"
            )
    shown = check_int("shown", shown, minimum=1)
    title = "Temperature, top-k and top-p on the reference model"
    return widget(
        "sampling",
        {"title": title, "shown": shown, "prompts": prompts},
        label="Temperature, top-k and top-p on the reference model's next token",
    )
