"""Tests of chapter 13's figure builders (stepbytoken.book.figures.calibration)."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures import (
    plot_confidence_histograms,
    plot_coverage_accuracy,
    plot_reliability,
    threshold_slider_data,
)
from stepbytoken.evaluation.calibration import expected_calibration_error


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_histograms_draw_a_panel_per_model_with_shares_in_percent():
    groups = {
        "base": {"known": [0.95, 0.91, 0.2], "unknown": [0.3, 0.35]},
        "sft": {"known": [0.5], "unknown": []},
    }
    fig = plot_confidence_histograms(groups, n_bins=4)
    assert len(fig.axes) == 2 and fig.axes[0].get_title() == "base"
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert len(heights) == 8  # 4 bins, 2 sets
    assert sum(heights[:4]) == pytest.approx(100) and sum(heights[4:]) == pytest.approx(
        100
    )
    assert heights[3] == pytest.approx(200 / 3)  # two of three known answers above 0.75


def test_reliability_bars_are_the_bins_accuracy_and_the_title_the_ece():
    conf = [0.95, 0.92, 0.15, 0.55, 0.58]
    right = [True, False, False, True, True]
    ax = plot_reliability({"sft": (conf, right)}, n_bins=10).axes[0]
    assert sorted(p.get_height() for p in ax.patches) == [0.0, 0.5, 1.0]
    ece = expected_calibration_error(conf, right, n_bins=10)
    assert ax.get_title() == f"sft: ECE {ece:.2f} (n = 5)"
    with pytest.raises(TypeError, match="pair"):
        plot_reliability({"sft": conf})


def test_coverage_curves_skip_thresholds_that_answer_nothing():
    ax = plot_coverage_accuracy(
        {"p": [(1.0, 0.5), (0.4, 0.75), (0.0, None)], "agree": [(1.0, 0.5)]}
    ).axes[0]
    assert ax.lines[0].get_xdata().tolist() == [100.0, 40.0]
    assert ax.lines[1].get_ydata().tolist() == [50.0]


def test_slider_data_is_json_and_shows_the_answers_at_the_edge():
    records = [
        {"q": f"Q{i}", "a": f"A{i}", "p": p, "ok": ok, "idk": idk}
        for i, (p, ok, idk) in enumerate(
            [
                (0.9, True, False),
                (0.7, True, False),
                (0.4, False, False),
                (0.95, False, True),
            ]
        )
    ]
    data = threshold_slider_data(records, [0.0, 0.5, 0.8, 0.99], n_examples=1)
    json.dumps(data)
    steps = data["steps"]
    assert data["n"] == 4
    assert [s["coverage"] for s in steps] == [0.75, 0.5, 0.25, 0.0]
    assert [s["accuracy"] for s in steps] == [round(2 / 3, 4), 1.0, 1.0, None]
    assert steps[1]["kept"][0]["q"] == "Q1"  # the least confident answer kept
    assert steps[1]["refused"][0]["q"] == "Q2"  # the most confident answer withheld
    assert steps[0]["refused"][0]["q"] == "Q3"  # the model's own "I don't know"
    with pytest.raises(ValueError, match="lacks"):
        threshold_slider_data([{"q": "Q"}], [0.5])


def test_the_threshold_widget_carries_the_slider_data():
    from stepbytoken.book.figures.calibration import threshold_widget

    rows = [
        {"q": "Q1", "a": "A1", "p": 0.9, "ok": True, "idk": False},
        {"q": "Q2", "a": "A2", "p": 0.3, "ok": False, "idk": False},
    ]
    data = threshold_slider_data(rows, [0.0, 0.5], n_examples=1)
    html = threshold_widget(data, title="T").html
    assert 'data-sbt-widget="threshold"' in html
    payload = html.split('class="sbt-data">', 1)[1].split("</script>", 1)[0]
    shown = json.loads(payload)
    assert shown["title"] == "T" and shown["steps"] == data["steps"]
    with pytest.raises(ValueError, match="threshold_slider_data"):
        threshold_widget({"n": 2})
