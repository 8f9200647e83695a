"""Tests of chapter 4's figure builders (stepbytoken.book.figures.attention, .attention_maps)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from stepbytoken.book.figures import (
    matrix_table,
    plot_attention_maps,
    plot_causal_weights,
    plot_head_accuracy,
    plot_scaling,
)
from stepbytoken.book.figures.attention import plot_attention_cost
from stepbytoken.book.figures.attention_maps import sentence_end, token_labels
from stepbytoken.evaluation import AttentionCost, pronoun_cases
from stepbytoken.nn import GPT, GPTConfig, scaled_dot_product_attention
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import DOC_SEPARATOR

TOKENS = ["Mira", "met", "Tobin", "she"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_matrix_table_labels_rows_and_columns():
    text = matrix_table("T", torch.tensor([[0.5, 1.0, 0.0]]), ["q"], ["a", "b", "c"])
    assert text.splitlines() == [
        "T",
        " " * 7 + "      a      b      c",
        "      q   0.50   1.00   0.00",
    ]
    with pytest.raises(
        ValueError, match=r"shape \(len\(rows\), len\(cols\)\) = \(2, 2\)"
    ):
        matrix_table("T", torch.zeros(2, 3), ["a", "b"])


def test_scaling_figure_draws_every_width_with_and_without_scaling():
    dims = [4, 16, 64]
    stats = {
        (d, s): {"effective": d / (2 - s), "jacobian": 1 / d}
        for d in dims
        for s in (0, 1)
    }
    fig = plot_scaling({(d, bool(s)): v for (d, s), v in stats.items()}, n_keys=32)
    left, right = fig.axes
    lines = {line.get_label(): list(line.get_ydata()) for line in left.get_lines()}
    assert lines == {
        "scores / sqrt(d)": [4.0, 16.0, 64.0],
        "raw scores": [2.0, 8.0, 32.0],
    }
    assert [list(line.get_xdata()) for line in right.get_lines()] == [dims, dims]
    assert left.get_ylim() == (0, 32)


def test_cost_figure_draws_times_in_ms_and_memory_in_mib_against_length():
    cost = AttentionCost(
        (128, 256),
        {"explicit": (0.001, 0.004), "fused": (0.0005, 0.001)},
        {"explicit": (2**21, 2**23), "fused": (2**20, 2**21)},
        (2**20, 2**22),
    )
    left, right = plot_attention_cost(cost).axes
    times = [list(line.get_ydata()) for line in left.get_lines()]
    assert times == [
        pytest.approx([1.0, 4.0]),
        pytest.approx([0.5, 1.0]),
        pytest.approx([1, 4]),
    ]
    memory = [list(line.get_ydata()) for line in right.get_lines()]
    assert memory == [
        pytest.approx([2, 8]),
        pytest.approx([1, 2]),
        pytest.approx([1, 4]),
    ]
    assert list(left.get_lines()[0].get_xdata()) == [128, 256]
    with pytest.raises(TypeError, match="cost must be an AttentionCost"):
        plot_attention_cost({"lengths": (1,)})


def test_causal_figure_greys_out_the_upper_triangle():
    q = k = v = torch.eye(4)
    _, full = scaled_dot_product_attention(q, k, v)
    _, causal = scaled_dot_product_attention(q, k, v, causal=True)
    fig = plot_causal_weights(full, causal, TOKENS)
    texts = [[t.get_text() for t in ax.texts] for ax in fig.axes if ax.texts]
    assert texts[0].count("masked") == 0 and texts[1].count("masked") == 6
    assert texts[1][0] == "1.00"  # Mira attends only to herself
    with pytest.raises(ValueError, match=r"masked_weights must have shape \(4, 4\)"):
        plot_causal_weights(full, causal[:3, :3], TOKENS)


def test_head_accuracy_bars_are_the_percentages_grouped_by_layer():
    accuracy = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    fig = plot_head_accuracy(accuracy, torch.tensor(0.42), 0.9)
    ax = fig.axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx([10, 20, 30, 40, 50, 60])
    assert [bar.get_x() + bar.get_width() / 2 for bar in ax.patches] == [
        0,
        1,
        2,
        4,
        5,
        6,
    ]
    assert [line.get_ydata()[0] for line in ax.get_lines()] == pytest.approx([42, 90])


@pytest.fixture(scope="module")
def tokenizer():
    return BPETokenizer.train(
        "Ada met Bo. she he She He " * 8, 30, special_tokens=[DOC_SEPARATOR]
    )


def test_attention_maps_figure_has_one_heatmap_per_head_and_two_stories(tokenizer):
    model = GPT(
        GPTConfig(
            vocab_size=tokenizer.vocab_size,
            block_size=64,
            n_layer=2,
            n_head=3,
            d_model=12,
        )
    ).eval()
    stories = ["Ada met Bo. Then she left. The end.", "Bo met Ada at noon. He left."]
    cases = pronoun_cases(
        stories, tokenizer, {"Ada": "female", "Bo": "male"}, block_size=64
    )
    fig = plot_attention_maps(model, tokenizer, cases, start=(1, 2))
    assert len(fig.data) == 6
    assert [t.visible for t in fig.data] == [False] * 5 + [True]
    she, he = (b.args[0] for b in fig.layout.updatemenus[1].buttons)
    for view in (she, he):
        for z in view["z"]:  # per cent, lower triangle: row i covers tokens 0..i
            assert [len(row) for row in z] == list(range(1, len(view["x"][0]) + 1))
            assert all(abs(sum(row) - 100) <= len(row) for row in z)
    # cut after the sentence with the pronoun; a repeated label gets a zero-width space
    assert "".join(she["x"][0]).replace("\u200b", "").endswith("Thenshe␣left.")
    assert fig.layout.updatemenus[0].active == 5
    with pytest.raises(ValueError, match="start"):
        plot_attention_maps(model, tokenizer, cases, start=(2, 0))


def test_labels_are_distinct_and_sentences_end_at_a_full_stop():
    tok = BPETokenizer()
    ids = tok.encode("a a. b")
    assert len(set(token_labels(tok, ids))) == len(ids)
    assert sentence_end(tok, ids, 0) == 4
    assert sentence_end(tok, ids, 4) == len(ids)


def test_scaling_figure_refuses_stats_that_are_not_a_mapping():
    from stepbytoken.book.figures.attention import plot_scaling

    with pytest.raises(TypeError, match="stats must be a mapping"):
        plot_scaling(None, n_keys=8)
    with pytest.raises(ValueError, match="stats must be a non-empty mapping"):
        plot_scaling({}, n_keys=8)


def test_token_helpers_refuse_a_missing_tokenizer_or_bad_ids():
    tok = BPETokenizer()
    ids = tok.encode("Hi. Yo.")
    for helper, args in ((sentence_end, (ids, 0)), (token_labels, (ids,))):
        with pytest.raises(
            TypeError, match="tokenizer must be a BPETokenizer, got NoneType"
        ):
            helper(None, *args)
    with pytest.raises(TypeError, match="ids must be a sequence of ints"):
        token_labels(tok, None)
    with pytest.raises(ValueError, match=r"ids\[0\] must be an int >= 0"):
        sentence_end(tok, [-1, 2], 0)
