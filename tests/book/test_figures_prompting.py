"""Tests of chapter 12's figure builders (stepbytoken.book.figures.prompting)."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures import (
    plot_chain_of_thought,
    plot_few_shot,
    plot_order_spread,
    plot_self_consistency,
    prompting_widget_data,
)
from stepbytoken.recipes.prompting import load_prompting


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def results():
    return load_prompting()[0]


def test_few_shot_draws_one_line_per_wording_with_intervals(results):
    fig = plot_few_shot(results["few_shot"])
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == len(results["few_shot"])
    first = next(iter(results["few_shot"].values()))
    assert ax.lines[0].get_ydata()[0] == pytest.approx(
        100 * first[0]["greedy"]["value"]
    )
    chosen = plot_few_shot(results["few_shot"], method="choice")
    scored = [n for n, rows in results["few_shot"].items() if "choice" in rows[0]]
    assert len(chosen.axes[0].get_legend().get_texts()) == len(scored) > 0
    with pytest.raises(ValueError):
        plot_few_shot(results["few_shot"], method="sampled")


def test_order_spread_draws_one_dot_per_order(results):
    wordings = results["orders"]["wordings"]
    fig = plot_order_spread(wordings)
    scatters = fig.axes[0].collections[::2]  # each wording: its dots, then its range
    assert [len(c.get_offsets()) for c in scatters] == [
        len(r) for r in wordings.values()
    ]


def test_chain_of_thought_and_votes_figures(results):
    cot = results["chain_of_thought"]
    fig = plot_chain_of_thought({name: r["greedy"] for name, r in cot.items()})
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == pytest.approx([100 * cot[n]["greedy"]["value"] for n in cot])
    fig = plot_self_consistency(cot)
    assert len(fig.axes[0].get_legend().get_texts()) == len(cot)


def test_widget_data_is_json_with_a_prompt_behind_every_point(results):
    data = prompting_widget_data(results)
    json.dumps(data)
    for panel in data["panels"]:
        for series in panel["series"]:
            for point in series["points"]:
                assert (
                    point["prompt"] and point["low"] <= point["value"] <= point["high"]
                )
    few = data["panels"][0]["series"]
    assert [s["name"] for s in few] == list(results["few_shot"])
    with pytest.raises(ValueError, match="few_shot"):
        prompting_widget_data({"orders": {}})
