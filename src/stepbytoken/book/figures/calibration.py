"""Chapter 13's figures: confidence known vs unknown, reliability diagrams, abstention curves.

Each function draws from plain lists (confidences, verdicts), such as the records of
:func:`~stepbytoken.recipes.calibration.load_calibration`; :func:`threshold_slider_data`
prepares the data of the threshold slider (coverage, accuracy and example answers per step).

Introduced in chapter 13.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import (
    check_floats,
    check_instance,
    check_int,
    check_mapping,
    check_str,
)
from stepbytoken.evaluation.calibration import (
    confidence_histogram,
    coverage_accuracy,
    expected_calibration_error,
    reliability_bins,
)
from stepbytoken.evaluation.confidence import (
    MAX_NEW_TOKENS,
    answer_pattern,
    answers_with_confidence,
    stop_ids,
    word_confidence,
)
from stepbytoken.recipes.sft import Assistant
from stepbytoken.tokenizers import chat_prompt, message_text
from stepbytoken.world.conversation import Message
from stepbytoken.world.facts import RELATIONS

__all__ = [
    "js_answer_patterns",
    "live_confidence_data",
    "plot_confidence_histograms",
    "plot_coverage_accuracy",
    "plot_reliability",
    "threshold_slider_data",
    "threshold_widget",
]


def _panels(n: int, height: float = 2.8) -> tuple[Figure, list]:
    fig, axes = plt.subplots(
        1, n, figsize=(2.6 * n + 0.6, height), layout="constrained", squeeze=False
    )
    return fig, list(axes[0])


def plot_confidence_histograms(
    groups: Mapping[str, Mapping[str, Sequence[float]]], *, n_bins: int = 10
) -> Figure:
    """Per model, the distribution of confidence for two sets of questions.

    Parameters
    ----------
    groups : mapping of str to mapping of str to list of float
        For each model (one panel), each set (e.g. ``"known"``, ``"unknown"``: one colour)
        the confidences of its answers.
    n_bins : int, default 10
        Equal-width bins on ``[0, 1]``.

    Examples
    --------
    >>> fig = plot_confidence_histograms({"base": {"known": [0.9, 0.95], "unknown": [0.3]}})
    >>> [round(p.get_height()) for p in fig.axes[0].patches if p.get_height()]
    [100, 100]

    Introduced in chapter 13.
    """
    check_mapping("groups", groups, allow_empty=False)
    n_bins = check_int("n_bins", n_bins, minimum=1)
    fig, axes = _panels(len(groups))
    width = 1 / n_bins
    for ax, (model, sets) in zip(axes, groups.items(), strict=True):
        check_mapping(f"groups[{model!r}]", sets, allow_empty=False)
        n_sets = len(sets)
        for i, (name, values) in enumerate(sets.items()):
            values = check_floats(f"groups[{model!r}][{name!r}]", values)
            counts = confidence_histogram(values, n_bins=n_bins)
            total = max(len(values), 1)
            ax.bar(
                [(b + (i + 0.5) / n_sets) * width for b in range(n_bins)],
                [100 * c / total for c in counts],
                width=width / n_sets,
                color=PALETTE[i % len(PALETTE)],
                label=f"{name} (n = {len(values)})",
            )
        ax.set_title(model)
        ax.set_xlim(0, 1)
        ax.set_xlabel("confidence of the answer")
        ax.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("answers (%)")
    return fig


def plot_reliability(
    results: Mapping[str, tuple[Sequence[float], Sequence[bool]]], *, n_bins: int = 10
) -> Figure:
    """Reliability diagrams: per model, the accuracy of the answers in each confidence bin.

    The diagonal is perfect calibration; bars below it are over-confident. Each panel's title
    gives the expected calibration error over the same ``n_bins`` equal-width bins.

    Parameters
    ----------
    results : mapping of str to (list of float, list of bool)
        For each model, the confidence of each answer and whether it was right.
    n_bins : int, default 10
        Equal-width bins on ``[0, 1]``.

    Examples
    --------
    >>> fig = plot_reliability({"sft": ([0.95, 0.9, 0.15], [True, False, False])})
    >>> fig.axes[0].get_title()
    'sft: ECE 0.33 (n = 3)'

    Introduced in chapter 13.
    """
    check_mapping("results", results, allow_empty=False)
    n_bins = check_int("n_bins", n_bins, minimum=1)
    fig, axes = _panels(len(results), height=3.0)
    for ax, (model, pair) in zip(axes, results.items(), strict=True):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(
                f"results[{model!r}] must be a pair (confidences, correct), "
                f"got {type(pair).__name__}"
            )
        conf, right = pair
        bins = reliability_bins(conf, right, n_bins=n_bins)
        ece = expected_calibration_error(conf, right, n_bins=n_bins)
        filled = [b for b in bins if b.n]
        ax.bar(
            [(b.lo + b.hi) / 2 for b in filled],
            [b.accuracy for b in filled],
            width=1 / n_bins,
            color=PALETTE[0],
            edgecolor="white",
            label="accuracy",
        )
        ax.plot([0, 1], [0, 1], color="#666666", linestyle="--", linewidth=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(f"{model}: ECE {ece:.2f} (n = {len(conf)})")
        ax.set_xlabel("confidence (bin)")
    axes[0].set_ylabel("share right in the bin")
    return fig


def plot_coverage_accuracy(
    curves: Mapping[str, Sequence[tuple[float, float | None]]],
) -> Figure:
    """Accuracy against coverage as the abstention threshold rises, one line per signal.

    Parameters
    ----------
    curves : mapping of str to list of (float, float or None)
        For each label, ``(coverage, accuracy)`` per threshold (accuracy None where nothing
        is answered, left out).

    Examples
    --------
    >>> fig = plot_coverage_accuracy({"probability": [(1.0, 0.6), (0.5, 0.9), (0.0, None)]})
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [60.0, 90.0]

    Introduced in chapter 13.
    """
    check_mapping("curves", curves, allow_empty=False)
    fig, ax = plt.subplots(figsize=(5.6, 3.4), layout="constrained")
    for i, (label, points) in enumerate(curves.items()):
        kept = [(c, a) for c, a in points if a is not None]
        ax.plot(
            [100 * c for c, _ in kept],
            [100 * a for _, a in kept],
            marker="o",
            markersize=3,
            color=PALETTE[i % len(PALETTE)],
            label=label,
        )
    ax.set_xlim(0, 102)
    ax.set_ylim(0, 102)
    ax.set_xlabel("questions answered (coverage, %)")
    ax.set_ylabel("answers that are right (%)")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def threshold_slider_data(
    records: Sequence[Mapping[str, Any]],
    thresholds: Sequence[float],
    *,
    n_examples: int = 2,
) -> dict[str, Any]:
    """The data of a threshold slider: per threshold, coverage, accuracy and examples.

    An answer is kept when its confidence is at least the threshold and it is not itself a
    refusal; the examples are those nearest the threshold: the least confident answers kept
    and the most confident refused.

    Parameters
    ----------
    records : sequence of mapping
        Answers with ``q``, ``a``, ``p`` (confidence), ``ok`` and ``idk``
        (:func:`~stepbytoken.evaluation.confidence.answer_records`).
    thresholds : sequence of float
        The slider's steps.
    n_examples : int, default 2
        Examples kept and refused per step.

    Returns
    -------
    dict
        ``{"n": ..., "steps": [{"threshold", "coverage", "accuracy", "kept",
        "refused"}, ...]}``, JSON-able; examples are ``{"q", "a", "p", "ok"}``.

    Examples
    --------
    >>> rows = [{"q": "Q1", "a": "A1", "p": 0.9, "ok": True, "idk": False},
    ...         {"q": "Q2", "a": "A2", "p": 0.3, "ok": False, "idk": False}]
    >>> data = threshold_slider_data(rows, [0.0, 0.5], n_examples=1)
    >>> [(s["coverage"], s["accuracy"]) for s in data["steps"]]
    [(1.0, 0.5), (0.5, 1.0)]
    >>> data["steps"][1]["refused"][0]["q"]
    'Q2'

    Introduced in chapter 13.
    """
    if isinstance(records, (str, bytes)) or not isinstance(records, Sequence):
        raise TypeError(f"records must be a sequence of dicts, got {type(records)}")
    for i, r in enumerate(records):
        check_mapping(f"records[{i}]", r)
        missing = {"q", "a", "p", "ok", "idk"} - set(r)
        if missing:
            raise ValueError(f"records[{i}] lacks {sorted(missing)}")
    ts = check_floats("thresholds", thresholds, min_size=1)
    n_examples = check_int("n_examples", n_examples, minimum=0)
    rows = coverage_accuracy(
        [r["p"] for r in records],
        [r["ok"] for r in records],
        ts,
        abstained=[r["idk"] for r in records],
    )

    def shown(r: Mapping[str, Any]) -> dict[str, Any]:
        return {"q": r["q"], "a": r["a"], "p": r["p"], "ok": r["ok"]}

    steps = []
    for t, row in zip(ts, rows, strict=True):
        kept = sorted(
            (r for r in records if r["p"] >= t and not r["idk"]), key=lambda r: r["p"]
        )
        refused = sorted(
            (r for r in records if r["p"] < t or r["idk"]),
            key=lambda r: (r["idk"], -r["p"]),  # withheld answers first, then refusals
        )
        steps.append(
            {
                "threshold": t,
                "coverage": round(row.coverage, 4),
                "accuracy": None if row.accuracy is None else round(row.accuracy, 4),
                "kept": [shown(r) for r in kept[:n_examples]],
                "refused": [shown(r) for r in refused[:n_examples]],
            }
        )
    return {"n": len(records), "steps": steps}


def threshold_widget(
    data: Mapping[str, Any], *, title: str = "", live: Mapping[str, Any] | None = None
) -> InteractiveFigure:
    """The threshold slider: coverage, accuracy and the answers nearest the threshold.

    Parameters
    ----------
    data
        :func:`threshold_slider_data`'s result.
    title
        A line shown above the slider.
    live : dict, optional
        :func:`live_confidence_data`'s result: the reader's own question, answered with its
        confidence in the browser and set against the slider's threshold.

    Examples
    --------
    >>> rows = [{"q": "Q1", "a": "A1", "p": 0.9, "ok": True, "idk": False}]
    >>> fig = threshold_widget(threshold_slider_data(rows, [0.0, 0.5]))
    >>> 'data-sbt-widget="threshold"' in fig.html
    True

    Introduced in chapter 13.
    """
    check_mapping("data", data, allow_empty=False)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps or "n" not in data:
        raise ValueError("data must be threshold_slider_data's result (n and steps)")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    payload = {"title": title, **data}
    if live is not None:
        payload["live"] = check_mapping("live", live, allow_empty=False)
    return widget(
        "threshold",
        payload,
        label="a confidence threshold against coverage and accuracy",
    )


def js_answer_patterns() -> dict[str, str]:
    """Each relation's answer sentence (:func:`~stepbytoken.evaluation.confidence.answer_pattern`)
    in JavaScript's syntax, for ``chat.js``'s ``wordConfidence`` (flags ``"i"``).

    Introduced in chapter 13.

    Examples
    --------
    >>> import re
    >>> source = js_answer_patterns()["pet"]
    >>> python = source.replace("(?<", "(?P<")
    >>> "(?<o>" in source, re.fullmatch(python, "Rhea has a duck.", re.I)["o"]
    (True, 'duck')
    """
    return {r: answer_pattern(r).pattern.replace("(?P<", "(?<") for r in RELATIONS}


def live_confidence_data(
    assistant: Any, question: str, *, name: str = "sft_guess"
) -> dict[str, Any]:
    """The live part of the threshold slider: the reader's question, answered with confidence.

    The page loads the assistant's shipped weights (``gpt.js``) and computes, as ``chat.js``
    ports :func:`~stepbytoken.evaluation.confidence.answers_with_confidence` and
    :func:`~stepbytoken.evaluation.confidence.word_confidence`, the greedy answer, the
    probability of each of its tokens and that of its answer word. This function does it for
    ``question`` in Python: what the figure shows until the reader asks something else.

    Parameters
    ----------
    assistant : Assistant
        A shipped chat model (``"sft_guess"``: the assistant that guesses).
    question : str
        The question the figure starts with, asked as the user's only message.
    name : str, default "sft_guess"
        The assistant's live model name.

    Returns
    -------
    dict
        ``spec``, ``question``, ``stop_ids``, ``max_new_tokens``, ``patterns`` (in the order of the
        world's relations) and ``default``: ``{"answer", "tokens": [[text, prob]...], "p",
        "pw"}``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or an assistant that is not the shipped model ``name``.

    Introduced in chapter 13.
    """
    check_instance("assistant", assistant, Assistant)
    spec = shipped_spec(assistant.model, assistant.tokenizer, name)
    question = check_str("question", question, allow_empty=False)
    tok = assistant.tokenizer
    stops = stop_ids(tok)
    prompt = chat_prompt(tok, [Message("user", question)])
    answer = answers_with_confidence(
        assistant.model, [prompt], stops, max_new_tokens=MAX_NEW_TOKENS
    )[0]
    return {
        "spec": spec,
        "question": question,
        "stop_ids": stops,
        "max_new_tokens": MAX_NEW_TOKENS,
        "patterns": list(js_answer_patterns().values()),
        "default": {
            "answer": message_text(tok, list(answer.ids)),
            "tokens": [
                [tok.decode([i]), p]
                for i, p in zip(answer.ids, answer.probs, strict=True)
            ],
            "p": answer.confidence,
            "pw": word_confidence(tok, answer),
        },
    }
