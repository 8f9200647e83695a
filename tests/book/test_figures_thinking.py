"""Tests of chapter 17's figure builders (stepbytoken.book.figures.thinking)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures.thinking import (
    budget_explorer,
    plot_budget_curves,
    plot_compute,
    plot_votes,
)
from stepbytoken.book.interactive import show_plotly

BUDGETS = [0, 4, 8]
EXAMPLES = [
    {
        "question": "What is 12 + 30?",
        "gold": "42",
        "thoughts": ["", "2 + 0 = 2,", "2 + 0 = 2, write 2. 1 + 3 = 4. So 42."],
        "answers": ["40", "32", "42"],
    }
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_budget_curves_draw_percentages_and_dashed_baselines():
    fig = plot_budget_curves(BUDGETS, {"thinker": [0.0, 0.5, 1.0]}, {"direct": 0.25})
    ax = fig.axes[0]
    assert ax.lines[0].get_xdata().tolist() == BUDGETS
    assert ax.lines[0].get_ydata().tolist() == [0.0, 50.0, 100.0]
    assert ax.lines[1].get_linestyle() == "--" and ax.lines[1].get_ydata()[0] == 25.0
    with pytest.raises(ValueError, match="one value per budget"):
        plot_budget_curves(BUDGETS, {"thinker": [0.1]})


def test_compute_is_on_a_log_axis():
    fig = plot_compute({"a": ([1e6, 1e7], [0.1, 0.2]), "b": ([3e6], [0.3])})
    assert fig.axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="positive flops"):
        plot_compute({"a": ([0.0], [0.1])})
    with pytest.raises(TypeError, match="pair"):
        plot_compute({"a": [1.0]})


def test_votes_mark_the_greedy_accuracy():
    fig = plot_votes([1, 3, 9], [0.5, 0.6, 0.7], 0.8)
    assert fig.axes[0].lines[1].get_ydata()[0] == 80.0
    with pytest.raises(ValueError):
        plot_votes([1, 3], [0.5], 0.8)


def test_the_explorer_slider_cuts_the_thought_at_each_budget():
    fig = budget_explorer(BUDGETS, {"thinker": [0.0, 0.5, 1.0]}, EXAMPLES)
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == ["0", "4", "8"] and slider.active == 2
    first = slider.steps[0].args[1]["annotations"][0]["text"]
    assert "budget 0 tokens" in first and "(no thought)" in first
    assert "wrong, the answer is 42" in first
    last = slider.steps[2].args[1]["annotations"][0]["text"]
    assert "So 42." in last and "(right)" in last
    assert slider.steps[1].args[0] == {"x": [[4]], "y": [[50.0]]}
    assert "sbt-interactive" in show_plotly(fig).html


def test_the_explorer_checks_its_examples():
    broken = [{**EXAMPLES[0], "answers": ["1"]}]
    with pytest.raises(ValueError, match="one entry per budget"):
        budget_explorer(BUDGETS, {"thinker": [0.0, 0.5, 1.0]}, broken)
    with pytest.raises(ValueError, match="active"):
        budget_explorer(BUDGETS, {"thinker": [0.0, 0.5, 1.0]}, EXAMPLES, active=5)
