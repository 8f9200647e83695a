"""Tokenizers: from text to token ids and back."""

from __future__ import annotations

from stepbytoken.tokenizers.bpe import (
    FORMAT_VERSION,
    SPLIT_PATTERN,
    BPETokenizer,
    Pair,
    get_stats,
    merge,
    train_naive,
)

__all__ = [
    "BPETokenizer",
    "FORMAT_VERSION",
    "Pair",
    "SPLIT_PATTERN",
    "get_stats",
    "merge",
    "train_naive",
]
