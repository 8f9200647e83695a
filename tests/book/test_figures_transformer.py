"""Tests of chapter 5's figure builders and widget data (stepbytoken.book.figures.transformer)."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from stepbytoken.book.figures import (
    gpt2_sizes,
    parameter_calculator,
    plot_ablation_runs,
    plot_depth_profiles,
    plot_parameter_shares,
    plot_positions,
    transformer_explorer,
)
from stepbytoken.evaluation import DepthProfile
from stepbytoken.nn import GPTConfig, parameter_breakdown, parameter_count
from stepbytoken.training import TrainConfig, TrainResult

TINY = GPTConfig(
    vocab_size=10, block_size=4, n_layer=1, n_head=1, d_model=2, bias=False
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_gpt2_sizes_are_the_published_ones():
    sizes = gpt2_sizes()
    assert parameter_count(sizes["GPT-2 small"]) == 124_439_808
    assert [(c.n_layer, c.n_head, c.d_model) for c in sizes.values()] == [
        (12, 12, 768),
        (24, 16, 1024),
        (36, 20, 1280),
        (48, 25, 1600),
    ]
    assert {c.vocab_size for c in sizes.values()} == {50257}


@pytest.mark.parametrize("build", [transformer_explorer, parameter_calculator])
def test_widgets_get_every_field_and_the_python_breakdown(build, widget_data):
    llama_style = dataclasses.replace(
        TINY, mlp="swiglu", d_ff=5, norm="rmsnorm", positions="rope"
    )
    configs = {"tiny": TINY, **gpt2_sizes(), "Llama-style": llama_style}
    data = widget_data(build(configs, start=2))
    items = data["configs"] if data["mode"] == "block" else data["presets"]
    assert data["start"] == 2 and [item["name"] for item in items] == list(configs)
    for item, config in zip(items, configs.values(), strict=True):
        assert item["breakdown"] == parameter_breakdown(config)
        fields = {f.name for f in dataclasses.fields(GPTConfig)}
        assert GPTConfig(**{k: v for k, v in item.items() if k in fields}) == config


def test_widget_arguments_are_checked():
    with pytest.raises(ValueError, match="configs must map at least one name"):
        transformer_explorer({})
    with pytest.raises(TypeError, match=r"configs\['x'\] must be a GPTConfig"):
        parameter_calculator({"x": {"d_model": 2}})
    with pytest.raises(ValueError, match="start must be an int in"):
        parameter_calculator({"tiny": TINY}, start=1)


def test_parameter_shares_add_up_to_the_whole_model():
    configs = {"tiny": TINY, "GPT-2 small": GPTConfig.gpt2_small(tie_weights=False)}
    fig = plot_parameter_shares(configs)
    assert [t.name for t in fig.data] == list(parameter_breakdown(TINY))
    for row, config in enumerate(configs.values()):
        assert sum(t.x[row] for t in fig.data) == pytest.approx(100)
        counts = {t.name: t.customdata[row][0] for t in fig.data}
        assert counts == parameter_breakdown(config)
        assert {t.customdata[row][1] for t in fig.data} == {parameter_count(config)}


def test_positions_figure_shows_both_matrices():
    positions, scores = torch.rand(6, 4), torch.rand(3, 3)
    fig = plot_positions(positions, scores)
    images = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    np.testing.assert_allclose(images[0], positions.numpy())
    np.testing.assert_allclose(images[1], scores.numpy())


def test_depth_profiles_draw_exact_zeros_at_the_floor():
    dead = DepthProfile(loss=1.0, stream_rms=[0.5, 1e-20, 0.0], grad_norms=[0.0, 0.1])
    fig = plot_depth_profiles({"full": dead, "neither": dead}, floor=1e-30)
    stream, grad = fig.axes
    assert list(stream.get_lines()[0].get_ydata()) == [0.5, 1e-20, 1e-30]
    assert list(grad.get_lines()[1].get_xdata()) == [1, 2]
    assert stream.get_lines()[0].get_linewidth() == 3.0  # the full model stands out


def test_ablation_runs_show_batches_held_out_losses_and_the_unigram_line():
    run = TrainResult(TrainConfig(), steps=[0, 1, 2], train_loss=[5.0, 4.5, 4.0])
    run.eval_steps, run.eval_val_loss = [0, 2], [5.1, 4.2]
    ax = plot_ablation_runs({"full": run, "no norm": run}, unigram=4.8).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 5  # two per run, and the unigram loss
    assert list(lines[1].get_ydata()) == [5.1, 4.2]
    # dots only
    assert lines[1].get_linestyle() == "None" and lines[1].get_marker() == "o"
    assert list(lines[-1].get_ydata()) == [4.8, 4.8]
    with pytest.raises(ValueError, match="at most 3 runs"):
        plot_ablation_runs({str(k): run for k in range(4)}, unigram=4.8)


def test_depth_and_ablation_figures_refuse_missing_arguments():
    with pytest.raises(TypeError, match="profiles must be a mapping"):
        plot_depth_profiles(None)
    with pytest.raises(TypeError, match="floor must be a finite number > 0"):
        plot_depth_profiles({}, floor=None)
    with pytest.raises(ValueError, match="floor must be a finite number > 0"):
        plot_depth_profiles({}, floor=float("nan"))
    with pytest.raises(TypeError, match="runs must be a mapping"):
        plot_ablation_runs(None, 1.0)
    with pytest.raises(ValueError, match="unigram must be a finite number >= 0"):
        plot_ablation_runs({}, float("inf"))
