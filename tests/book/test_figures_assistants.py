"""Tests of chapter 8's figure builders (stepbytoken.book.figures.assistants)."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures import (
    RULE_LABELS,
    plot_grades,
    plot_over_optimisation,
    plot_reward_agreement,
    plot_violations,
    side_by_side_widget,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _table(correct):
    return {
        kind: {"n": 4, "score": 0.5, "correct": c, "follows": 1.0}
        for kind, c in correct.items()
    }


def test_grades_draw_one_bar_per_model_and_kind_at_its_percentage():
    grades = {
        "base": _table({"fact": 0.25, "tool": 0.0}),
        "sft": _table({"fact": 0.75, "tool": 0.5}),
    }
    ax = plot_grades(grades).axes[0]
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights == [25.0, 0.0, 75.0, 50.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fact", "tool"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["base model", "SFT"]


def test_grades_refuse_an_unknown_measure():
    with pytest.raises(ValueError, match="measure"):
        plot_grades({"sft": _table({"fact": 1.0})}, measure="speed")


def test_reward_agreement_sorts_the_flaws_and_labels_the_counts():
    ax = plot_reward_agreement(
        {"rude": 1.0, "wrong": 0.5}, {"rude": 3, "wrong": 8}
    ).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["wrong", "rude"]
    assert [round(p.get_width()) for p in ax.patches] == [50, 100]
    assert "50% of 8" in [t.get_text() for t in ax.texts]


def test_over_optimisation_draws_both_scores_and_the_dpo_point():
    curve = [
        {"n": 1, "kl": 0.0, "proxy": 1.0, "gold": 0.70},
        {"n": 2, "kl": 0.19, "proxy": 1.4, "gold": 0.72},
        {"n": 4, "kl": 0.64, "proxy": 1.6, "gold": 0.69},
    ]
    fig = plot_over_optimisation(curve, {"kl": 0.3, "proxy": 1.2, "gold": 0.71})
    proxy_ax, gold_ax = fig.axes
    assert proxy_ax.lines[0].get_ydata().tolist() == [1.0, 1.4, 1.6]
    assert gold_ax.lines[0].get_ydata().tolist() == [0.70, 0.72, 0.69]
    assert gold_ax.lines[1].get_xdata().tolist() == [0.3]
    with pytest.raises(ValueError, match="curve"):
        plot_over_optimisation([])


def _row(kind, text):
    verdict = {"turn": [["assistant", text]], "score": 1.0}
    verdict["rules"] = dict.fromkeys(RULE_LABELS, True)
    return {
        "kind": kind,
        "prompt": [["user", f"a {kind} question"]],
        "reference": text,
        "answers": {"base": verdict, "sft": verdict, "dpo": verdict},
    }


def test_the_widget_keeps_the_first_rows_of_each_kind_in_menu_order():
    rows = [_row("fact", f"f{i}") for i in range(5)] + [_row("tool", "t")]
    w = side_by_side_widget(rows, kinds=["tool", "fact"], per_kind=2, models=["sft"])
    data = json.loads(
        re.search(
            r'<script type="application/json" class="sbt-data">(.*?)</script>', w.html
        )
        .group(1)
        .replace("<\\/", "</")
    )
    assert [r["reference"] for r in data["rows"]] == ["t", "f0", "f1"]
    assert data["models"] == [["sft", "SFT"]]
    assert set(data["rows"][0]["answers"]) == {"sft"}


def test_the_widget_refuses_a_kind_with_no_rows():
    with pytest.raises(ValueError, match="kind 'tool'"):
        side_by_side_widget([_row("fact", "f")], kinds=["tool"])


def test_violations_draw_one_group_per_principle_in_order():
    rates = {
        "sft": {"polite": 0.0, "follows_instruction": 0.5, "any": 0.5},
        "stage2": {"polite": 0.0, "follows_instruction": 0.25, "any": 0.25},
    }
    ax = plot_violations(rates).axes[0]
    assert [round(p.get_height()) for p in ax.patches] == [0, 50, 50, 0, 25, 25]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "polite",
        "follows instruction",
        "any",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "SFT",
        "+ AI feedback",
    ]
