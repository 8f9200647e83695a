"""Tests for the pattern documents: one line of known words, repeated."""

from __future__ import annotations

import random

from stepbytoken.world.patterns import PATTERN_WORDS, pattern_document


def test_patterns_repeat(default_corpus):
    patterns = [d.text for d in default_corpus[0] if d.kind == "pattern"]
    assert patterns
    for text in patterns:
        lines = text.split("\n")
        assert len(lines) in (2, 3) and len(set(lines)) == 1
        assert 6 <= len(lines[0].split()) <= 20


def test_patterns_use_the_pattern_words():
    rng = random.Random(0)
    lines = [pattern_document(rng).split("\n")[0] for _ in range(300)]
    used = {w for line in lines for w in line.split()}
    assert used <= set(PATTERN_WORDS) and len(used) > len(PATTERN_WORDS) // 2
