"""Tests of chapter 9's figure builders (stepbytoken.book.figures.memory)."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pytest
import torch

from stepbytoken.book.figures import (
    plot_needle,
    plot_position_loss,
    plot_recall_by_distance,
    plot_strategies,
    window_steps,
    window_widget,
)
from stepbytoken.recipes.memory import eval_conversations, load_memory
from stepbytoken.tokenizers.chat import chat_prompt


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_recall_by_distance_draws_each_curve_and_the_window():
    curves = {"a": [(16, 4, 1.0), (32, 4, 0.5)], "b": [(16, 2, 0.0)]}
    ax = plot_recall_by_distance(curves, window=24, chance=0.25).axes[0]
    assert ax.lines[0].get_xdata().tolist() == [16, 32]
    assert ax.lines[1].get_ydata().tolist() == [0.0]
    assert list(ax.lines[2].get_xdata()) == [24, 24]  # the window
    assert list(ax.lines[3].get_ydata()) == [25.0, 25.0]  # chance


def test_position_loss_plots_every_position_on_a_log_scale():
    ax = plot_position_loss(torch.tensor([3.0, 1.0, 0.5, 0.5])).axes[0]
    assert ax.lines[0].get_ydata().tolist() == [3.0, 1.0, 0.5, 0.5]
    assert ax.get_yscale() == "log"
    with pytest.raises(TypeError, match="1-D tensor"):
        plot_position_loss(torch.zeros(2, 2))


def test_strategies_draw_recall_and_latest_per_strategy():
    results = {
        "truncate": {"recall": 0.1, "latest": 0.8},
        "summarise": {"recall": 0.8, "latest": 0.8},
    }
    ax = plot_strategies(results).axes[0]
    assert [round(p.get_width()) for p in ax.patches] == [10, 80, 80, 80]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["truncate", "summarise"]


def test_needle_draws_one_line_per_passage_size_from_place_one():
    rows = [{"position": 0, "generate": 0.5}, {"position": 1, "generate": 0.25}]
    ax = plot_needle({"4": rows}, key="generate").axes[0]
    assert ax.lines[0].get_xdata().tolist() == [1, 2]
    assert ax.get_legend().get_texts()[0].get_text() == "5 people in the passage"


@pytest.fixture(scope="module")
def steps():
    memory = load_memory()
    example = eval_conversations(8, 1)[0]
    return (
        example,
        memory,
        window_steps(memory.model, memory.tokenizer, example, window=64),
    )


def test_window_steps_count_the_tokens_inside_the_window(steps):
    example, memory, result = steps
    assert len(result) == (len(example.prompt) - 1) // 2
    for k, step in enumerate(result, start=1):
        chat = (*example.prompt[: 2 * k], example.prompt[-1])
        assert step["prompt_tokens"] == len(chat_prompt(memory.tokenizer, chat))
        assert [m[1] for m in step["messages"]] == [m.content for m in chat]
        # the messages' tokens, the start token and <|assistant|> make the prompt
        assert sum(m[2] for m in step["messages"]) + 2 == step["prompt_tokens"]
        inside = sum(m[3] for m in step["messages"])
        assert inside == min(64 - 1, step["prompt_tokens"] - 2)
        # the window is a suffix: once a message is partly inside, all later ones are inside
        seen = False
        for _, _, total, kept in step["messages"]:
            assert 0 <= kept <= total
            assert not seen or kept == total
            seen = seen or kept > 0


def test_window_steps_refuse_a_prompt_that_is_not_exchanges(steps):
    example, memory, _ = steps
    odd = example.__class__(**{**example.__dict__, "prompt": example.prompt[1:]})
    with pytest.raises(ValueError, match="exchanges"):
        window_steps(memory.model, memory.tokenizer, odd, window=64)


def test_the_widget_carries_the_steps():
    data_steps = [
        {
            "messages": [["user", "A.", 3, 3]],
            "prompt_tokens": 5,
            "reply": "B",
            "right": True,
        }
    ]
    w = window_widget(data_steps, window=4, fact=0)
    data = json.loads(
        re.search(r'class="sbt-data">(.*?)</script>', w.html)
        .group(1)
        .replace("<\\/", "</")
    )
    assert data["steps"] == data_steps and data["window"] == 4
    with pytest.raises(ValueError, match="at least one step"):
        window_widget([], window=4)
