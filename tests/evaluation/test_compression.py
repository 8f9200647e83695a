"""Tests of bytes per token and tokens per word (stepbytoken.evaluation.compression)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import compression, compression_curve
from stepbytoken.text import split_words
from stepbytoken.tokenizers import BPETokenizer

TRAIN = "the lowest lower low, the newest newer new. " * 20


@pytest.fixture(scope="module")
def tokenizer():
    return BPETokenizer.train(TRAIN, 20)


def test_without_merges_every_byte_is_a_token(tokenizer):
    text = "café lower"
    assert compression(tokenizer, text, 0) == (
        1.0,
        len(text.encode()) / len(split_words(text)),
    )


def test_more_merges_never_lengthen_the_text(tokenizer):
    curve = compression_curve(tokenizer, TRAIN[:200], [0, 5, 10, 15])
    bytes_per_token = [bpt for bpt, _ in curve.values()]
    assert bytes_per_token == sorted(bytes_per_token) and bytes_per_token[-1] > 2


def test_curve_leaves_out_counts_beyond_the_merges_and_ends_with_all(tokenizer):
    total = len(tokenizer.merges)
    curve = compression_curve(tokenizer, "the lowest", [0, 10, total, 500])
    assert list(curve) == [0, 10, total]
    assert curve[total] == compression(tokenizer, "the lowest", total)


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="lowen tsrhé.,", min_size=1, max_size=60), st.integers(0, 1000))
def test_bytes_per_token_times_tokens_per_word_is_bytes_per_word(tokenizer, text, n):
    n = n % (len(tokenizer.merges) + 1)
    words = split_words(text)
    if not words:
        with pytest.raises(ValueError, match="at least one word"):
            compression(tokenizer, text, n)
        return
    bytes_per_token, tokens_per_word = compression(tokenizer, text, n)
    assert bytes_per_token * tokens_per_word == pytest.approx(
        len(text.encode()) / len(words)
    )
    n_tokens = len(tokenizer.truncated(n).encode(text))
    assert tokens_per_word * len(words) == pytest.approx(n_tokens)  # a float ratio


def test_arguments_are_checked(tokenizer):
    total = len(tokenizer.merges)
    with pytest.raises(
        ValueError, match=f"n_merges must be an int in \\[0, {total}\\]"
    ):
        compression(tokenizer, "low", total + 1)
    with pytest.raises(TypeError, match="text must be a str"):
        compression(tokenizer, b"low", 0)
