"""Tests of chapter 1's figure builders (stepbytoken.book.figures.ngrams)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from stepbytoken.book.figures import (
    generation_widget,
    next_token_widget,
    plot_loss_curves,
    plot_perplexities,
    top_next_words,
)
from stepbytoken.book.plots import PALETTE
from stepbytoken.generation import generation_steps
from stepbytoken.nn import MLPLanguageModel, NGramModel
from stepbytoken.tokenizers import WordVocab
from stepbytoken.training import TrainConfig, TrainResult

WORDS = "the cat sat on the mat . the dog sat on the cat .".split()


@pytest.fixture
def vocab():
    return WordVocab.from_words(WORDS)


@pytest.fixture
def bigram(vocab):
    return NGramModel(2, len(vocab), smoothing="add-k", k=1.0).fit(vocab.encode(WORDS))


def test_loss_curves_show_the_run_and_the_baseline():
    run = TrainResult(TrainConfig(), steps=[0, 1, 2], train_loss=[5.0, 4.0, 3.5])
    run.eval_steps, run.eval_val_loss = [0, 2], [5.1, 3.9]
    fig = plot_loss_curves(
        run, baseline=math.log(40), baseline_label="trigram", y_range=(3, 6)
    )
    train, held_out = fig.data
    assert list(train.y) == run.train_loss and list(held_out.x) == run.eval_steps
    (line,) = fig.layout.shapes
    assert line.y0 == line.y1 == pytest.approx(math.log(40))
    assert fig.layout.annotations[0].text == "trigram"
    assert (
        list(fig.layout.yaxis.range) == [3, 6] and fig.layout.paper_bgcolor == "white"
    )
    assert not plot_loss_curves(run).layout.shapes


def test_loss_curves_check_their_arguments():
    with pytest.raises(TypeError, match="result must be a TrainResult"):
        plot_loss_curves({"steps": [0]})
    with pytest.raises(ValueError, match="baseline must be a finite number"):
        plot_loss_curves(TrainResult(TrainConfig()), baseline=math.nan)


def test_perplexity_bars_hold_the_values_in_order_with_the_book_colours():
    counted = {"unigram": 344.3, "bigram": 109.5, "trigram": 77.6}
    fig = plot_perplexities(counted, {"neural": 106.8, "mixed": 63.9})
    ax = fig.axes[0]
    assert [bar.get_width() for bar in ax.patches] == [344.3, 109.5, 77.6, 106.8, 63.9]
    assert [t.get_text() for t in ax.get_yticklabels()] == [*counted, "neural", "mixed"]
    assert [t.get_text() for t in ax.texts] == ["344", "110", "78", "107", "64"]
    expected = ["#999999", PALETTE[0], PALETTE[0], PALETTE[1], PALETTE[2]]
    colours = [bar.get_facecolor() for bar in ax.patches]
    assert np.allclose(colours, [plt.matplotlib.colors.to_rgba(c) for c in expected])
    assert ax.get_xscale() == "log"
    plt.close(fig)


@pytest.mark.parametrize(
    ("counted", "neural", "message"),
    [
        ({}, {}, "counted needs at least one model"),
        ({"unigram": 0.0}, {}, "perplexity of 'unigram' must be a finite number > 0"),
        ({"unigram": 2.0}, {str(i): 2.0 for i in range(7)}, "at most 6"),
    ],
)
def test_perplexity_bars_refuse_bad_scores(counted, neural, message):
    with pytest.raises(ValueError, match=message):
        plot_perplexities(counted, neural)


def test_generation_widget_lists_what_each_step_offered_and_chose(
    bigram, vocab, widget_data
):
    steps = generation_steps(bigram, [vocab.bos_id], max_new_tokens=4, seed=1, top=3)
    data = widget_data(generation_widget({"bigram": steps}, vocab.itos, "the"))
    assert data["prompt"] == "the" and data["models"] == ["bigram"]
    shown = data["runs"]["bigram"]
    assert [s["chosen"] for s in shown] == [vocab.itos[s.token] for s in steps]
    first = shown[0]["top"]
    assert [word for word, _ in first] == [vocab.itos[i] for i in steps[0].top_ids]
    assert [p for _, p in first] == pytest.approx(steps[0].top_probs, abs=5e-5)


def test_top_next_words_of_an_ngram_model_are_its_most_likely_tokens(bigram, vocab):
    context = vocab.encode(["the"])
    probs = bigram.next_token_probs(context)
    top = top_next_words(bigram, context, vocab.itos, k=3)
    assert [p for _, p in top] == pytest.approx(np.sort(probs)[::-1][:3], abs=5e-5)
    assert [p for _, p in top] == pytest.approx(
        [probs[vocab.stoi[w]] for w, _ in top], abs=5e-5
    )


def test_top_next_words_of_a_network_follow_its_softmax(vocab):
    model = MLPLanguageModel(len(vocab), context=2, d_embed=4, d_hidden=8, seed=3)
    ids = [vocab.bos_id, *vocab.encode(["the", "cat"])]
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor([ids]))[0][0, -1], dim=-1)
    top = top_next_words(model, ids, vocab.itos, k=len(vocab))
    assert sum(p for _, p in top) == pytest.approx(1.0, abs=1e-3)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    best = int(probs.argmax())
    assert top[0] == [vocab.itos[best], round(probs[best].item(), 4)]
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        top_next_words(model, ids, vocab.itos, k=0)


def test_next_token_widget_reads_each_prefix_after_a_paragraph_start(
    bigram, vocab, widget_data
):
    data = widget_data(
        next_token_widget({"bigram": bigram}, vocab, ["the cat", "<s>"], k=2)
    )
    assert [p["text"] for p in data["prefixes"]] == ["the cat", "<s>"]
    after_cat = top_next_words(
        bigram, [vocab.bos_id, *vocab.encode(["the", "cat"])], vocab.itos, 2
    )
    at_start = top_next_words(bigram, [vocab.bos_id], vocab.itos, 2)
    assert data["prefixes"][0]["dists"]["bigram"] == after_cat
    assert data["prefixes"][1]["dists"]["bigram"] == at_start
    with pytest.raises(TypeError, match=r"prefixes\[0\] must be a str"):
        next_token_widget({"bigram": bigram}, vocab, [3])


def test_widgets_refuse_missing_runs_models_and_bad_word_lists(bigram, vocab):
    with pytest.raises(TypeError, match="runs must be a mapping"):
        generation_widget(None, vocab.itos, "a")
    with pytest.raises(
        TypeError, match=r"itos must be a list of str \(not a single str\)"
    ):
        generation_widget({}, "a b c", "a")
    with pytest.raises(TypeError, match="models must be a mapping"):
        next_token_widget(None, vocab, ["the cat"])
    with pytest.raises(TypeError, match="vocab must be a WordVocab, got NoneType"):
        next_token_widget({"bigram": bigram}, None, ["the cat"])
    with pytest.raises(
        TypeError, match=r"prefixes must be a list of str \(not a single str\)"
    ):
        next_token_widget({"bigram": bigram}, vocab, "the cat")
