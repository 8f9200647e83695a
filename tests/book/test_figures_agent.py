"""Tests of chapter 11's figure builders (stepbytoken.book.figures.agent)."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures.agent import (
    OUTCOME_LABELS,
    episode_frames,
    plot_failures,
    plot_tool_accuracy,
)
from stepbytoken.evaluation.agent import FAILURES
from stepbytoken.recipes.agent import load_agent


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def row(share, low, high):
    return {"correct": share, "low": low, "high": high, "n": 10}


def test_accuracy_bars_have_their_intervals():
    table = {
        "without tools": {"ages": row(0.1, 0.0, 0.4), "lookup": row(0.5, 0.2, 0.8)},
        "with tools": {"ages": row(0.9, 0.6, 1.0), "lookup": row(1.0, 0.7, 1.0)},
    }
    ax = plot_tool_accuracy(table).axes[0]
    assert [round(p.get_height()) for p in ax.patches] == [10, 50, 90, 100]
    tops = sorted(round(y) for line in ax.lines for y in line.get_ydata())
    assert 40 in tops and 80 in tops and 60 in tops  # each bar's interval
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ages", "lookup"]
    with pytest.raises(ValueError, match="every kind"):
        plot_tool_accuracy({"a": {"ages": row(0, 0, 0)}, "b": {}})


def test_failures_stack_to_the_number_of_episodes():
    counts = {
        "ages": {"correct": 3, "no_call": 1, "wrong_answer": 0},
        "lookup": {"correct": 4, "no_call": 0, "wrong_answer": 0},
    }
    ax = plot_failures(counts).axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [3, 4, 1, 0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "correct",
        OUTCOME_LABELS["no_call"],
    ]
    with pytest.raises(ValueError, match="unknown outcomes"):
        plot_failures({"ages": {"lucky": 1}})


def test_every_outcome_has_a_label():
    assert list(OUTCOME_LABELS) == list(FAILURES)


def test_stored_episodes_become_stepper_frames():
    records = load_agent().manifest["episodes"]
    episodes = episode_frames(records)
    json.dumps(episodes)  # JSON-ready for the widget
    assert len(episodes) == len(records) >= 16
    assert {e["outcome"] == "correct" for e in episodes} == {True, False}
    for episode, record in zip(episodes, records, strict=True):
        frames = episode["frames"]
        assert [f["text"] for f in frames] == [m[1] for m in record["messages"]]
        assistant = [f for f in frames if f["role"] == "assistant"]
        assert [f["status"] for f in assistant] == [
            s["status"] for s in record["steps"]
        ]
        assert all(f["note"] for f in assistant)
    with pytest.raises(TypeError, match="records"):
        episode_frames([{"messages": []}])


def test_the_episode_widget_carries_the_frames_of_every_episode():
    from stepbytoken.book.figures.agent import episode_widget

    record = {
        "question": "How much is 2 + 2?",
        "gold": "4",
        "outcome": "correct",
        "stop": "answered",
        "messages": [
            ["user", "How much is 2 + 2?"],
            ["assistant", "[calc: 2 + 2]"],
            ["tool", "4"],
            ["assistant", "The answer is 4."],
        ],
        "steps": [
            {
                "text": "[calc: 2 + 2]",
                "thought": None,
                "call": "[calc: 2 + 2]",
                "observation": "4",
                "status": "ran",
            },
            {
                "text": "The answer is 4.",
                "thought": None,
                "call": None,
                "observation": None,
                "status": "answer",
            },
        ],
    }
    html = episode_widget([record], title="T").html
    payload = html.split('class="sbt-data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(payload)
    assert data["title"] == "T" and data["episodes"] == episode_frames([record])
    assert data["outcomes"]["correct"] == "correct"
    with pytest.raises(TypeError, match="title"):
        episode_widget([record], title=3)
