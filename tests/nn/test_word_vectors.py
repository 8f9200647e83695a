"""Tests of word-vector queries (stepbytoken.nn.word_vectors) on hand-made vectors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import WordVectors, cosine_similarity
from stepbytoken.tokenizers import WordVocab


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 16), st.integers(0, 2**31 - 1))
def test_cosine_similarity_matches_torch(rows, dim, seed):
    g = torch.Generator().manual_seed(seed)
    u, v = torch.randn(rows, dim, generator=g), torch.randn(rows, dim, generator=g)
    expected = F.cosine_similarity(u, v, dim=-1)
    torch.testing.assert_close(cosine_similarity(u, v), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(cosine_similarity(u[0], v), F.cosine_similarity(u[0:1], v, dim=-1),
                               atol=1e-5, rtol=1e-5)  # fmt: skip


def test_cosine_similarity_edge_cases():
    x = torch.tensor([3.0, 4.0])
    assert cosine_similarity(x, x).item() == pytest.approx(1.0)
    assert cosine_similarity(x, -x).item() == pytest.approx(-1.0)
    assert cosine_similarity(x, torch.zeros(2)).item() == 0.0
    with pytest.raises(ValueError, match="same last dimension"):
        cosine_similarity(torch.ones(2), torch.ones(3))


def make_toy() -> WordVectors:
    vocab = WordVocab(["king", "queen", "man", "woman", "apple"])
    weight = torch.tensor([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0], [0.1, 1.0, 0.0], [0.1, -1.0, 0.0],
                           [0.0, 0.0, 1.0]])  # fmt: skip
    return WordVectors(vocab, weight)


def test_queries_on_toy_vectors():
    wv = make_toy()
    assert wv.analogy("king", "queen", "man")[0][0] == "woman"
    assert wv.similarity("king", "apple") == 0.0
    assert torch.equal(wv["man"], torch.tensor([0.1, 1.0, 0.0]))
    torch.testing.assert_close(wv.vectors.norm(dim=-1), torch.ones(5))
    nearest = wv.nearest("king", k=10)
    assert [w for w, _ in nearest][:1] == ["man"] and "king" not in dict(nearest)
    assert len(nearest) == 4
    assert "man" not in dict(wv.nearest("king", k=3, exclude=["man"]))
    assert wv.nearest(torch.tensor([0.0, 0.0, 2.0]), k=1) == [("apple", 1.0)]
    assert len(wv) == wv.vocab_size == 5 and wv.dim == 3 and "apple" in wv


def test_unknown_words_raise_helpful_errors():
    wv = make_toy()
    with pytest.raises(KeyError, match="'Queen' is not in the vocabulary.*try 'queen'"):
        wv["Queen"]
    with pytest.raises(KeyError, match="'prince' is not in the vocabulary of 5 words"):
        wv.similarity("king", "prince")
    with pytest.raises(KeyError, match="not in the vocabulary"):
        wv.analogy("king", "queen", "prince")
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        wv.nearest("king", k=0)
    with pytest.raises(ValueError, match="query vector must have shape"):
        wv.nearest(torch.ones(4))
    with pytest.raises(ValueError, match="weight must have shape"):
        WordVectors(WordVocab(["a"]), torch.ones(2, 3))
    with pytest.raises(ValueError, match="weight must have 2 dimensions"):
        WordVectors(WordVocab(["a"]), torch.ones(3))
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        wv.neighbours(k=0)
    with pytest.raises(KeyError, match="not in the vocabulary"):
        wv.neighbours(["prince"])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(4, 12), st.integers(2, 6), st.integers(1, 4), st.integers(0, 2**31 - 1)
)
def test_neighbours_match_nearest(vocab_size, dim, k, seed):
    g = torch.Generator().manual_seed(seed)
    vocab = WordVocab([f"w{i}" for i in range(vocab_size)])
    wv = WordVectors(vocab, torch.randn(vocab_size, dim, generator=g))
    table = wv.neighbours(k=k)
    assert list(table) == vocab.itos
    for word, found in table.items():
        expected = wv.nearest(word, k=k)
        assert [w for w, _ in found] == [w for w, _ in expected]
        assert [s for _, s in found] == pytest.approx(
            [s for _, s in expected], abs=1e-5
        )
