"""Tests of chapter 2's figure builders (stepbytoken.book.figures.tokens)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from stepbytoken.book.figures import (
    PLAYGROUND_EXAMPLES,
    plot_compression,
    plot_merge_slider,
    tokenizer_widget,
)
from stepbytoken.tokenizers import BPETokenizer

SENTENCE = "the lowest lower low"


@pytest.fixture(scope="module")
def tokenizer():
    return BPETokenizer.train("low lower lowest the " * 30, 12)


def test_each_slider_position_spells_the_sentence_with_that_many_merges(tokenizer):
    steps = [0, 3, len(tokenizer.merges)]
    fig = plot_merge_slider(tokenizer, SENTENCE, steps, active=3)
    assert [trace.visible for trace in fig.data] == [False, True, False]
    for n, trace in zip(steps, fig.data, strict=True):
        ids = tokenizer.truncated(n).encode(SENTENCE)
        assert [row[1] for row in trace.customdata] == ids
        assert "".join(trace.text).replace("␣", " ") == SENTENCE
        # boxes tile the sentence: each starts where the previous one ended
        assert list(trace.base) == [sum(trace.x[:k]) for k in range(len(ids))]
        assert sum(trace.x) == len(SENTENCE.encode())
    (slider,) = fig.layout.sliders
    assert slider.active == 1 and [s.label for s in slider.steps] == [
        str(n) for n in steps
    ]
    assert fig.layout.title.text == f"3 merges: {len(fig.data[1].x)} tokens"


def test_merge_slider_checks_its_arguments(tokenizer):
    with pytest.raises(ValueError, match="active must be one of steps"):
        plot_merge_slider(tokenizer, SENTENCE, [0, 3], active=5)
    total = len(tokenizer.merges)
    with pytest.raises(
        ValueError, match=f"steps\\[1\\] must be an int in \\[0, {total}\\]"
    ):
        plot_merge_slider(tokenizer, SENTENCE, [0, total + 1], active=0)
    with pytest.raises(ValueError, match="sentence must be a non-empty str"):
        plot_merge_slider(tokenizer, "", [0], active=0)


def test_compression_panels_put_vocabulary_size_on_a_log_axis():
    results = {
        "a": {0: (1.0, 5.0), 100: (2.0, 2.5)},
        "b": {0: (1.0, 6.0), 50: (1.5, 4.0)},
    }
    fig = plot_compression(results)
    left, right = fig.axes
    assert [list(line.get_xdata()) for line in left.lines] == [[256, 356], [256, 306]]
    assert [list(line.get_ydata()) for line in left.lines] == [[1.0, 2.0], [1.0, 1.5]]
    assert [list(line.get_ydata()) for line in right.lines] == [[5.0, 2.5], [6.0, 4.0]]
    assert left.get_xscale() == right.get_xscale() == "log"
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["a", "b"]
    plt.close(fig)


def test_tokenizer_widget_carries_the_merges_and_the_examples(tokenizer, widget_data):
    data = widget_data(tokenizer_widget(tokenizer, "lower"))
    assert BPETokenizer.from_dict(data["model"]) == tokenizer
    assert data["text"] == "lower"
    assert data["examples"] == [list(e) for e in PLAYGROUND_EXAMPLES]
    with pytest.raises(TypeError, match="tokenizer must be a BPETokenizer"):
        tokenizer_widget(tokenizer.to_dict(), "lower")


def test_merge_slider_refuses_a_missing_tokenizer_and_bad_steps(tokenizer):
    with pytest.raises(
        TypeError, match="tokenizer must be a BPETokenizer, got NoneType"
    ):
        plot_merge_slider(None, SENTENCE, [0], active=0)
    with pytest.raises(TypeError, match="steps must be a sequence of ints"):
        plot_merge_slider(tokenizer, SENTENCE, None, active=0)
    with pytest.raises(TypeError, match="active must be an int"):
        plot_merge_slider(tokenizer, SENTENCE, [0, 1], active=True)
    with pytest.raises(ValueError, match="sentence must be valid Unicode text"):
        plot_merge_slider(tokenizer, "a\ud800", [0], active=0)


def test_merge_slider_bounds_the_sentence_it_draws(tokenizer):
    from stepbytoken.book.figures.tokens import MAX_SLIDER_CHARS

    plot_merge_slider(tokenizer, "l" * MAX_SLIDER_CHARS, [0], active=0)
    with pytest.raises(ValueError, match=f"at most {MAX_SLIDER_CHARS} characters"):
        plot_merge_slider(tokenizer, "l" * (MAX_SLIDER_CHARS + 1), [0], active=0)


def test_merge_slider_shows_a_token_that_splits_a_character():
    tok = BPETokenizer.train("é" * 40, 1)  # one merge; "ééé" leaves a lone byte token
    # two bytes, two tokens at 0 merges
    fig = plot_merge_slider(tok, "\u0301", [0], active=0)
    assert list(fig.data[0].text) == ["\ufffd", "\ufffd"]


def test_compression_figure_refuses_results_that_are_not_a_mapping():
    with pytest.raises(TypeError, match="results must be a mapping"):
        plot_compression(None)
