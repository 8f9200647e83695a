"""Tests of the word vocabulary (stepbytoken.tokenizers.vocab)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.text import split_words
from stepbytoken.tokenizers import BOS, UNK, WordVocab, encode_lines


def test_language_model_vocab_puts_bos_and_unk_first_and_maps_rare_words_to_unk():
    vocab = WordVocab.from_words("b a b c b a".split(), min_count=2)
    assert vocab.itos == ["<s>", "<unk>", "b", "a"]
    assert vocab.counts == [0, 0, 3, 2]
    assert (vocab.bos_id, vocab.unk_id) == (0, 1)
    assert vocab.encode(["a", "c", "zzz"]) == [3, vocab.unk_id, vocab.unk_id]
    assert vocab.decode([2, 3]) == ["b", "a"]


def test_word_vector_vocab_orders_by_count_then_alphabet_and_drops_unknown_words():
    vocab = WordVocab.from_words("b a c a b a d".split(), min_count=1, specials=())
    assert vocab.itos == ["a", "b", "c", "d"]
    assert vocab.counts == [3, 2, 1, 1]
    assert vocab.stoi["c"] == 2 and "d" in vocab and "e" not in vocab
    assert vocab.encode("a e d".split()) == [0, 3]
    assert WordVocab.from_words(
        "b a c a b a d".split(), min_count=2, specials=()
    ).itos == [
        "a",
        "b",
    ]
    with pytest.raises(ValueError, match="no word occurs at least min_count=3"):
        WordVocab.from_words(["a", "b"], min_count=3, specials=())
    with pytest.raises(ValueError, match="has no '<s>'"):
        _ = vocab.bos_id


@given(st.lists(st.sampled_from(["x", "y", "z", "w", "<s>", "<unk>"]), max_size=40),
       st.integers(1, 4))  # fmt: skip
def test_ids_follow_counts_whatever_the_order_of_the_text(words, min_count):
    vocab = WordVocab.from_words(words, min_count=min_count)
    assert vocab.itos[:2] == [BOS, UNK]
    assert WordVocab.from_words(sorted(words), min_count=min_count).itos == vocab.itos
    counts = Counter(words)
    rest = vocab.itos[2:]
    assert rest == sorted(rest, key=lambda w: (-counts[w], w))
    assert all(counts[w] >= min_count for w in rest)
    assert vocab.counts == [counts[w] for w in vocab.itos]
    assert vocab.decode(vocab.encode(rest)) == rest


def test_vocab_from_a_word_list():
    vocab = WordVocab(["the", "cat"], counts=[3, 1])
    assert len(vocab) == 2 and vocab.stoi == {"the": 0, "cat": 1}
    assert WordVocab(["a", "b"]).counts == [1, 1]
    assert "WordVocab(2 words" in repr(vocab)


def test_vocab_errors():
    with pytest.raises(ValueError, match="min_count must be an int >= 1"):
        WordVocab.from_words(["a"], min_count=0)
    with pytest.raises(ValueError, match="outside the vocabulary 0..2"):
        WordVocab.from_words(["a"]).decode([7])
    with pytest.raises(ValueError, match="same length"):
        WordVocab(["a", "b"], counts=[1])
    with pytest.raises(TypeError, match="specials must be a list of str"):
        WordVocab.from_words(["a"], specials="<s>")
    with pytest.raises(TypeError, match="distinct words"):
        WordVocab.from_words(["a"], specials=["<s>", "<s>"])


def test_encode_lines_starts_every_line_with_bos():
    vocab = WordVocab.from_words(split_words("one two . three"))
    ids = encode_lines("One two.\nThree", vocab)
    assert ids[0] == vocab.bos_id and ids.count(vocab.bos_id) == 2
    assert vocab.decode(ids) == ["<s>", "one", "two", ".", "<s>", "three"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: WordVocab("a b c"), TypeError, "itos must be a list of str"),
        (lambda: WordVocab(None), TypeError, "itos must be a list of str"),
        (lambda: WordVocab(["a", "a"]), ValueError, "distinct words"),
        (
            lambda: WordVocab(["a"], counts=[1.5]),
            TypeError,
            r"counts\[0\] must be an int",
        ),
        (
            lambda: WordVocab.from_words("a b c"),
            TypeError,
            "words must be a list of str",
        ),
        (lambda: WordVocab.from_words(None), TypeError, "words must be a list of str"),
        (
            lambda: WordVocab.from_words(["a", 1]),
            TypeError,
            r"words\[1\] must be a str",
        ),
        (lambda: WordVocab(["a"]).encode("a"), TypeError, "not a single str"),
        (lambda: WordVocab(["a"]).decode([0.5]), TypeError, r"ids\[0\] must be an int"),
        (lambda: encode_lines("a", ["a"]), TypeError, "vocab must be a WordVocab"),
    ],
)
def test_strings_and_none_are_not_lists_of_words(call, error, message):
    with pytest.raises(error, match=message):
        call()
