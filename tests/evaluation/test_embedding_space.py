"""Tests of neighbour-based measurements of a vector space (evaluation.embedding_space)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import (
    nearest_neighbours,
    neighbour_overlap,
    offset_consistency,
    same_label_share,
    similarity_correlation,
    word_token_vectors,
)
from stepbytoken.nn import WordVectors
from stepbytoken.tokenizers import WordVocab


def unit_rows(n: int, dim: int, seed: int) -> torch.Tensor:
    return F.normalize(
        torch.randn(n, dim, generator=torch.Generator().manual_seed(seed)), dim=1
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 12), st.integers(1, 5), st.integers(0, 10_000))
def test_nearest_neighbours_match_a_brute_force_search(n, dim, seed):
    x = unit_rows(n, dim, seed)
    k = min(3, n - 1)
    sims = x @ x.T
    found = nearest_neighbours(sims, k)
    for i, row in enumerate(found.tolist()):
        others = sorted(
            (j for j in range(n) if j != i), key=lambda j: -sims[i, j].item()
        )
        assert i not in row
        assert [sims[i, j].item() for j in row] == pytest.approx(
            [sims[i, j].item() for j in others[:k]]
        )
    assert torch.equal(sims, x @ x.T)  # the input is left unchanged


def test_nearest_neighbours_by_distance():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [5.5, 0.0]])
    assert nearest_neighbours(-torch.cdist(x, x), k=1).flatten().tolist() == [
        1,
        0,
        3,
        2,
    ]


def test_overlap_of_a_space_with_itself_is_one_and_with_a_random_space_about_chance():
    x, y = unit_rows(300, 16, 0), unit_rows(300, 16, 1)
    near_x = nearest_neighbours(x @ x.T, 10)
    assert neighbour_overlap(near_x, near_x) == 1.0
    assert neighbour_overlap(near_x, nearest_neighbours(y @ y.T, 10)) == pytest.approx(
        10 / 299, abs=0.02
    )


def test_similarity_correlation_agrees_with_numpy():
    a, b = torch.randn(6, 6), torch.randn(6, 6)
    i, j = np.triu_indices(6, k=1)
    expected = np.corrcoef(a.numpy()[i, j], b.numpy()[i, j])[0, 1]
    assert similarity_correlation(a, b) == pytest.approx(expected, abs=1e-5)
    assert similarity_correlation(a, 3 * a + 1) == pytest.approx(1.0, abs=1e-5)


@pytest.fixture
def names():
    weight = torch.tensor([[1.0, 0.0], [0.9, 0.2], [0.1, 1.0], [0.0, 0.9], [0.5, 0.5]])
    return WordVectors(WordVocab(["ann", "eve", "bob", "tom", "sam"]), weight)


def test_same_label_share_counts_neighbours_among_labelled_words_only(names):
    # sam unlabelled
    genders = {"ann": "f", "eve": "f", "bob": "m", "tom": "m", "zoe": "f"}
    assert same_label_share(names, genders, k=1) == 1.0
    # with 2 neighbours each word finds its own pair and one of the other pair
    assert same_label_share(names, genders, k=2) == 0.5
    with pytest.raises(ValueError, match="at least 2 words"):
        same_label_share(names, {"ann": "f", "zoe": "f"})


def test_offset_consistency_is_one_for_a_shared_direction_and_near_zero_for_random_ones():
    words = [f"w{i}" for i in range(40)]
    weight = torch.randn(40, 32, generator=torch.Generator().manual_seed(0))
    wv = WordVectors(WordVocab(words), weight)
    random_pairs = [(words[2 * i], words[2 * i + 1]) for i in range(20)]
    assert abs(offset_consistency(wv, random_pairs)) < 0.1
    parallel = WordVectors(
        WordVocab(["a", "b", "c", "d"]),
        torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 2.0]]),
    )
    assert offset_consistency(parallel, [("a", "b"), ("c", "d")]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 2 pairs"):
        offset_consistency(parallel, [("a", "b")])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: nearest_neighbours(torch.zeros(3, 2)), ValueError, "square"),
        (
            lambda: nearest_neighbours(torch.zeros(3, 3), k=3),
            ValueError,
            "k must be an int in",
        ),
        (
            lambda: neighbour_overlap(torch.zeros(2, 2), torch.zeros(2, 2)),
            ValueError,
            "integer",
        ),
        (
            lambda: similarity_correlation(torch.zeros(3, 3), torch.zeros(4, 4)),
            ValueError,
            "same shape",
        ),
        (
            lambda: nearest_neighbours([[0.0, 1.0], [1.0, 0.0]]),
            TypeError,
            "torch.Tensor",
        ),
    ],
)
def test_arguments_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_row_is_never_its_own_neighbour_even_with_an_infinite_diagonal():
    sims = torch.tensor([[math.inf, 1.0], [1.0, math.inf]])
    assert nearest_neighbours(sims, k=1).flatten().tolist() == [1, 0]


def test_word_token_vectors_take_the_spaced_token_of_each_word_lowercase_first():
    names = [" king", " King", " Mira", "king", " 7", "ing"]
    weight = torch.arange(12.0).reshape(6, 2)
    tokens = WordVectors(WordVocab(names), weight)
    found = word_token_vectors(["mira", "king", "sing", "7"], tokens)
    assert found.vocab.itos == ["mira", "king", "7"]
    assert torch.equal(found.weight, weight[[2, 0, 4]])
