"""Text samples and a trained tokenizer shared by the tokenizer tests.

The hypothesis strategies are fixtures (draw from them with ``data.draw(...)``), so that every
test module can use them whatever pytest's import mode.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from stepbytoken.tokenizers import BPETokenizer

EOT = "<|endoftext|>"
SAMPLE = (
    "The quick brown fox jumps over the lazy dog. It's the dog's bone, isn't it? "
    "We'll see: 12 dogs, 345 foxes and 6789 hens!\n\n"
    "Un café naïve à Paris, déjà vu; Ærøskøbing, Straße, Ελληνικά, русский текст.\n"
    "日本語のテキストと中文文本。 한국어 텍스트.\n"
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 🇯🇵 ❤️\t tabs\t\tand   spaces   \n"
)
WORDS = [
    "the", " the", "The", " cat", " café", " naïve", "日本", "語", "😀", "👨‍👩‍👧‍👦", "🇫🇷",
    " ", "  ", "\n", "\t", "'s", "'ll", " 2024", "123", "!", "?!", " ...", EOT,
]  # fmt: skip


@pytest.fixture(scope="session")
def sample() -> str:
    """English, accents, Greek, Cyrillic, CJK, Korean, emoji and odd whitespace."""
    return SAMPLE


@pytest.fixture(scope="session")
def words() -> list[str]:
    """Pieces that tokenizers split in interesting ways (the last is the special token)."""
    return WORDS


@pytest.fixture(scope="session")
def assigned_text() -> st.SearchStrategy[str]:
    """Characters assigned in this Python's Unicode tables.

    Newer Unicode versions (in `regex`, `tokenizers` or a browser) classify some code points
    that older ones leave unassigned, so exact comparisons across engines need assigned text.
    """
    return st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=60)


@pytest.fixture(scope="session")
def mixed_text(assigned_text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Runs of :data:`WORDS` mixed with arbitrary assigned characters."""
    word_text = st.lists(st.sampled_from(WORDS), max_size=20).map("".join)
    return st.lists(st.one_of(word_text, assigned_text), max_size=4).map("".join)


@pytest.fixture(scope="session")
def tok() -> BPETokenizer:
    """200 merges trained on the sample and the words, with ``<|endoftext|>``."""
    text = (SAMPLE * 3 + " ".join(WORDS[:-1]) * 5 + EOT) * 2
    return BPETokenizer.train(text, 200, special_tokens=[EOT])
