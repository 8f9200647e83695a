"""Tests of chapter 6's figure builders (stepbytoken.book.figures.learning)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from stepbytoken.book.figures import (
    plot_descent_losses,
    plot_descent_paths,
    plot_lr_schedule,
    plot_model_sizes,
    plot_training_samples,
)
from stepbytoken.evaluation import non_embedding_parameters
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.training import (
    TrainConfig,
    TrainResult,
    Valley,
    gradient_descent,
    loss_grid,
)

VALLEY = Valley(steep=10.0, shallow=1.0, angle=30.0, centre=(1.0, 0.5))
LRS = [0.01, 0.1, 0.205, 0.22]


@pytest.fixture(scope="module")
def paths():
    return {lr: gradient_descent(VALLEY, (-1.5, 2.0), lr=lr, steps=40) for lr in LRS}


@pytest.fixture
def run():
    rng = np.random.default_rng(0)
    result = TrainResult(
        TrainConfig(steps=20),
        steps=list(range(20)),
        train_loss=(3 + rng.random(20)).tolist(),
        lr=rng.random(20).tolist(),
    )
    result.eval_steps, result.eval_val_loss = [0, 10, 20], [4.0, 3.5, 3.2]
    return result


def test_descent_slider_holds_every_path(paths):
    fig = plot_descent_paths(VALLEY, paths, shown=0.1)
    contour, path, minimum = fig.data
    assert np.array_equal(contour.z, loss_grid(VALLEY, contour.x, contour.y))
    # drawn before the reader acts
    assert np.array_equal(path.x, paths[0.1].points[:, 0])
    assert (minimum.x, minimum.y) == ((1.0,), (0.5,))
    slider = fig.layout.sliders[0]
    assert slider.active == 1 and [s.label for s in slider.steps] == [
        str(lr) for lr in LRS
    ]
    for step, lr in zip(slider.steps, LRS, strict=True):
        assert step.args[0]["x"] == [paths[lr].points[:, 0].tolist()] and list(
            step.args[2]
        ) == [1]
    titles = [s.args[1]["title.text"] for s in slider.steps]
    assert (
        titles[1]
        == f"learning rate 0.1: loss {paths[0.1].losses[-1]:.3g} after 40 steps"
    )
    assert "diverges" in titles[2] and "after 40 steps" in titles[2]  # loss grew
    assert paths[0.22].diverged and titles[3].endswith(
        f"after {len(paths[0.22].losses) - 1} steps)"
    )


def test_descent_slider_needs_a_shown_rate(paths):
    with pytest.raises(ValueError, match="shown must be one of the learning rates"):
        plot_descent_paths(VALLEY, paths, shown=0.3)


def test_descent_losses_draw_the_chosen_rates(paths):
    fig = plot_descent_losses(paths, [0.01, 0.205])
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == [
        "learning rate 0.01",
        "learning rate 0.205",
    ]
    assert np.array_equal(ax.lines[1].get_ydata(), paths[0.205].losses)
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="lrs must be learning rates of paths"):
        plot_descent_losses(paths, [0.5])
    plt.close("all")


def test_training_slider_shows_each_sample(run):
    samples = {0: ["\x13<b>x & y", "other"], 10: ["line one\nline two " + "word " * 80]}
    fig = plot_training_samples(run, samples, "Once")
    batch, held_out, marker = fig.data
    assert list(batch.y) == run.train_loss and list(held_out.y) == run.eval_val_loss
    # the last sampled step, on held-out loss
    assert (marker.x, marker.y) == ((10,), (3.5,))
    slider = fig.layout.sliders[0]
    assert slider.active == 1 and [s.label for s in slider.steps] == ["0", "10"]
    first = slider.steps[0].args[1]["annotations"][0]["text"]
    # escaped, first sample only
    assert first == "<b>step 0</b><br>Once\ufffd&lt;b&gt;x &amp; y"
    last = fig.layout.annotations[0].text
    assert last.startswith("<b>step 10</b><br>Onceline one<br>line two")
    assert last.count("<br>") == 6  # the step, then at most six wrapped lines


def test_training_slider_falls_back_to_the_batch_loss(run):
    fig = plot_training_samples(run, {5: ["a"]}, "")
    assert fig.data[2].y == (run.train_loss[5],)  # no held-out loss at step 5
    with pytest.raises(ValueError, match="not a step of the run"):
        plot_training_samples(run, {25: ["a"]}, "")
    with pytest.raises(ValueError, match="samples must hold at least one step"):
        plot_training_samples(run, {}, "")


def test_lr_schedule(run):
    line = plot_lr_schedule(run).axes[0].lines[0]
    assert (
        line.get_xdata().tolist() == run.steps and line.get_ydata().tolist() == run.lr
    )
    with pytest.raises(TypeError, match="result must be a TrainResult"):
        plot_lr_schedule([0.1])
    plt.close("all")


def test_model_sizes_place_each_width(run):
    runs = {}
    for d_model in (16, 8):
        model = GPT(
            GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, d_model=d_model)
        )
        runs[d_model] = (model, run)
    left, right = plot_model_sizes(runs).axes
    # sorted
    assert [line.get_label() for line in left.lines] == ["d_model 8", "d_model 16"]
    sizes = [c.get_offsets()[0][0] for c in right.collections]
    assert sizes == [non_embedding_parameters(runs[d][0]) for d in (8, 16)]
    assert right.get_xscale() == "log" and left.get_ylim()[1] == 5.0
    with pytest.raises(ValueError, match="runs must hold at least one model"):
        plot_model_sizes({})
    plt.close("all")
