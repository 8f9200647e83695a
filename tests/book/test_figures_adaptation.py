"""Tests of chapter 14's figure builders (stepbytoken.book.figures.adaptation)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from stepbytoken.book.figures.adaptation import (
    plot_codebooks,
    plot_runs,
    plot_update_spectrum,
    rank_explorer,
    run_rows,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _run(name, trainable, new=0.5, old=0.5):
    accuracy = {"new_heldout": new, "new_asked": new, "old": old}
    return {"name": name, "trainable": trainable, "total": 1000, "accuracy": accuracy}


RUNS = [_run("full", 1000, 0.9, 0.2)] + [
    _run(f"lora-{t}-{r}", r * (3 if t == "all" else 1), r / 20, 1 - r / 20)
    for t in ("attention", "all")
    for r in (1, 4, 16)
]


def test_rows_are_percentages():
    rows = run_rows(RUNS)
    assert rows["lora-all-4"] == pytest.approx(
        {"share": 1.2, "new_heldout": 20.0, "new_asked": 20.0, "old": 80.0}
    )


def test_the_slider_swaps_the_lora_bars_and_the_title():
    fig = rank_explorer(RUNS, shown=4)
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == ["1", "4", "16"] and slider.active == 1
    assert list(fig.data[1].y) == [1.2, 20.0, 80.0]
    assert list(fig.data[2].y) == [100.0, 90.0, 20.0]  # full fine-tuning stays
    last = slider.steps[2].args
    assert last[0]["y"][1] == [4.8, 80.0, 20.0] and list(last[2]) == [0, 1]
    assert "rank 16" in last[1]["title.text"] and "rank 4" in fig.layout.title.text


def test_the_explorer_refuses_incomplete_runs():
    with pytest.raises(ValueError, match="full"):
        rank_explorer(RUNS[1:])
    with pytest.raises(ValueError, match="lora-all-16"):
        rank_explorer([r for r in RUNS if r["name"] != "lora-all-16"])
    with pytest.raises(ValueError, match="shown"):
        rank_explorer(RUNS, shown=8)
    with pytest.raises(TypeError):
        run_rows("full")
    with pytest.raises(ValueError, match="runs\\[0\\]"):
        run_rows([{"name": "x"}])


def test_static_figures_draw_what_they_are_given():
    fig = plot_runs(RUNS)
    assert len(fig.axes) == 3 and len(fig.axes[0].collections) == len(RUNS)
    spectrum = {
        "blocks.0.attn.c_attn.weight": [4.0, 2.0, 1.0],
        "blocks.0.mlp.c_fc.weight": [1.0],
    }
    fig = plot_update_spectrum(spectrum)
    assert fig.axes[0].lines[0].get_ydata().tolist() == [1.0, 0.5, 0.25]
    with pytest.raises(ValueError, match="largest first"):
        plot_update_spectrum({"m": [0.0]})
    fig = plot_codebooks(torch.randn(640, generator=torch.Generator().manual_seed(0)))
    assert len(fig.axes[0].lines) == 15 + 16
    with pytest.raises(ValueError, match="block_size"):
        plot_codebooks(torch.ones(10))
