"""Chapter 3's figures: similarity heatmaps, the word map, neighbours kept by a projection,
analogy accuracy, and the analogy explorer.

Introduced in chapter 3.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import plotly.graph_objects as go
import torch
from matplotlib.figure import Figure

from stepbytoken.book.interactive import InteractiveFigure, widget
from stepbytoken.book.plots import PALETTE, plotly_layout
from stepbytoken.checks import (
    check_instance,
    check_mapping,
    check_strings,
    check_tensor,
)
from stepbytoken.nn import WordVectors
from stepbytoken.world import (
    ANIMALS,
    COLOURS,
    GENDER_PAIRS,
    OBJECTS,
    PROFESSIONS,
    VERBS,
    World,
)

#: Colour and marker of each group on the word map: Paul Tol's colour-blind-safe "muted"
#: colours; the two verb groups in black, told apart by the marker.
GROUP_STYLES = (
    ("#CC6677", "circle"),
    ("#332288", "circle"),
    ("#DDCC77", "circle"),
    ("#117733", "circle"),
    ("#88CCEE", "circle"),
    ("#882255", "circle"),
    ("#44AA99", "circle"),
    ("#999933", "circle"),
    ("#AA4499", "circle"),
    ("#222222", "triangle-up"),
    ("#222222", "triangle-down"),
)
OTHER = "other words"


def plot_similarity_heatmaps(wv: WordVectors, words: Sequence[str]) -> Figure:
    """Cosine similarity between ``words``: one-hot vectors (left) against ``wv`` (right).

    Parameters
    ----------
    wv
        Word vectors.
    words
        The words to compare, in the order of the rows.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        If a word has no vector.

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> wv = WordVectors(WordVocab(["up", "down"]), torch.tensor([[1.0, 0.0], [1.0, 1.0]]))
    >>> fig = plot_similarity_heatmaps(wv, ["up", "down"])
    >>> fig.axes[1].images[0].get_array()[0, 1].round(3)
    np.float32(0.707)

    Introduced in chapter 3.
    """
    check_instance("wv", wv, WordVectors)
    if not check_strings("words", words):
        raise ValueError("words must hold at least one word, got []")
    ids = torch.tensor([wv.index(w) for w in words])
    learned = wv.vectors[ids] @ wv.vectors[ids].T
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.4), layout="constrained")
    for ax, matrix, title in [
        (axes[0], torch.eye(len(words)), "one-hot"),
        (axes[1], learned, f"learned, {wv.dim} dimensions"),
    ]:
        image = ax.imshow(matrix.numpy(), cmap="viridis", vmin=-0.2, vmax=1)
        ax.set_xticks(range(len(words)), words, rotation=90)
        ax.set_yticks(range(len(words)), words)
        ax.grid(False)
        ax.set_title(title)
    fig.colorbar(image, ax=axes, shrink=0.8, label="cosine similarity")
    return fig


def word_groups(world: World) -> dict[str, list[str]]:
    """The kinds of word the small world uses, each with its words (as the world spells them).

    Examples
    --------
    >>> from stepbytoken.world import make_world
    >>> groups = word_groups(make_world(0))
    >>> groups["colours"][:3], len(groups)
    (['red', 'blue', 'green'], 11)

    Introduced in chapter 3.
    """
    check_instance("world", world, World)
    return {
        "family and gender words": [w for pair in GENDER_PAIRS for w in pair],
        "men's names": [p.name for p in world.people if p.gender == "male"],
        "women's names": [p.name for p in world.people if p.gender == "female"],
        "pet names": [p.pet_name for p in world.people if p.pet_name],
        "kingdoms, adjectives, currencies": [
            w for k in world.kingdoms for w in (k.name, k.adjective, k.currency)
        ],
        "towns": [t for k in world.kingdoms for t in k.towns],
        "professions": [p[0] for p in PROFESSIONS],
        "colours": list(COLOURS),
        "animals and objects": [w for thing in ANIMALS + OBJECTS for w in thing[:2]],
        "verbs, present": [v[0] for v in VERBS],
        "verbs, past": [v[1] for v in VERBS],
    }


def plot_word_map(wv: WordVectors, xy: torch.Tensor, world: World) -> go.Figure:
    """Every word at its 2-D position, coloured by its group, with its true neighbours on hover.

    Parameters
    ----------
    wv
        Word vectors; the hover text lists each word's 5 nearest words in full dimension.
    xy
        The 2-D position of every word, shape (vocab_size, 2) (e.g. its PCA projection).
    world
        The small world whose :func:`word_groups` colour the points; a word in two groups
        takes the first.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per group, "other words" listed last in the legend.

    Examples
    --------
    >>> from stepbytoken.tokenizers import WordVocab
    >>> from stepbytoken.world import make_world
    >>> wv = WordVectors(WordVocab(["red", "blue", "the"]), torch.eye(3))
    >>> fig = plot_word_map(wv, torch.eye(3)[:, :2], make_world(0))
    >>> {trace.name: len(trace.x) for trace in fig.data if len(trace.x)}
    {'other words': 1, 'colours': 2}

    Introduced in chapter 3.
    """
    check_tensor("xy", xy, dims=2, integer=False)
    if tuple(xy.shape) != (wv.vocab_size, 2):
        raise ValueError(
            f"xy must have shape ({wv.vocab_size}, 2), got {tuple(xy.shape)}"
        )
    groups = word_groups(world)
    category: dict[str, str] = {}
    for group, members in groups.items():
        for w in members:
            category.setdefault(w.lower(), group)
    neighbours = wv.neighbours(k=5)  # every word's 5 nearest words, in full dimension
    itos = wv.vocab.itos
    fig = go.Figure()
    for group, (colour, symbol) in [
        (OTHER, ("#CCCCCC", "circle")),
        *zip(groups, GROUP_STYLES, strict=True),
    ]:
        rows = [i for i, w in enumerate(itos) if category.get(w, OTHER) == group]
        hover = [
            "<b>"
            + itos[i]
            + "</b><br>nearest: "
            + ", ".join(f"{w} {s:.2f}" for w, s in neighbours[itos[i]])
            for i in rows
        ]
        fig.add_scatter(
            x=xy[rows, 0].tolist(),
            y=xy[rows, 1].tolist(),
            mode="markers",
            name=group,
            hovertext=hover,
            hoverinfo="text",
            legendrank=2000 if group == OTHER else 1000,  # "other words" listed last
            marker=dict(
                size=5 if group == OTHER else 8,
                color=colour,
                symbol=symbol,
                line=dict(width=0.5, color="white"),
            ),
        )
    fig.update_layout(
        **plotly_layout(
            height=660,
            xaxis_title="first principal component",
            yaxis_title="second principal component",
            legend=dict(orientation="h", y=-0.15, font=dict(size=11)),
        )
    )
    return fig


def plot_neighbour_overlap(overlap: Mapping[int, float], chance: float) -> Figure:
    """Share of nearest neighbours a projection keeps, against the components it keeps.

    Parameters
    ----------
    overlap
        Number of components -> share of neighbours kept (0 to 1); 2 must be among them.
    chance
        The share a random map would keep (0 to 1), drawn as a dashed line.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_neighbour_overlap({1: 0.1, 2: 0.2, 64: 1.0}, chance=0.01)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [10.0, 20.0, 100.0]

    Introduced in chapter 3.
    """
    if 2 not in overlap:
        raise ValueError(
            f"overlap must include 2 components (the 2-D map), got {list(overlap)}"
        )
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(list(overlap), [100 * o for o in overlap.values()], marker="o")
    ax.plot(
        [2],
        [100 * overlap[2]],
        marker="o",
        markersize=10,
        color=PALETTE[1],
        label="the 2-D map",
    )
    ax.axhline(100 * chance, color="#999999", linestyle="--", label="a random map")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(overlap), [str(m) for m in overlap])
    ax.set_xlabel("principal components kept (log scale)")
    ax.set_ylabel("nearest neighbours kept (%)")
    ax.set_ylim(0, 105)
    ax.legend()
    return fig


def plot_analogy_accuracy(
    by_relation: Mapping[str, Mapping[str, float]], baseline: Mapping[str, float]
) -> Figure:
    """Grouped bars: accuracy of ``b - a + c`` by relation, against the nearest-to-c baseline.

    Parameters
    ----------
    by_relation
        Relation -> scores with an ``"accuracy"`` (0 to 1), as in the ``"by_relation"`` entry
        of :func:`stepbytoken.evaluation.evaluate_analogies`.
    baseline
        Relation -> accuracy (0 to 1) of answering with the word nearest to ``c``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_analogy_accuracy({"plural": {"accuracy": 0.5}}, {"plural": 0.0})
    >>> [round(float(bar.get_height())) for bar in fig.axes[0].patches]
    [50, 0]

    Introduced in chapter 3.
    """
    check_mapping("by_relation", by_relation)
    check_mapping("baseline", baseline)
    relations = list(by_relation)
    if set(baseline) != set(relations):
        raise ValueError(
            f"baseline must score the relations {relations}, got {list(baseline)}"
        )
    x = np.arange(len(relations))
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for shift, label, scores in [
        (-0.2, "b − a + c", [by_relation[r]["accuracy"] for r in relations]),
        (0.2, "nearest word to c", [baseline[r] for r in relations]),
    ]:
        bars = ax.bar(x + shift, [100 * v for v in scores], 0.4, label=label)
        ax.bar_label(bars, [f"{100 * v:.0f}" for v in scores], fontsize=8, padding=2)
    ax.set_xticks(x, relations)
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 125)
    ax.set_yticks(range(0, 101, 20))
    ax.legend(loc="upper center", ncols=2)
    return fig


def int8_rows(vectors: torch.Tensor) -> torch.Tensor:
    """8-bit copies of vectors for the browser: each row scaled so its largest entry is ±127.

    Parameters
    ----------
    vectors
        Shape (n, dim), no row all zeros.

    Returns
    -------
    torch.Tensor
        ``torch.int8``, same shape; only directions survive, which is all cosine needs.

    Examples
    --------
    >>> int8_rows(torch.tensor([[0.5, -1.0, 0.25]])).tolist()
    [[64, -127, 32]]

    Introduced in chapter 3.
    """
    check_tensor("vectors", vectors, dims=2, integer=False)
    return (
        (vectors / vectors.abs().amax(dim=1, keepdim=True) * 127).round().to(torch.int8)
    )


def analogy_widget(
    wv: WordVectors, analogies: Mapping[str, Sequence[Sequence[str]]], world: World
) -> InteractiveFigure:
    """The analogy explorer: pick ``a``, ``b``, ``c``; the browser ranks words by ``b - a + c``.

    The browser computes with :func:`int8_rows` copies of the unit vectors.

    Parameters
    ----------
    wv
        Word vectors.
    analogies
        Relation -> questions ``(a, b, c, d)``, as ``world.analogies_by_relation()`` returns
        them (the relations gender, capital, adjective, currency, plural and past).
    world
        The small world; its first two kingdoms make two of the preset questions.

    Returns
    -------
    InteractiveFigure

    Introduced in chapter 3.
    """
    pairs = {
        r: sorted({(a, b) for a, b, _, _ in items}) for r, items in analogies.items()
    }
    menu = {
        "male and female": [w for pair in pairs["gender"] for w in pair],
        "kingdoms": [a for a, _ in pairs["capital"]],
        "capitals": [b for _, b in pairs["capital"]],
        "adjectives": [b for _, b in pairs["adjective"]],
        "currencies": [b for _, b in pairs["currency"]],
        "nouns": [a for a, _ in pairs["plural"]],
        "plural nouns": [b for _, b in pairs["plural"]],
        "verbs, present": [a for a, _ in pairs["past"]],
        "verbs, past": [b for _, b in pairs["past"]],
    }
    first, second = world.kingdoms[0], world.kingdoms[1]
    presets = [
        ("man", "woman", "king"),
        ("king", "queen", "man"),
        ("he", "she", "nephew"),
        (first.name.lower(), first.capital.lower(), second.name.lower()),
        (first.name.lower(), first.adjective.lower(), second.name.lower()),
        ("dog", "dogs", "cat"),
        ("egg", "eggs", "pear"),
        ("walks", "walked", "sings"),
        ("visits", "visited", "climbs"),
        ("father", "mother", "son"),
    ]
    data = {
        "title": "Analogy explorer: a is to b as c is to ?",
        "words": wv.vocab.itos,
        "dim": wv.dim,
        "vectors": base64.b64encode(int8_rows(wv.vectors).numpy().tobytes()).decode(
            "ascii"
        ),
        "groups": [[label, sorted(set(ws))] for label, ws in menu.items()],
        "pairs": {r: [list(p) for p in ps] for r, ps in pairs.items()},
        "presets": [list(p) for p in presets],
        "k": 8,
    }
    label = "Analogy explorer: pick three words and see the nearest words to b - a + c"
    return widget("analogy", data, label=label)
