"""Tests of the BPE building blocks (stepbytoken.tokenizers.bpe)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.tokenizers import (
    apply_merges,
    apply_merges_naive,
    get_stats,
    learn_merges,
    merge,
)
from stepbytoken.tokenizers.bpe import (
    allowed_specials,
    compile_pattern,
    merge_table,
    special_splitter,
    split_chunks,
)


def test_get_stats_and_merge_worked_examples():
    assert get_stats([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert get_stats([5, 5, 5]) == {(5, 5): 2}
    counts = get_stats([1, 2])
    assert get_stats([1, 2, 1], counts) == {(1, 2): 2, (2, 1): 1}
    assert merge([1, 2, 3, 1, 2], (1, 2), 256) == [256, 3, 256]
    assert merge([5, 5, 5, 5], (5, 5), 256) == [256, 256]
    assert merge([5, 5, 5], (5, 5), 256) == [256, 5]
    assert merge([], (1, 2), 256) == []


def test_apply_merges_in_rank_order():
    # (b, c) was learned first, so "abc" becomes [a, bc] although "ab" comes first in the text.
    assert apply_merges([97, 98, 99], {(98, 99): 256, (97, 98): 257}) == [97, 256]
    assert apply_merges([97, 98, 99], {(97, 98): 256, (98, 99): 257}) == [256, 99]
    assert apply_merges([97], {}) == [97] and apply_merges([], {}) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), max_size=12), max_size=6),
    st.lists(st.integers(0, 3), max_size=16),
)
def test_apply_merges_keeps_the_bytes_and_leaves_no_learned_pair(chunks, ids):
    merges = learn_merges([list(c) for c in chunks], [1] * len(chunks), 10)
    ranks, vocab = merge_table(merges)
    out = apply_merges(list(ids), ranks)
    assert b"".join(vocab[i] for i in out) == bytes(ids)
    assert not set(get_stats(out)) & set(ranks)


def test_merge_table_builds_token_bytes_and_checks_merges():
    ranks, vocab = merge_table([(104, 105), (256, 33)])
    assert ranks == {(104, 105): 256, (256, 33): 257}
    assert vocab[104] == b"h" and vocab[256:] == [b"hi", b"hi!"]
    with pytest.raises(
        ValueError, match=r"merge 0 is \(300, 1\) but may only use ids in"
    ):
        merge_table([(300, 1)])
    with pytest.raises(ValueError, match="repeats the pair"):
        merge_table([(1, 2), (1, 2)])
    with pytest.raises(TypeError, match="merge 0 must be a pair of ints"):
        merge_table([(1, "b")])


def test_special_tokens_selection_and_splitting():
    registered = ["<|a|>", "<|a|>b"]
    assert allowed_specials("all", registered) == registered
    assert (
        allowed_specials("none", registered)
        == []
        == allowed_specials(set(), registered)
    )
    assert allowed_specials({"<|a|>"}, registered) == ["<|a|>"]
    with pytest.raises(ValueError, match="allowed_special must be 'all', 'none'"):
        allowed_specials("some", registered)
    with pytest.raises(ValueError, match=r"unregistered tokens \['<\|nope\|>'\]"):
        allowed_specials({"<|nope|>"}, registered)
    # The longest special token wins where one is a prefix of another.
    assert special_splitter(registered).split("<|a|>b<|a|>x") == [
        "",
        "<|a|>b",
        "",
        "<|a|>",
        "x",
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), max_size=12), max_size=6),
    st.lists(st.integers(0, 3), min_size=16, max_size=300),
)
def test_apply_merges_on_long_chunks_is_the_naive_encoding(chunks, ids):
    # Chunks of 16 ids or more take the heap; the result must be the obvious algorithm's.
    merges = learn_merges([list(c) for c in chunks], [1] * len(chunks), 10)
    ranks, _ = merge_table(merges)
    assert apply_merges(list(ids), ranks) == apply_merges_naive(list(ids), ranks)


def test_apply_merges_resolves_overlaps_from_the_left_on_long_chunks():
    ranks, _ = merge_table([(5, 5), (256, 256)])
    assert apply_merges([5] * 17, ranks) == apply_merges_naive([5] * 17, ranks)
    assert apply_merges([5] * 17, ranks) == [257, 257, 257, 257, 5]


def test_split_chunks_refuses_a_pattern_that_drops_text():
    with pytest.raises(ValueError, match=r"matches no part of ' ' at position 1"):
        split_chunks(compile_pattern(r"\w+"), "a b")
    # groups
    assert split_chunks(compile_pattern(r"(\w)\w*|\W"), "ab c") == ["ab", " ", "c"]
    assert split_chunks(compile_pattern(r"\w+"), "") == []
