"""Chapter 8's figures: grades per task, the reward model by flaw, over-optimisation, the widget.

Introduced in chapter 8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.live import shipped_spec, toolbox_data
from stepbytoken.book.plots import PALETTE
from stepbytoken.checks import (
    check_choice,
    check_instance,
    check_int,
    check_mapping,
    check_str,
)
from stepbytoken.generation.chat import assistant_turn
from stepbytoken.recipes.sft import Assistant
from stepbytoken.world.conversation import Message
from stepbytoken.world.tools import Toolbox

__all__ = [
    "MODEL_LABELS",
    "RULE_LABELS",
    "plot_grades",
    "plot_over_optimisation",
    "plot_reward_agreement",
    "plot_violations",
    "live_turns_data",
    "side_by_side_widget",
]

#: How the figures name the models of chapter 8.
MODEL_LABELS = {
    "base": "base model",
    "sft": "SFT",
    "dpo": "SFT + DPO",
    "stage1": "critique and revision",
    "stage2": "+ AI feedback",
}

#: How the figures name the gold judge's rules.
RULE_LABELS = {
    "correct": "correct",
    "follows_instruction": "follows the instruction",
    "polite": "polite",
    "concise": "concise",
}


def plot_grades(
    grades: Mapping[str, Mapping[str, Mapping[str, float]]], *, measure: str = "correct"
) -> Figure:
    """One group of bars per kind of task: each model's share of answers that met a rule.

    Parameters
    ----------
    grades : mapping
        For each model (a key of :data:`MODEL_LABELS`), the table of
        :func:`~stepbytoken.evaluation.assistant.summarise`.
    measure : {"correct", "follows", "score"}
        What the bars show.

    Examples
    --------
    >>> table = {"fact": {"n": 2, "score": 0.5, "correct": 0.5, "follows": 1.0}}
    >>> fig = plot_grades({"base": table, "sft": table})
    >>> len(fig.axes[0].patches)
    2

    Introduced in chapter 8.
    """
    check_mapping("grades", grades, allow_empty=False)
    check_choice("measure", measure, ("correct", "follows", "score"))
    models = list(grades)
    kinds = list(grades[models[0]])
    fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
    width = 0.8 / len(models)
    x = np.arange(len(kinds))
    for i, name in enumerate(models):
        values = [100 * grades[name][kind][measure] for kind in kinds]
        ax.bar(
            x + (i - (len(models) - 1) / 2) * width,
            values,
            width,
            label=MODEL_LABELS.get(name, name),
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xticks(x, kinds)
    ax.set_ylim(0, 100)
    what = {
        "correct": "answered correctly (%)",
        "follows": "followed the instruction (%)",
        "score": "judge's mean score (x 100)",
    }
    ax.set_ylabel(what[measure])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_reward_agreement(
    by_flaw: Mapping[str, float], counts: Mapping[str, int] | None = None
) -> Figure:
    """The reward model's agreement with the judge on held-out pairs, one bar per flaw.

    Parameters
    ----------
    by_flaw : mapping of str to float
        For each flaw of the rejected answer, the share of pairs ranked as the judge ranks
        them.
    counts : mapping of str to int, optional
        Pairs per flaw, written beside the bars.

    Examples
    --------
    >>> fig = plot_reward_agreement({"rude": 1.0, "wrong": 0.55})
    >>> len(fig.axes[0].patches)
    2

    Introduced in chapter 8.
    """
    check_mapping("by_flaw", by_flaw, allow_empty=False)
    names = sorted(by_flaw, key=lambda f: by_flaw[f])
    fig, ax = plt.subplots(figsize=(6.4, 2.6), layout="constrained")
    values = [100 * by_flaw[f] for f in names]
    ax.barh(names, values, color=PALETTE[0])
    ax.axvline(50, color="#666666", linestyle="--", linewidth=1)
    ax.text(50, -0.7, " chance", fontsize=9, color="#444444", va="bottom")
    for y, (name, value) in enumerate(zip(names, values, strict=True)):
        note = f"{value:.0f}%" + ("" if counts is None else f" of {counts[name]}")
        ax.text(value + 1, y, note, va="center", fontsize=9)
    ax.set_xlim(0, 115)
    ax.set_xlabel("held-out pairs ranked as the judge ranks them (%)")
    ax.set_ylabel("flaw of the worse answer")
    return fig


def plot_violations(rates: Mapping[str, Mapping[str, float]]) -> Figure:
    """Each model's share of answers that break each principle, one group per principle.

    Parameters
    ----------
    rates : mapping
        For each model (a key of :data:`MODEL_LABELS`), the shares of
        :func:`~stepbytoken.evaluation.constitution.violation_rates` (``"any"`` included).

    Examples
    --------
    >>> fig = plot_violations({"sft": {"polite": 0.0, "any": 0.5},
    ...                        "stage1": {"polite": 0.0, "any": 0.25}})
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [0, 50, 0, 25]

    Introduced in chapter 8.
    """
    check_mapping("rates", rates, allow_empty=False)
    models = list(rates)
    principles = list(rates[models[0]])
    fig, ax = plt.subplots(figsize=(7.2, 3.4), layout="constrained")
    width = 0.8 / len(models)
    x = np.arange(len(principles))
    for i, name in enumerate(models):
        ax.bar(
            x + (i - (len(models) - 1) / 2) * width,
            [100 * rates[name][p] for p in principles],
            width,
            label=MODEL_LABELS.get(name, name),
            color=PALETTE[i % len(PALETTE)],
        )
    ax.set_xticks(x, [p.replace("_", " ") for p in principles])
    ax.set_ylabel("answers that break it (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_over_optimisation(
    curve: Sequence[Mapping[str, float]], dpo: Mapping[str, float] | None = None
) -> Figure:
    """Best-of-n: the reward model's score and the judge's score against the KL budget.

    Parameters
    ----------
    curve : sequence of dict
        Rows with ``n``, ``kl``, ``proxy`` and ``gold``
        (:func:`~stepbytoken.evaluation.best_of_n_curve`).
    dpo : dict, optional
        ``kl``, ``proxy`` and ``gold`` of the DPO model's samples, drawn as one more point.

    Examples
    --------
    >>> rows = [{"n": 1, "kl": 0.0, "proxy": 1.0, "gold": 0.7},
    ...         {"n": 2, "kl": 0.19, "proxy": 1.5, "gold": 0.72}]
    >>> fig = plot_over_optimisation(rows, {"kl": 0.3, "proxy": 1.2, "gold": 0.7})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ["reward model's score (proxy)", "judge's score (gold)"]

    Introduced in chapter 8.
    """
    if not curve:
        raise ValueError("curve must hold at least one row")
    fig, axes = plt.subplots(1, 2, figsize=(7.6, 3.3), layout="constrained")
    kl = [row["kl"] for row in curve]
    for ax, key, label, colour in (
        (axes[0], "proxy", "reward model's score (proxy)", PALETTE[0]),
        (axes[1], "gold", "judge's score (gold)", PALETTE[1]),
    ):
        ax.plot(
            kl, [row[key] for row in curve], marker="o", color=colour, label="best of n"
        )
        for row in curve:
            ax.annotate(
                f"n={row['n']}",
                (row["kl"], row[key]),
                textcoords="offset points",
                xytext=(4, -11 if key == "proxy" else 5),
                fontsize=8,
            )
        if dpo is not None:
            ax.plot(
                [dpo["kl"]],
                [dpo[key]],
                marker="D",
                linestyle="none",
                color=PALETTE[3],
                label="DPO samples",
            )
        ax.set_xlabel("KL from the assistant (nats)")
        ax.set_ylabel(label)
    axes[1].legend(loc="lower left")
    return fig


def side_by_side_widget(
    rows: Sequence[Mapping[str, Any]],
    *,
    kinds: Sequence[str],
    per_kind: int = 8,
    models: Sequence[str] = ("base", "sft", "dpo"),
    live: Mapping[str, Any] | None = None,
) -> InteractiveFigure:
    """The widget that shows the same prompts answered by several models, with verdicts.

    Parameters
    ----------
    rows : sequence of dict
        Answer rows of :func:`~stepbytoken.recipes.side_by_side.load_side_by_side`.
    kinds : sequence of str
        The kinds of task offered, in menu order.
    per_kind : int, default 8
        Prompts offered per kind (the first ones of that kind).
    models : sequence of str
        The models shown, one card each.
    live : dict, optional
        :func:`live_turns_data`'s result: the reader's own question, answered by the models
        in the browser.

    Examples
    --------
    >>> row = {"kind": "fact", "prompt": [["user", "Q?"]], "reference": "A.",
    ...        "answers": {"sft": {"turn": [["assistant", "A."]], "score": 1.0,
    ...                            "rules": dict.fromkeys(RULE_LABELS, True)}}}
    >>> w = side_by_side_widget([row], kinds=["fact"], models=["sft"])
    >>> 'data-sbt-widget="side-by-side"' in w.html
    True

    Introduced in chapter 8.
    """
    per_kind = check_int("per_kind", per_kind, minimum=1)
    chosen: list[dict[str, Any]] = []
    for kind in kinds:
        of_kind = [r for r in rows if r["kind"] == kind][:per_kind]
        if not of_kind:
            raise ValueError(f"no row of kind {kind!r}")
        chosen += [
            {
                "kind": r["kind"],
                "prompt": r["prompt"],
                "reference": r["reference"],
                "answers": {m: r["answers"][m] for m in models},
            }
            for r in of_kind
        ]
    data = {
        "title": "The same prompt, answered by each model and scored by the judge",
        "models": [[m, MODEL_LABELS.get(m, m)] for m in models],
        "rules": [[k, v] for k, v in RULE_LABELS.items()],
        "kinds": [[k, k] for k in kinds],
        "rows": chosen,
    }
    if live is not None:
        data["live"] = check_mapping("live", live, allow_empty=False)
    return widget("side-by-side", data, label="answers of the models side by side")


def live_turns_data(
    assistants: Mapping[str, Any],
    question: str,
    toolbox: Toolbox,
    *,
    max_calls: int = 3,
    max_new_tokens: int = 64,
) -> dict[str, Any]:
    """The live part of the side-by-side widget: each model answers the reader's question.

    The page loads the shipped weights of each model (``gpt.js``) and runs
    :func:`~stepbytoken.generation.chat.assistant_turn` as ``chat.js`` ports it, tool calls
    run by the same toolbox. This function computes the turns for ``question`` in Python: what
    the figure shows until the reader asks something else.

    Parameters
    ----------
    assistants : mapping of str to Assistant
        Live model names (``"base"``, ``"sft"``, ``"dpo"``) to the loaded assistants.
    question : str
        The user's message the figure starts with.
    toolbox : Toolbox
        The tools the turns may call.
    max_calls, max_new_tokens
        As for :func:`~stepbytoken.generation.chat.assistant_turn`.

    Returns
    -------
    dict
        ``specs`` (one per model), ``question``, ``facts``, ``relations``, ``max_calls``,
        ``max_new_tokens`` and ``default``: per model, the turn as ``[role, text]`` pairs.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or an assistant that is not the shipped model of its name.

    Introduced in chapter 8.
    """
    check_mapping("assistants", assistants, allow_empty=False)
    question = check_str("question", question, allow_empty=False)
    max_calls = check_int("max_calls", max_calls, minimum=0)
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
    specs, turns = [], {}
    for name, a in assistants.items():
        check_instance(f"assistants[{name!r}]", a, Assistant)
        specs.append(shipped_spec(a.model, a.tokenizer, name))
        turn = assistant_turn(
            a.model,
            a.tokenizer,
            [Message("user", question)],
            toolbox,
            max_calls=max_calls,
            max_new_tokens=max_new_tokens,
        )
        turns[name] = [[m.role, m.content] for m in turn]
    return {
        "specs": specs,
        "question": question,
        **toolbox_data(toolbox),
        "max_calls": max_calls,
        "max_new_tokens": max_new_tokens,
        "default": turns,
    }
