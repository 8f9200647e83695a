"""Tests of chapter 18's figure builders (stepbytoken.book.figures.kv_cache)."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.book.figures.kv_cache import (
    kv_cache_state,
    kv_cache_widget,
    plot_cache_sizes,
    plot_grouped_query,
    plot_timings,
)
from stepbytoken.book.interactive import widget_requires
from stepbytoken.generation import generate
from stepbytoken.nn import GPT, GPTConfig


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_state_follows_a_greedy_generation(reference):
    state = kv_cache_state(
        reference.model, reference.tokenizer, "Mira lived in", new_tokens=6
    )
    n = state["n_prompt"]
    expected = generate(reference.model, state["ids"][:n], 6, greedy=True).tolist()
    assert state["ids"] == expected
    steps = state["steps"]
    assert steps[0]["kind"] == "prefill" and steps[0]["read"] == list(range(n))
    assert [s["cache"] for s in steps] == list(range(n, n + 6))
    assert all(s["kind"] == "decode" and len(s["read"]) == 1 for s in steps[1:])
    # the prefill costs the same either way; each decode step costs less with the cache
    assert steps[0]["flops"] == steps[0]["flops_without"]
    assert all(s["flops"] < s["flops_without"] for s in steps[1:])
    assert len(state["keys"]) == n + 5 and len(state["keys"][0]) == 4
    c = reference.config
    assert state["bytes_per_token"] == 2 * c.n_layer * c.d_model * 4


def test_the_widget_carries_its_data_and_the_live_model(reference):
    figure = kv_cache_widget(
        reference.model, reference.tokenizer, "One day", new_tokens=4
    )
    assert 'data-sbt-widget="kv-cache"' in figure.html
    raw = re.search(r'class="sbt-data">(.*?)</script>', figure.html, re.S).group(1)
    data = json.loads(raw.replace("<\\/", "</"))
    assert data["model"]["name"] == "reference" and len(data["state"]["steps"]) == 4
    assert widget_requires("kv-cache")[:3] == ["sbt-widgets.js", "bpe.js", "gpt.js"]
    assert "widget-kv-cache.js" in widget_requires("kv-cache")


def test_the_widget_refuses_a_model_that_is_not_the_shipped_one(reference):
    other = GPT(
        GPTConfig(vocab_size=1281, block_size=64, n_layer=1, n_head=2, d_model=16)
    )
    with pytest.raises(ValueError, match="not the shipped model"):
        kv_cache_widget(other, reference.tokenizer, "One day", new_tokens=2)


def test_bad_state_arguments_are_refused(reference):
    with pytest.raises(ValueError):
        kv_cache_state(reference.model, reference.tokenizer, "", new_tokens=2)
    with pytest.raises(ValueError):
        kv_cache_state(reference.model, reference.tokenizer, "One day", new_tokens=500)
    with pytest.raises(TypeError):
        kv_cache_state(torch.nn.Linear(2, 2), reference.tokenizer, "One day")


def test_timings_draw_one_line_per_setting():
    fig = plot_timings(
        [8, 64], {"a": [1.0, 2.0], "b": [1.0, 8.0]}, xlabel="prompt tokens"
    )
    assert [line.get_ydata().tolist() for line in fig.axes[0].lines] == [[1, 2], [1, 8]]
    with pytest.raises(ValueError, match="one value per length"):
        plot_timings([8, 64], {"a": [1.0]}, xlabel="x")


def test_cache_sizes_are_labelled_in_binary_units():
    fig = plot_cache_sizes({"ours": 262144, "big": 1.25 * 2**30}, xlabel="bytes")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["256.0 KiB", "1.25 GiB"]
    with pytest.raises(ValueError):
        plot_cache_sizes({"zero": 0}, xlabel="bytes")


def test_grouped_query_curves_start_at_the_converted_loss():
    row = {"n_kv_head": 2, "cache_bytes_per_token": 2048, "eval_steps": [0, 5, 10],
           "eval_val_loss": [1.5, 0.9, 0.8]}  # fmt: skip
    fig = plot_grouped_query({"2": row, "4": {**row, "n_kv_head": 4}})
    lines = fig.axes[0].lines
    assert len(lines) == 2 and lines[0].get_ydata().tolist() == [1.5, 0.9, 0.8]
    assert "4 key/value heads" in lines[0].get_label()
