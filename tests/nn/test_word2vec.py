"""Tests for skip-gram word vectors: references, determinism, quality on the small world."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import (
    Vocab,
    WordVectors,
    build_vocab,
    cosine_similarity,
    sgns_grads,
    sgns_loss,
    skipgram_pairs,
    train_word_vectors,
)
from stepbytoken.world import make_world, words


@pytest.fixture(scope="module")
def world():
    return make_world(seed=0)


@pytest.fixture(scope="module")
def trained(world):
    """Quick vectors on a small corpus (about 100k words): a few seconds on one core."""
    text = world.corpus(n_stories=1500, seed=0)
    return train_word_vectors(words(text), dim=32, epochs=3, lr=0.5, seed=0)


# -- references -------------------------------------------------------------------------------


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


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_hand_gradients_match_autograd(batch, negatives, dim, seed):
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(batch, dim, generator=g, dtype=torch.float64, requires_grad=True)
    u_pos = torch.randn(batch, dim, generator=g, dtype=torch.float64, requires_grad=True)
    u_neg = torch.randn(batch, negatives, dim, generator=g, dtype=torch.float64,
                        requires_grad=True)  # fmt: skip
    loss = sgns_loss(v, u_pos, u_neg)
    loss.backward()
    hand_loss, grad_v, grad_pos, grad_neg = sgns_grads(v.detach(), u_pos.detach(), u_neg.detach())
    torch.testing.assert_close(hand_loss, loss.detach())
    torch.testing.assert_close(grad_v, v.grad)
    torch.testing.assert_close(grad_pos, u_pos.grad)
    torch.testing.assert_close(grad_neg, u_neg.grad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=30), st.integers(1, 5))
def test_skipgram_pairs_full_window_matches_brute_force(ids, window):
    centers, contexts = skipgram_pairs(torch.tensor(ids, dtype=torch.long), window)
    got = sorted(zip(centers.tolist(), contexts.tolist(), strict=True))
    expected = sorted(
        (ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids))
        if i != j and abs(i - j) <= window
    )  # fmt: skip
    assert got == expected


def test_skipgram_pairs_random_window_stays_inside():
    idx = torch.arange(200)
    centers, contexts = skipgram_pairs(idx, 4, torch.Generator().manual_seed(0))
    distance = (centers - contexts).abs()
    assert distance.min() >= 1 and distance.max() <= 4
    assert 200 * 2 < centers.numel() < 200 * 8  # shrunk windows: about 5 pairs per word
    with pytest.raises(ValueError, match="window must be an int >= 1"):
        skipgram_pairs(idx, 0)
    with pytest.raises(ValueError, match="1-D tensor"):
        skipgram_pairs(idx.view(20, 10), 2)


# -- vocabulary -------------------------------------------------------------------------------


def test_build_vocab_orders_by_count_then_alphabet():
    vocab = build_vocab("b a c a b a d".split(), min_count=1)
    assert vocab.itos == ["a", "b", "c", "d"]
    assert vocab.counts == [3, 2, 1, 1]
    assert vocab.stoi["c"] == 2 and "d" in vocab and "e" not in vocab
    assert build_vocab("b a c a b a d".split(), min_count=2).itos == ["a", "b"]
    with pytest.raises(ValueError, match="min_count must be an int >= 1"):
        build_vocab(["a"], min_count=0)
    with pytest.raises(ValueError, match="no word occurs at least min_count=3"):
        build_vocab(["a", "b"], min_count=3)


# -- training ---------------------------------------------------------------------------------

TINY = ("the king rode a horse . the queen rode a horse . the man walked . the woman walked . "
        "the boy ran . the girl ran .").split() * 30  # fmt: skip


def test_training_is_deterministic():
    a = train_word_vectors(TINY, dim=8, epochs=2, min_count=1, seed=3)
    b = train_word_vectors(TINY, dim=8, epochs=2, min_count=1, seed=3)
    c = train_word_vectors(TINY, dim=8, epochs=2, min_count=1, seed=4)
    assert torch.equal(a.weight, b.weight) and a.losses == b.losses
    assert not torch.equal(a.weight, c.weight)
    assert torch.get_num_threads() >= 1  # restored after training


def test_training_lowers_the_loss():
    wv = train_word_vectors(
        TINY, dim=8, epochs=6, lr=0.5, min_count=1, subsample=0, batch_size=16, seed=0
    )
    assert len(wv.losses) == 6
    assert wv.losses[-1] < wv.losses[0]
    assert wv.losses[0] < 5 * 0.6932 * 1.05  # starts near (1 + K) log 2 per pair


def test_training_argument_errors():
    with pytest.raises(ValueError, match="dim must be an int >= 1"):
        train_word_vectors(TINY, dim=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_word_vectors(TINY, lr=-1.0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_word_vectors(TINY, lr=float("nan"))
    with pytest.raises(ValueError, match="subsample must be a number >= 0"):
        train_word_vectors(TINY, subsample=-0.1)
    with pytest.raises(TypeError, match="not a str"):
        train_word_vectors("the king rode a horse")
    with pytest.raises(ValueError, match="no word occurs"):
        train_word_vectors(["a", "b"], min_count=5)
    with pytest.raises(FloatingPointError, match="training diverged"):
        train_word_vectors(TINY, dim=8, min_count=1, lr=1e6, epochs=2, batch_size=16)


# -- queries ----------------------------------------------------------------------------------


def make_toy() -> WordVectors:
    vocab = Vocab(["king", "queen", "man", "woman", "apple"], [1, 1, 1, 1, 1])
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


def test_evaluate_analogies_counts():
    wv = make_toy()
    items = [("king", "queen", "man", "woman"), ("man", "woman", "king", "queen"),
             ("queen", "king", "woman", "apple"), ("king", "queen", "boy", "girl")]  # fmt: skip
    result = wv.evaluate_analogies(items)
    assert (result["correct"], result["n"], result["skipped"]) == (2, 3, 1)
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert result["chance"] == pytest.approx(1 / 2)
    grouped = wv.evaluate_analogies({"a": items[:2], "b": items[2:]})
    assert grouped["by_relation"]["a"]["accuracy"] == 1.0
    assert grouped["by_relation"]["b"] == {"accuracy": 0.0, "n": 1, "correct": 0, "skipped": 1}
    assert wv.evaluate_analogies([])["accuracy"] == 0.0
    with pytest.raises(ValueError, match="4 words"):
        wv.evaluate_analogies([("king", "queen", "man")])


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
        WordVectors(build_vocab(["a"]), torch.ones(2, 3))


# -- quality on the small world ---------------------------------------------------------------


def test_analogies_well_above_chance(world, trained):
    result = trained.evaluate_analogies(world.analogies_by_relation())
    assert result["skipped"] == 0
    assert result["accuracy"] > 50 * result["chance"]
    assert result["accuracy"] > 0.2
    assert result["by_relation"]["capital"]["accuracy"] > 0.5


def test_nearest_neighbours_of_a_name_are_names(world, trained):
    names = {p.name.lower() for p in world.people}
    for person in world.people[:: max(1, len(world.people) // 10)]:
        neighbours = [w for w, _ in trained.nearest(person.name.lower(), k=5)]
        assert sum(w in names for w in neighbours) >= 3, (person.name, neighbours)
    colours = [w for w, _ in trained.nearest("red", k=5)]
    assert sum(w in {"blue", "green", "yellow", "white", "black", "brown", "grey", "orange",
                     "purple", "pink", "silver"} for w in colours) >= 4  # fmt: skip


# -- batch queries (chapter 3 uses them for the map and the baselines) -------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 12), st.integers(2, 6), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_neighbours_match_nearest(vocab_size, dim, k, seed):
    g = torch.Generator().manual_seed(seed)
    vocab = Vocab([f"w{i}" for i in range(vocab_size)], [1] * vocab_size)
    wv = WordVectors(vocab, torch.randn(vocab_size, dim, generator=g))
    table = wv.neighbours(k=k)
    assert list(table) == vocab.itos
    for word, found in table.items():
        expected = wv.nearest(word, k=k)
        assert [w for w, _ in found] == [w for w, _ in expected]
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], abs=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 12), st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_answer_analogies_match_one_at_a_time(vocab_size, dim, seed):
    g = torch.Generator().manual_seed(seed)
    vocab = Vocab([f"w{i}" for i in range(vocab_size)], [1] * vocab_size)
    wv = WordVectors(vocab, torch.randn(vocab_size, dim, generator=g))
    picks = torch.randint(0, vocab_size, (10, 3), generator=g).tolist()
    questions = [tuple(vocab.itos[i] for i in row) for row in picks if len(set(row)) == 3]
    assert wv.answer_analogies(questions) == [wv.analogy(a, b, c)[0][0] for a, b, c in questions]
    only_c = wv.answer_analogies(questions, method="only-c")
    assert only_c == [wv.nearest(c, k=1, exclude=(a, b))[0][0] for a, b, c in questions]


def test_answer_analogies_agree_with_evaluate(world, trained):
    items = world.analogies("plural")
    answers = trained.answer_analogies(items)
    correct = sum(answer == d for answer, (_, _, _, d) in zip(answers, items, strict=True))
    assert correct == trained.evaluate_analogies(items)["correct"]


def test_batch_query_errors():
    wv = make_toy()
    assert wv.answer_analogies([]) == []
    with pytest.raises(ValueError, match='method must be "offset" or "only-c"'):
        wv.answer_analogies([("king", "queen", "man")], method="cosmul")
    with pytest.raises(ValueError, match="3 words"):
        wv.answer_analogies([("king", "queen")])
    with pytest.raises(KeyError, match="not in the vocabulary"):
        wv.answer_analogies([("king", "queen", "prince")])
    with pytest.raises(ValueError, match="no word left"):
        WordVectors(Vocab(["a", "b", "c"], [1, 1, 1]), torch.eye(3)).answer_analogies(
            [("a", "b", "c")]
        )
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        wv.neighbours(k=0)
    with pytest.raises(KeyError, match="not in the vocabulary"):
        wv.neighbours(["prince"])
