"""Tests of chapter 10's figure builders (stepbytoken.book.figures.retrieval)."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures.retrieval import (
    plot_answers,
    plot_chunk_sizes,
    plot_recall_at_k,
    rag_widget,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_chunk_sizes_draw_both_recalls_against_size():
    rows = [
        {"size": 1, "recall@1": 0.5, "recall@3": 0.7, "tokens": 9.0},
        {"size": 3, "recall@1": 0.6, "recall@3": 0.9, "tokens": 24.0},
    ]
    ax = plot_chunk_sizes(rows).axes[0]
    assert ax.lines[0].get_xdata().tolist() == [1, 3]
    assert ax.lines[1].get_ydata().tolist() == [70.0, 90.0]
    assert [t.get_text() for t in ax.texts] == ["9 tokens", "24 tokens"]
    with pytest.raises(TypeError, match="non-empty list"):
        plot_chunk_sizes([])


def test_recall_curves_start_at_k_1():
    ax = plot_recall_at_k({"BM25": [0.5, 0.75], "dense": [0.25, 0.5]}).axes[0]
    assert [line.get_xdata().tolist() for line in ax.lines] == [[1, 2], [1, 2]]
    assert ax.lines[1].get_ydata().tolist() == [25.0, 50.0]


def test_answers_draw_one_bar_per_model_and_condition_in_order():
    results = {"none": {"a": 0.1, "b": 0.2}, "bm25": {"a": 0.3, "b": 0.4}}
    ax = plot_answers(results, {"bm25": "BM25"}).axes[0]
    assert [round(p.get_width()) for p in ax.patches] == [10, 30, 20, 40]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["none", "BM25"]
    # a model not measured under a condition gets no bar there
    ax = plot_answers({"none": {"a": 0.1, "b": 0.2}, "bm25": {"b": 0.4}}).axes[0]
    assert [round(p.get_width()) for p in ax.patches] == [10, 20, 40]


def test_the_widget_carries_its_rows_as_json():
    row = {
        "question": "Who is the king of Pellucia?",
        "answer": "Quentin",
        "retrievers": {
            "BM25": {
                "hits": [["Quentin is the king of Pellucia.", "Pellucia", 2.5, True]],
                "prompt": "Read this: ...",
                "reply": "The king of Pellucia is Quentin.",
                "right": True,
            }
        },
    }
    html = rag_widget([row], k=1).html
    payload = re.search(
        r"<script type=\"application/json\"[^>]*>(.*?)</script>", html, re.S
    )
    data = json.loads(payload.group(1))
    assert data["retrievers"] == ["BM25"] and data["rows"] == [row] and data["k"] == 1
    with pytest.raises(ValueError, match="k must be"):
        rag_widget([row], k=0)
    with pytest.raises(TypeError, match="retrievers"):
        rag_widget([{"question": "?"}], k=1)
