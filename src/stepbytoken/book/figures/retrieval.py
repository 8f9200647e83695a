"""Chapter 10's figures: chunk sizes, recall@k, answers with and without retrieval, the widget.

Introduced in chapter 10.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import check_mapping

__all__ = ["plot_answers", "plot_chunk_sizes", "plot_recall_at_k", "rag_widget"]


def plot_chunk_sizes(rows: Sequence[Mapping[str, float]]) -> Figure:
    """Recall@1 and recall@3 of a retriever against chunk size, with the chunks' length.

    Parameters
    ----------
    rows
        One dict per chunk size: ``size`` (sentences), ``recall@1``, ``recall@3`` (shares)
        and ``tokens`` (mean tokens per chunk).

    Examples
    --------
    >>> fig = plot_chunk_sizes([{"size": 1, "recall@1": 0.5, "recall@3": 0.7, "tokens": 9},
    ...                         {"size": 2, "recall@1": 0.6, "recall@3": 0.8, "tokens": 18}])
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [50.0, 60.0]

    Introduced in chapter 10.
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise TypeError("rows must be a non-empty list of dicts (size, recall@1, ...)")
    for row in rows:
        check_mapping("rows[i]", row, allow_empty=False)
    sizes = [r["size"] for r in rows]
    fig, ax = plt.subplots(figsize=(6.8, 3.2), layout="constrained")
    for i, key in enumerate(("recall@1", "recall@3")):
        ax.plot(
            sizes, [100 * r[key] for r in rows], marker="o", color=PALETTE[i], label=key
        )
    for r in rows:
        ax.annotate(
            f"{r['tokens']:.0f} tokens",
            (r["size"], 100 * r["recall@1"]),
            textcoords="offset points",
            xytext=(0, -14),
            ha="center",
            fontsize=8,
            color="#444444",
        )
    ax.set_xticks(sizes)
    ax.set_ylim(0, 105)
    ax.set_xlabel("sentences per chunk (label: mean tokens per chunk)")
    ax.set_ylabel("questions whose chunk is found (%)")
    ax.legend(loc="lower right")
    return fig


def plot_recall_at_k(curves: Mapping[str, Sequence[float]]) -> Figure:
    """Recall@k for k = 1, 2, ... for each retriever.

    Examples
    --------
    >>> fig = plot_recall_at_k({"BM25": [0.5, 0.7, 0.8]})
    >>> fig.axes[0].lines[0].get_xdata().tolist()
    [1, 2, 3]

    Introduced in chapter 10.
    """
    check_mapping("curves", curves, allow_empty=False)
    fig, ax = plt.subplots(figsize=(6.8, 3.2), layout="constrained")
    markers = "osd^v"
    for i, (label, values) in enumerate(curves.items()):
        ks = list(range(1, len(values) + 1))
        ax.plot(
            ks,
            [100 * v for v in values],
            marker=markers[i % len(markers)],
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.set_ylim(0, 105)
    ax.set_xlabel("k (chunks retrieved)")
    ax.set_ylabel("recall@k (%)")
    ax.legend(loc="lower right")
    return fig


def plot_answers(
    results: Mapping[str, Mapping[str, float]], labels: Mapping[str, str] | None = None
) -> Figure:
    """Share of questions answered right, per prompt condition, one bar per model.

    Parameters
    ----------
    results
        ``{condition: {model: share}}``, conditions top to bottom; a model missing from a
        condition (not measured there) gets no bar.
    labels
        Optional display names of the conditions.

    Examples
    --------
    >>> fig = plot_answers({"no retrieval": {"a": 0.0, "b": 0.1}, "BM25": {"a": 0.2, "b": 0.6}})
    >>> [round(p.get_width()) for p in fig.axes[0].patches]
    [0, 20, 10, 60]

    Introduced in chapter 10.
    """
    check_mapping("results", results, allow_empty=False)
    conditions = list(results)
    models = list(dict.fromkeys(m for row in results.values() for m in row))
    fig, ax = plt.subplots(
        figsize=(6.8, 0.5 + 0.55 * len(conditions)), layout="constrained"
    )
    y = np.arange(len(conditions))
    height = 0.8 / len(models)
    for i, model in enumerate(models):
        rows = [j for j, c in enumerate(conditions) if model in results[c]]
        values = [100 * results[conditions[j]][model] for j in rows]
        offset = (i - (len(models) - 1) / 2) * height
        ax.barh(
            y[rows] + offset,
            values,
            height,
            label=model,
            color=PALETTE[i % len(PALETTE)],
        )
    names = [labels.get(c, c) if labels else c for c in conditions]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("held-out questions answered right (%)")
    ax.legend(loc="lower right")
    return fig


def rag_widget(rows: Sequence[Mapping[str, Any]], *, k: int) -> InteractiveFigure:
    """The widget: pick a question and a retriever; see chunks, scores, prompt and answer.

    Parameters
    ----------
    rows
        One dict per question: ``question``, ``answer`` (the right word), and for each
        retriever key under ``"retrievers"``: ``hits`` (``[text, doc_id, score, answers]``
        lists, best first), ``prompt`` and ``reply`` (the reader's answer) and ``right``.
    k
        Chunks shown per retriever.

    Examples
    --------
    >>> row = {"question": "Q?", "answer": "A", "retrievers": {"BM25": {
    ...     "hits": [["A is it.", "D", 1.5, True]], "prompt": "Read this: ...",
    ...     "reply": "A.", "right": True}}}
    >>> 'data-sbt-widget="rag"' in rag_widget([row], k=1).html
    True

    Introduced in chapter 10.
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise TypeError(
            "rows must be a non-empty list of dicts (question, retrievers, ...)"
        )
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping) or "retrievers" not in row:
            raise TypeError(
                f"rows[{i}] must be a dict with 'retrievers', got {row!r:.60}"
            )
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    data = {
        "title": "Ask about a kingdom or person the model never read about",
        "k": k,
        "retrievers": list(next(iter(rows))["retrievers"]),
        "rows": list(rows),
    }
    return widget("rag", data, label="retrieval-augmented answers")
