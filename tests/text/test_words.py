"""Tests of word splitting (stepbytoken.text.words)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.text import join_words, split_words


@given(st.text())
def test_split_words_never_keeps_whitespace_and_lowercases(text):
    tokens = split_words(text)
    assert all(tok and not tok.isspace() for tok in tokens)
    assert all(tok == tok.lower() for tok in tokens)


@given(
    st.lists(
        st.sampled_from(["the", "cat", "sat", ".", ",", "(", ")", "it's"]), max_size=30
    )
)
def test_join_then_split_round_trips(tokens):
    assert split_words(join_words(tokens)) == tokens


def test_split_words_rejects_non_strings():
    with pytest.raises(TypeError, match="text must be a str"):
        split_words(b"bytes")


@pytest.mark.parametrize(
    ("words", "error"),
    [("a b c", TypeError), (None, TypeError), (["a", ""], ValueError)],
)
def test_join_words_refuses_what_is_not_a_list_of_words(words, error):
    with pytest.raises(error, match="words"):
        join_words(words)
