"""Tests of word tokenization and the word vocabulary (stepbytoken.text.words)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.text import WordVocab, encode_lines, join_words, split_words


@given(st.text())
def test_split_words_never_keeps_whitespace_and_lowercases(text):
    tokens = split_words(text)
    assert all(tok and not tok.isspace() for tok in tokens)
    assert all(tok == tok.lower() for tok in tokens)


@given(st.lists(st.sampled_from(["the", "cat", "sat", ".", ",", "(", ")", "it's"]), max_size=30))
def test_join_then_split_round_trips(tokens):
    assert split_words(join_words(tokens)) == tokens


def test_split_words_rejects_non_strings():
    with pytest.raises(TypeError, match="text must be a str"):
        split_words(b"bytes")


def test_vocab_orders_by_frequency_and_maps_rare_words_to_unk():
    vocab = WordVocab("b a b c b a".split(), min_count=2)
    assert vocab.itos == ["<s>", "<unk>", "b", "a"]
    assert vocab.encode(["a", "c", "zzz"]) == [3, vocab.unk_id, vocab.unk_id]
    assert vocab.decode([2, 3]) == ["b", "a"]


def test_vocab_errors():
    with pytest.raises(ValueError, match="min_count"):
        WordVocab(["a"], min_count=0)
    with pytest.raises(ValueError, match="outside the vocabulary 0..2"):
        WordVocab(["a"]).decode([7])


def test_encode_lines_starts_every_line_with_bos():
    vocab = WordVocab(split_words("one two . three"))
    ids = encode_lines("One two.\nThree", vocab)
    assert ids[0] == vocab.bos_id and ids.count(vocab.bos_id) == 2
    assert vocab.decode(ids) == ["<s>", "one", "two", ".", "<s>", "three"]
