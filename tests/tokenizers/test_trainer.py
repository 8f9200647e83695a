"""Tests of BPE training (stepbytoken.tokenizers.trainer): tie-breaks, early stop, the reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.tokenizers import BPETokenizer, train_merges, train_naive
from stepbytoken.tokenizers.trainer import count_chunks

EOT = "<|endoftext|>"


def test_tie_break_smallest_pair_and_early_stop():
    # chunks "ab", " ab", " cd", " cd": (97, 98), (32, 99), (99, 100) all occur twice.
    tok = BPETokenizer.train("ab ab cd cd", 10)
    assert tok.merges == [((32, 99), 256), ((97, 98), 257), ((256, 100), 258)]
    assert tok.vocab_size == 259  # stopped early: 3 merges, not 10


def test_highest_count_wins_over_smaller_pair():
    # (98, 99) occurs 3 times, the smaller pairs (32, 97), (32, 98), (97, 98) only twice.
    assert BPETokenizer.train("bc bc bc ab ab", 1).merges == [((98, 99), 256)]


def test_no_merge_without_a_repeated_pair():
    assert BPETokenizer.train("abc", 5).merges == []
    assert BPETokenizer.train("", 5).merges == []
    assert BPETokenizer.train("abab", 5).merges == [((97, 98), 256)]


def test_special_tokens_are_cut_out_of_training_text():
    tok = BPETokenizer.train("xy<|s|>xy<|s|>", 10, special_tokens=["<|s|>"])
    # "|s" occurs twice but only inside the special
    assert tok.merges == [((120, 121), 256)]
    assert tok.special_tokens == {"<|s|>": 257}


def test_count_chunks_counts_each_distinct_chunk_once():
    from stepbytoken.tokenizers.bpe import SPLIT_PATTERN, compile_pattern

    words, freqs = count_chunks(
        "ab ab<|s|> ab", ["<|s|>"], compile_pattern(SPLIT_PATTERN)
    )
    assert dict(zip(map(bytes, words), freqs, strict=True)) == {b"ab": 1, b" ab": 2}


@pytest.mark.parametrize(
    "text",
    [
        "aaaaaaaaaa aaaa aaa a aa",  # overlapping pairs
        "abababab ab ba baba " * 3,
        "the cat the hat the bat that\n\nthe end\n",
    ],
)
def test_incremental_equals_naive(text):
    assert BPETokenizer.train(text, 60).merges == train_naive(text, 60).merges
    assert train_merges(text, 60) == train_merges(text, 60, naive=True)


def test_incremental_equals_naive_on_the_samples(sample, words):
    for text in (sample, " ".join(words) * 3):
        assert BPETokenizer.train(text, 60).merges == train_naive(text, 60).merges


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_incremental_equals_naive_hypothesis(mixed_text, data):
    text = data.draw(
        st.one_of(st.text(max_size=200), st.text("ab c\n", max_size=200), mixed_text)
    )
    assert BPETokenizer.train(text, 25).merges == train_naive(text, 25).merges


def test_training_is_deterministic(sample):
    a = BPETokenizer.train(sample * 2, 80, special_tokens=[EOT])
    b = BPETokenizer.train(sample * 2, 80, special_tokens=[EOT])
    assert a == b and a.merges == b.merges
    assert a.encode(sample) == b.encode(sample)


def test_training_compresses(tok, sample):
    n_bytes = len(sample.encode("utf-8"))
    assert len(tok.encode(sample)) < 0.6 * n_bytes


def test_training_argument_errors():
    with pytest.raises(ValueError, match="num_merges must be an int >= 0, got -1"):
        BPETokenizer.train("abc", -1)
    with pytest.raises(
        TypeError, match=r"num_merges must be an int >= 0, got 1\.5 \(float\)"
    ):
        BPETokenizer.train("abc", 1.5)
    with pytest.raises(TypeError, match="text must be a str, got int"):
        train_naive(123, 5)
    with pytest.raises(ValueError, match="distinct"):
        BPETokenizer.train("abc", 1, special_tokens=["<|a|>", "<|a|>"])
    with pytest.raises(ValueError, match="non-empty strings"):
        BPETokenizer.train("abc", 1, special_tokens=[""])
    with pytest.raises(TypeError, match="got a single str"):
        BPETokenizer.train("abc", 1, special_tokens=EOT)
    with pytest.raises(ValueError, match="lone surrogate|cannot encode"):
        BPETokenizer.train("a\udc00", 1)
    with pytest.raises(ValueError, match="not a valid regular expression"):
        train_merges("abc", 1, pattern="(unclosed")
