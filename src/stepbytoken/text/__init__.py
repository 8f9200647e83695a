"""Real text: the shipped corpus and splitting it into words."""

from __future__ import annotations

from stepbytoken.text.corpus import (
    DATA_DIR,
    REAL_TEXT_FILE,
    REAL_TEXT_SHA256,
    SKIPPED_FOLDERS,
    build_real_text,
    real_text,
    split_lines,
    write_real_text,
)
from stepbytoken.text.words import join_words, split_words

__all__ = [
    "DATA_DIR",
    "REAL_TEXT_FILE",
    "REAL_TEXT_SHA256",
    "SKIPPED_FOLDERS",
    "build_real_text",
    "join_words",
    "real_text",
    "split_lines",
    "split_words",
    "write_real_text",
]
