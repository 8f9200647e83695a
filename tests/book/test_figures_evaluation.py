"""Tests of chapter 16's figure builders (stepbytoken.book.figures.evaluation)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures.evaluation import (
    leaderboard_figure,
    leaderboard_title,
    pass_at_k_figure,
    pass_at_k_title,
    plot_accuracy_bars,
    plot_elo_orders,
)
from stepbytoken.book.interactive import show_plotly
from stepbytoken.evaluation.pass_at_k import pass_at_k_curve

BOARDS = {
    "text": [("xs", 0.4, 0.3, 0.5), ("l", 0.9, 0.85, 0.95), ("m", 0.6, 0.5, 0.7)],
    "letter": [("xs", 0.3, 0.2, 0.4), ("l", 0.25, 0.15, 0.35), ("m", 0.28, 0.2, 0.36)],
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_leaderboard_has_one_board_per_menu_entry_best_on_top():
    fig = leaderboard_figure(BOARDS, axis_titles={"text": "accuracy"})
    assert [t.visible for t in fig.data] == [True, False]
    assert list(fig.data[0].y) == ["xs", "m", "l"]  # plotly draws the last at the top
    assert list(fig.data[0].error_x.array) == pytest.approx([0.1, 0.1, 0.05])
    menu = fig.layout.updatemenus[0]
    assert menu.name == "scoring" and [b.label for b in menu.buttons] == list(BOARDS)
    second = menu.buttons[1].args
    assert second[0]["visible"] == [False, True]
    assert second[1]["title.text"] == "letter: xs leads, within the interval of m"
    assert second[1]["yaxis.categoryarray"] == ["l", "m", "xs"]
    assert fig.layout.title.text == "text: l leads, clear of m"
    assert fig.layout.xaxis.title.text == "accuracy"


def test_the_leaderboard_is_keyboard_operable_in_the_book():
    html = show_plotly(leaderboard_figure(BOARDS)).html
    assert 'class="sbt-interactive sbt-plotly"' in html
    assert "<label" in html and "scoring" in html and "<select" in html


def test_leaderboard_rejects_bad_rows():
    with pytest.raises(ValueError, match="low <= score <= high"):
        leaderboard_figure({"a": [("x", 0.5, 0.6, 0.7)]})
    with pytest.raises(TypeError, match="rows must be"):
        leaderboard_figure({"a": [("x", 0.5)]})
    with pytest.raises(TypeError):
        leaderboard_figure({"a": []})
    with pytest.raises(ValueError):
        leaderboard_figure({})
    assert leaderboard_title("a", [("x", 0.5, 0.4, 0.6)]) == "a: x alone"


def test_pass_at_k_figure_draws_both_estimates_and_a_slider_over_k():
    curves = {
        "sft": pass_at_k_curve([0, 2, 5], n=5),
        "dpo": pass_at_k_curve([1, 1, 3], n=5),
    }
    fig = pass_at_k_figure(curves, k=2)
    assert len(fig.data) == 4
    assert [d.line.dash for d in fig.data[:2]] == ["solid", "dash"]
    assert list(fig.data[0].y) == pytest.approx(list(curves["sft"].unbiased))
    slider = fig.layout.sliders[0]
    assert slider.active == 1 and len(slider.steps) == 5
    last = slider.steps[-1].args[0]
    assert last["title.text"] == pass_at_k_title(curves, 5)
    assert last["shapes"][0]["x0"] == 5
    assert fig.layout.title.text.startswith("k = 2: sft ")
    html = show_plotly(fig).html
    assert 'type="range"' in html and "tries k" in html


def test_pass_at_k_figure_rejects_mismatched_curves():
    with pytest.raises(ValueError, match="same k"):
        pass_at_k_figure(
            {"a": pass_at_k_curve([1], n=2), "b": pass_at_k_curve([1], n=3)}
        )
    with pytest.raises(TypeError):
        pass_at_k_figure({"a": [0.1, 0.2]})
    with pytest.raises(ValueError):
        pass_at_k_figure({"a": pass_at_k_curve([1], n=2)}, k=3)


def test_accuracy_bars_are_percent_with_a_chance_line():
    fig = plot_accuracy_bars(
        {"clean": {"test": 0.3, "other": 0.4}, "leaky": {"test": 0.9, "other": 0.35}},
        ylabel="acc",
        chance=0.25,
    )
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([30, 90, 40, 35])
    assert ax.get_ylabel() == "acc"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["clean", "leaky"]
    assert any(line.get_ydata()[0] == 25 for line in ax.get_lines())


def test_elo_orders_sorts_models_by_rating():
    fig = plot_elo_orders(
        {"a": 1050.0, "b": 950.0},
        {"a": (1000.0, 1100.0), "b": (900.0, 1000.0)},
        {"a": (1020.0, 1080.0), "b": (920.0, 980.0)},
    )
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["b", "a"]
    with pytest.raises(ValueError):
        plot_elo_orders({}, {}, {})
