"""Tests of chapter 3's figure builders (stepbytoken.book.figures.embeddings)."""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from stepbytoken.book.figures import (
    GROUP_STYLES,
    analogy_widget,
    int8_rows,
    plot_analogy_accuracy,
    plot_neighbour_overlap,
    plot_similarity_heatmaps,
    plot_word_map,
    word_groups,
)
from stepbytoken.nn import WordVectors
from stepbytoken.tokenizers import WordVocab
from stepbytoken.world import make_world


@pytest.fixture(scope="module")
def world():
    return make_world(0)


@pytest.fixture(scope="module")
def wv(world):
    """Random vectors for every word of the analogy test set, plus two common words."""
    analogies = world.analogies_by_relation()
    words = sorted(
        {w for items in analogies.values() for q in items for w in q} | {"the", "a"}
    )
    weight = torch.randn(len(words), 8, generator=torch.Generator().manual_seed(0))
    return WordVectors(WordVocab(words), weight)


def test_heatmaps_show_identity_and_cosines(wv):
    words = ["he", "she", "the"]
    fig = plot_similarity_heatmaps(wv, words)
    one_hot, learned = (ax.images[0].get_array() for ax in fig.axes[:2])
    assert np.array_equal(one_hot, np.eye(3))
    E = wv.vectors[[wv.index(w) for w in words]]
    assert np.allclose(learned, (E @ E.T).numpy())
    assert fig.axes[1].get_title() == "learned, 8 dimensions"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == words
    plt.close(fig)


def test_word_groups_cover_the_lexicon_and_each_has_a_style(world):
    groups = word_groups(world)
    assert len(groups) == len(GROUP_STYLES)
    assert {p.name for p in world.people} <= set(
        groups["men's names"] + groups["women's names"]
    )
    assert groups["towns"] == [t for k in world.kingdoms for t in k.towns]
    assert all(groups.values())


def test_word_map_places_every_word_once_with_its_neighbours_on_hover(wv, world):
    xy = torch.randn(wv.vocab_size, 2, generator=torch.Generator().manual_seed(1))
    fig = plot_word_map(wv, xy, world)
    placed = {}
    for trace in fig.data:
        for x, y, text in zip(trace.x, trace.y, trace.hovertext, strict=True):
            word = text.split("</b>")[0].removeprefix("<b>")
            placed[word] = (x, y, trace.name, text)
    assert len(placed) == wv.vocab_size
    i = wv.index("king")
    assert placed["king"][:2] == pytest.approx(tuple(xy[i].tolist()))
    assert (
        placed["king"][2] == "family and gender words"
        and placed["the"][2] == "other words"
    )
    first, score = wv.nearest("king", k=1)[0]
    assert f"nearest: {first} {score:.2f}" in placed["king"][3]
    assert fig.data[0].name == "other words" and fig.data[0].legendrank == 2000
    with pytest.raises(ValueError, match="xy must have shape"):
        plot_word_map(wv, xy[:-1], world)


def test_neighbour_overlap_figure_marks_the_map_and_chance():
    fig = plot_neighbour_overlap({1: 0.1, 2: 0.2, 4: 0.5}, chance=0.01)
    ax = fig.axes[0]
    curve, map_point, chance_line = ax.lines
    assert list(curve.get_xdata()) == [1, 2, 4] and list(curve.get_ydata()) == [
        10,
        20,
        50,
    ]
    assert list(map_point.get_ydata()) == [20] and list(chance_line.get_ydata()) == [
        1,
        1,
    ]
    assert ax.get_xscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="must include 2 components"):
        plot_neighbour_overlap({1: 0.1}, chance=0.01)


def test_analogy_accuracy_bars_pair_each_relation_with_its_baseline():
    by_relation = {
        "plural": {"accuracy": 0.66, "n": 3},
        "past": {"accuracy": 0.5, "n": 2},
    }
    fig = plot_analogy_accuracy(by_relation, {"plural": 0.0, "past": 0.4})
    ax = fig.axes[0]
    heights = [round(float(bar.get_height()), 6) for bar in ax.patches]
    assert heights == [66.0, 50.0, 0.0, 40.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["plural", "past"]
    plt.close(fig)
    with pytest.raises(ValueError, match="baseline must score the relations"):
        plot_analogy_accuracy(by_relation, {"plural": 0.0})


def test_int8_rows_keep_directions():
    x = torch.randn(50, 16, generator=torch.Generator().manual_seed(2))
    q = int8_rows(x)
    assert q.dtype == torch.int8 and q.abs().amax(dim=1).eq(127).all()
    cos = torch.nn.functional.cosine_similarity(q.float(), x, dim=1)
    assert cos.min() > 0.999
    with pytest.raises(ValueError, match="floating dtype"):
        int8_rows(q)


def test_analogy_widget_ships_int8_vectors_pairs_and_presets(wv, world, widget_data):
    analogies = world.analogies_by_relation()
    data = widget_data(analogy_widget(wv, analogies, world))
    assert data["words"] == wv.vocab.itos and data["dim"] == wv.dim
    shipped = np.frombuffer(base64.b64decode(data["vectors"]), dtype=np.int8)
    assert np.array_equal(
        shipped.reshape(wv.vocab_size, wv.dim), int8_rows(wv.vectors).numpy()
    )
    assert set(data["pairs"]) == set(analogies)
    a, b, c, d = analogies["capital"][0]
    assert [a, b] in data["pairs"]["capital"]
    groups = dict(data["groups"])
    assert b in groups["capitals"] and a in groups["kingdoms"]
    assert ["man", "woman", "king"] in data["presets"]
    every_word = {w for preset in data["presets"] for w in preset}
    assert every_word <= set(wv.vocab.itos)


def test_embedding_figures_refuse_missing_arguments(wv):
    from stepbytoken.book.figures.embeddings import (
        plot_analogy_accuracy,
        plot_similarity_heatmaps,
        word_groups,
    )

    with pytest.raises(TypeError, match="by_relation must be a mapping"):
        plot_analogy_accuracy(None, {})
    with pytest.raises(TypeError, match="baseline must be a mapping"):
        plot_analogy_accuracy({"plural": {"accuracy": 0.5}}, "")
    with pytest.raises(TypeError, match="wv must be a WordVectors, got NoneType"):
        plot_similarity_heatmaps(None, ["a"])
    with pytest.raises(ValueError, match="words must hold at least one word"):
        plot_similarity_heatmaps(wv, [])
    with pytest.raises(TypeError, match="world must be a World, got NoneType"):
        word_groups(None)
