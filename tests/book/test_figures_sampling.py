"""Tests of chapter 7's figure builders (stepbytoken.book.figures.sampling)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from stepbytoken.book.figures import (
    DECODER_FAMILIES,
    plot_copy_probabilities,
    plot_decoder_tradeoff,
    plot_nucleus_sizes,
    plot_temperature_sweep,
    sampling_widget,
    sampling_widget_prompts,
)
from stepbytoken.generation import next_token_distribution
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_copy_probabilities_one_line_per_phrase():
    ax = plot_copy_probabilities({" A cat.\n": [0.1, 0.5, 0.6], "B": [0.2, 0.2]}).axes[
        0
    ]
    assert [line.get_label() for line in ax.lines] == [
        "\u201cA cat.\u201d",
        "\u201cB\u201d",
    ]
    assert ax.lines[0].get_xdata().tolist() == [1, 2, 3] and ax.get_yscale() == "log"


def test_temperature_sweep_labels_each_prompt():
    temperatures = [0.5, 1.0, 2.0]
    ax = plot_temperature_sweep(
        temperatures, {"a": [1, 2, 3], "b": [1, 1, 2]}, {"a": "A"}
    ).axes[0]
    # b has no label: itself
    assert [line.get_label() for line in ax.lines[:2]] == ["A", "b"]
    assert (
        list(ax.lines[2].get_xdata()) == [1.0, 1.0]
        and ax.lines[2].get_linestyle() == "--"
    )
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="has 2 values for 3 temperatures"):
        plot_temperature_sweep(temperatures, {"a": [1, 2]})


def test_nucleus_sizes_count_every_position():
    nucleus = np.array([1] * 50 + [2, 3, 7, 40, 151])
    ax = plot_nucleus_sizes(nucleus, p=0.8).axes[0]
    assert sum(patch.get_height() for patch in ax.patches) == len(nucleus)
    assert ax.patches[0].get_height() == 50  # the first bin holds the one-token nuclei
    assert "p = 0.8" in ax.get_xlabel()
    for bad in (np.array([], dtype=int), np.array([0, 1])):
        with pytest.raises(ValueError, match="one count >= 1 per position"):
            plot_nucleus_sizes(bad)


def test_decoder_tradeoff_joins_families_and_clips_far_points():
    results = {
        "greedy": {"distinct-2": 0.03, "log-prob": -0.40},
        "T = 0.5": {"distinct-2": 0.39, "log-prob": -0.44},
        "T = 1": {"distinct-2": 0.55, "log-prob": -0.47},
        "T = 1.5": {"distinct-2": 0.69, "log-prob": -1.69},
        "mine": {"distinct-2": 0.5, "log-prob": -0.6},
    }
    ax = plot_decoder_tradeoff(results, -0.52).axes[0]
    lines = {
        line.get_label(): line
        for line in ax.lines
        if not line.get_label().startswith("_")
    }
    # top-k has no setting here
    assert list(lines) == ["top-p", "greedy", "temperature"]
    assert list(lines["temperature"].get_xdata()) == [
        -0.44,
        -0.47,
        -1.0,
    ]  # T = 1.5 at the left edge
    # its only point, T = 1, is temperature's
    assert lines["top-p"].get_markevery() == []
    labels = [text.get_text() for text in ax.texts]
    assert (
        "\u2190 T = 1.5 (-1.69)" in labels
        and "mine" in labels
        and " real text" in labels
    )
    # right of the likeliest, -0.40
    assert ax.get_xlim() == pytest.approx((-1.02, -0.35))
    assert DECODER_FAMILIES["greedy"][0] == ["greedy"]


def test_decoder_tradeoff_draws_per_prompt_scores_with_error_bars():
    results = {
        "T = 0.5": {
            "distinct-2": np.array([0.3, 0.5]),
            "log-prob": np.array([-0.5, -0.3]),
        },
        "T = 1": {
            "distinct-2": np.array([0.5, 0.7]),
            "log-prob": np.array([-0.6, -0.4]),
        },
    }
    ax = plot_decoder_tradeoff(results, -0.5, z=2.0).axes[0]
    [line] = [line for line in ax.lines if line.get_label() == "temperature"]
    assert line.get_xdata() == pytest.approx([-0.4, -0.5])  # the means over prompts
    assert line.get_ydata() == pytest.approx([0.4, 0.6])
    bars = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(bars) == 2  # T = 1 once, though two families end there
    x_bar = bars[0].lines[2][0].get_segments()[0]  # the horizontal bar of T = 0.5
    # 2 standard errors of 0.1
    assert x_bar[:, 0] == pytest.approx([-0.4 - 0.2, -0.4 + 0.2])
    assert ax.get_xlim()[1] == pytest.approx(-0.4 + 0.2 + 0.05)
    with pytest.raises(ValueError, match="z must be a finite number > 0"):
        plot_decoder_tradeoff(results, -0.5, z=0)


def test_sampling_widget_holds_the_top_tokens(widget_data):
    text = "<|endoftext|>\nthe cat sat on the mat. " * 3
    tok = BPETokenizer.train(text, 8, special_tokens=["<|endoftext|>"])
    model = GPT(
        GPTConfig(
            vocab_size=tok.vocab_size, block_size=8, n_layer=1, n_head=2, d_model=8
        ),
        seed=0,
    )
    [entry] = sampling_widget_prompts(model, tok, ["<|endoftext|>\nthe cat"], top=5)
    with torch.no_grad():
        logits = model(torch.tensor([tok.encode("<|endoftext|>\nthe cat")]))[0][0, -1]
    best = torch.topk(logits, 5)
    assert entry["text"] == "(new document) the cat"
    assert entry["tokens"] == [tok.token_str(i) for i in best.indices.tolist()]
    assert entry["logits"] == pytest.approx(best.values.tolist(), abs=5e-5)
    probs = next_token_distribution(logits)
    assert entry["mass"] == pytest.approx(probs[best.indices].sum().item())
    data = widget_data(sampling_widget([entry], shown=3))
    assert data["shown"] == 3 and data["prompts"] == [entry]
    with pytest.raises(ValueError, match="top must be an int >= 1"):
        sampling_widget_prompts(model, tok, ["the"], top=0)


def test_sampling_figures_refuse_missing_or_malformed_arguments():
    with pytest.raises(TypeError, match="copy_prob must be a mapping"):
        plot_copy_probabilities(None)
    with pytest.raises(TypeError, match="temperatures must be a sequence of numbers"):
        plot_temperature_sweep(None, {"a": [1.0]})
    with pytest.raises(ValueError, match="temperatures must all be > 0"):
        plot_temperature_sweep([0.0, 1.0], {"a": [1.0, 2.0]})
    with pytest.raises(TypeError, match="labels must be a mapping"):
        plot_temperature_sweep([1.0], {"a": [1.0]}, labels="a")
    with pytest.raises(TypeError, match="prompts must be a list of dicts"):
        sampling_widget(None)
    with pytest.raises(ValueError, match=r"prompts\[0\] must have the keys"):
        sampling_widget([{"text": "Hi"}])


def test_widget_prompts_refuse_bad_texts_and_a_top_beyond_the_vocabulary():
    tok = BPETokenizer.train("the cat sat on the mat. " * 3, 4)
    model = GPT(
        GPTConfig(
            vocab_size=tok.vocab_size, block_size=8, n_layer=1, n_head=2, d_model=8
        ),
        seed=0,
    )
    with pytest.raises(TypeError, match="texts must be a list of str"):
        sampling_widget_prompts(model, tok, None)
    with pytest.raises(
        ValueError, match=rf"top must be an int in \[1, {tok.vocab_size}\]"
    ):
        sampling_widget_prompts(model, tok, ["the cat"], top=tok.vocab_size + 1)
    [entry] = sampling_widget_prompts(model, tok, ["the cat"], top=tok.vocab_size)
    assert len(entry["tokens"]) == tok.vocab_size
