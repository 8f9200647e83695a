"""Tests of chapter 20's figure builders (stepbytoken.book.figures.interpretability)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures.interpretability import (
    context_label,
    plot_ablation,
    plot_feature_browser,
    plot_phase_change,
    plot_prefix_matching,
)
from stepbytoken.book.interactive import show_plotly


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _feature(value, label):
    contexts = [
        {"before": "She likes <b>", "token": " red", "after": ".\nHe", "value": value},
        {"before": "a", "token": " blue", "after": "", "value": value / 2},
    ]
    return {"contexts": contexts, "label": label, "steering": [0.1, 0.2, 0.4]}


def test_prefix_bars_are_the_scores():
    fig = plot_prefix_matching({"xs": 0.02, "l": 0.03, "copier": 0.7}, 0.05)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == pytest.approx([0.02, 0.03, 0.7])


def test_phase_change_plots_best_heads_and_the_gain():
    scores = {
        "steps": [0, 5, 10],
        "previous_token": [[[0.1, 0.2], [0.0, 0.0]]] * 3,
        "prefix_matching": [[[0.0, 0.0], [0.1, 0.3]]] * 3,
        "loss_first": [7.0, 6.5, 6.0],
        "loss_second": [7.0, 5.0, 1.0],
    }
    fig = plot_phase_change(scores)
    top, bottom = fig.axes
    assert list(top.lines[0].get_ydata()) == pytest.approx([0.2] * 3)
    assert list(top.lines[1].get_ydata()) == pytest.approx([0.3] * 3)
    assert list(bottom.lines[0].get_ydata()) == pytest.approx([0.0, 1.5, 5.0])


def test_ablation_bars_are_the_losses():
    fig = plot_ablation({"layer 0, head 0": 2.0, "layer 1, head 1": 5.0}, 1.0)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == pytest.approx([2.0, 5.0])


def test_context_label_escapes_and_marks_the_token():
    label = context_label(_feature(1.0, "colour")["contexts"][0])
    assert label == "She likes &lt;b&gt;<b>[ red]</b>.⏎He"


def test_feature_browser_menu_switches_contexts_and_steering():
    features = {"feature 1 (colour)": _feature(3.0, "colour"),
                "feature 9 (town)": _feature(5.0, "town")}  # fmt: skip
    fig = plot_feature_browser(features, [0, 5, 10])
    assert [t.visible for t in fig.data] == [True, True, False, False]
    assert list(fig.data[2].x) == [5.0, 2.5]
    assert list(fig.data[3].y) == pytest.approx([10, 20, 40])
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == list(features)
    visible, layout = buttons[1].args
    assert visible["visible"] == [False, False, True, True]
    assert layout["yaxis2.title.text"] == "P(town word) %"
    assert "<b>[ red]</b>" in layout["yaxis.ticktext"][0]
    html = show_plotly(fig).html
    assert "sbt-interactive" in html


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        plot_feature_browser({}, [0, 1])
    with pytest.raises(TypeError):
        plot_prefix_matching([0.1], 0.0)
