"""Tokenizers: from text to token ids and back (word vocabularies, byte-level BPE)."""

from __future__ import annotations

from stepbytoken.tokenizers.bpe import (
    N_BYTES,
    SPLIT_PATTERN,
    Pair,
    apply_merges,
    apply_merges_naive,
    get_stats,
    merge,
)
from stepbytoken.tokenizers.chat import (
    CHAT_TOKENS,
    ChatEncoding,
    chat_prompt,
    chat_tokenizer,
    decode_chat,
    encode_chat,
    message_text,
)
from stepbytoken.tokenizers.serialization import FORMAT_VERSION
from stepbytoken.tokenizers.tokenizer import BPETokenizer, train_naive
from stepbytoken.tokenizers.trainer import (
    learn_merges,
    learn_merges_naive,
    train_merges,
)
from stepbytoken.tokenizers.vocab import BOS, UNK, WordVocab, encode_lines

__all__ = [
    "BOS",
    "BPETokenizer",
    "CHAT_TOKENS",
    "ChatEncoding",
    "FORMAT_VERSION",
    "N_BYTES",
    "Pair",
    "SPLIT_PATTERN",
    "UNK",
    "WordVocab",
    "apply_merges",
    "apply_merges_naive",
    "chat_prompt",
    "chat_tokenizer",
    "decode_chat",
    "encode_chat",
    "message_text",
    "encode_lines",
    "get_stats",
    "learn_merges",
    "learn_merges_naive",
    "merge",
    "train_merges",
    "train_naive",
]
