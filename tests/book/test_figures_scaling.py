"""Tests of chapter 19's figure builders (stepbytoken.book.figures.scaling)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures.scaling import (
    compute_explorer,
    log_budgets,
    plot_isoflops,
    plot_loss_against_compute,
)
from stepbytoken.book.interactive import show_plotly
from stepbytoken.evaluation.scaling_laws import (
    IsoFLOPMinimum,
    ParametricFit,
    PowerLaw,
    compute_optimal,
    isoflop_minima,
)

FIT = ParametricFit(1.0, 50.0, 80.0, 0.4, 0.3)


def _points():
    rows = []
    for budget in (6e8, 6e9):
        for size, n in (("a", 1e3), ("b", 1e4), ("c", 1e5)):
            d = budget / (6 * n)
            rows.append(
                dict(
                    size=size,
                    budget=budget,
                    non_embedding=n,
                    tokens=d,
                    val_loss=FIT.loss(n, d),
                )
            )
    return rows


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_against_compute_draws_one_line_per_size_and_rings_the_best():
    points = _points()
    fig = plot_loss_against_compute(points, PowerLaw(5.0, -0.05))
    lines = fig.axes[0].lines
    assert len(lines) == 3 + 2  # three sizes, the ringed best, the power law
    best = lines[3].get_ydata().tolist()
    for budget, loss in zip((6e8, 6e9), best, strict=True):
        assert loss == min(p["val_loss"] for p in points if p["budget"] == budget)
    with pytest.raises(TypeError, match="envelope"):
        plot_loss_against_compute(points, (5.0, -0.05))


def test_isoflops_star_the_minima_they_are_given():
    points = _points()
    minima = isoflop_minima(
        [p["budget"] for p in points],
        [p["non_embedding"] for p in points],
        [p["val_loss"] for p in points],
        inside=False,
    )
    fig = plot_isoflops(points, minima)
    stars = [line for line in fig.axes[0].lines if line.get_marker() == "*"]
    assert len(stars) == len(minima)
    assert stars[0].get_xdata()[0] == pytest.approx(minima[0].params)
    with pytest.raises(TypeError, match="minima"):
        plot_isoflops(points, [(1, 2)])
    with pytest.raises(ValueError, match="lacks"):
        plot_isoflops([{"size": "a"}])


def test_compute_explorer_slider_moves_the_marker_and_rewrites_the_note():
    budgets = log_budgets(1e18, 1e22)
    optima = {"ours": [compute_optimal(FIT, c) for c in budgets]}
    fig = compute_explorer(budgets, optima, active=0)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["1e+18", "1e+19", "1e+20", "1e+21", "1e+22"]
    first, last = steps[0].args, steps[-1].args
    assert first[0]["x"][0][0] == 1e18 and last[0]["x"][0][0] == 1e22
    n_last, d_last = optima["ours"][-1]
    assert last[0]["y"][0] == [n_last, d_last]
    assert "C = 1.0e+22" in last[1]["annotations"][0]["text"]
    assert fig.layout.annotations[0].text.startswith("<b>C = 1.0e+18")
    html = show_plotly(fig).html
    assert 'type="range"' in html and "compute budget" in html


def test_compute_explorer_refuses_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        compute_explorer([1e20, 1e19], {"a": [(1, 1), (1, 1)]})
    with pytest.raises(ValueError, match="one"):
        compute_explorer([1e19, 1e20], {"a": [(1, 1)]})
    with pytest.raises(ValueError, match="positive"):
        compute_explorer([1e19], {"a": [(0, 1)]})
    with pytest.raises(ValueError, match="active"):
        compute_explorer([1e19], {"a": [(1, 1)]}, active=3)


def test_log_budgets_cover_the_range():
    assert log_budgets(1e9, 1e10, per_decade=2) == pytest.approx([1e9, 10**9.5, 1e10])
    with pytest.raises(ValueError):
        log_budgets(10, 1)


def test_minima_type_is_the_fit_modules():
    assert IsoFLOPMinimum(1.0, 2.0, 3.0, 4.0, 3).points == 3
