"""Tests of BPETokenizer (stepbytoken.tokenizers.tokenizer), against the `tokenizers` library."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.tokenizers import (
    SPLIT_PATTERN,
    BPETokenizer,
    apply_merges,
    apply_merges_naive,
)
from stepbytoken.tokenizers import tokenizer as tokenizer_module

EOT = "<|endoftext|>"

# ------------------------------------------------------------------------- encode / decode


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_round_trip_any_unicode(tok, mixed_text, data):
    text = data.draw(st.one_of(st.text(), mixed_text))
    assert tok.decode(tok.encode(text)) == text
    assert tok.decode(tok.encode_ordinary(text)) == text
    assert tok.decode(tok.encode(text, allowed_special="none")) == text


@settings(max_examples=30, deadline=None)
@given(text=st.text())
def test_untrained_tokenizer_is_plain_utf8(text):
    assert BPETokenizer().encode(text) == list(text.encode("utf-8"))


def test_encoding_is_deterministic_and_cache_independent(tok, sample):
    first = tok.encode(sample)
    fresh = BPETokenizer.from_dict(tok.to_dict())
    assert fresh.encode(sample) == first == tok.encode(sample)


def test_encode_applies_merges_in_rank_order():
    # Merges in training order: (b, c) first, then (a, b). "abc" must become [a, bc], even
    # though "ab" comes first in the text.
    tok = BPETokenizer([(98, 99), (97, 98)])
    assert tok.encode("abc") == [97, 256]
    tok = BPETokenizer([(97, 98), (98, 99)])
    assert tok.encode("abc") == [256, 99]


def test_decode_invalid_utf8_uses_replacement(tok):
    assert tok.decode([0xE6, 0x97]) == "\ufffd"  # first two bytes of a three-byte char
    assert tok.decode([]) == ""


def test_token_bytes_and_str(tok):
    for idx in range(tok.vocab_size):
        assert tok.token_str(idx) == tok.token_bytes(idx).decode(
            "utf-8", errors="replace"
        )
    for (a, b), new_id in tok.merges:
        assert tok.token_bytes(new_id) == tok.token_bytes(a) + tok.token_bytes(b)
    assert tok.token_bytes(tok.special_id(EOT)) == EOT.encode()
    assert tok.token_str(32) == " "


class CountingRanks(Mapping):
    """A merge table that counts its look-ups: the work of encoding, on any machine."""

    def __init__(self, ranks: Mapping[tuple[int, int], int]) -> None:
        self.ranks, self.lookups = ranks, 0

    def __getitem__(self, pair: tuple[int, int]) -> int:
        self.lookups += 1
        return self.ranks[pair]

    def get(self, pair, default=None):
        self.lookups += 1
        return self.ranks.get(pair, default)

    def __iter__(self):
        return iter(self.ranks)

    def __len__(self) -> int:
        return len(self.ranks)


def _encode_counting(tok, text, monkeypatch):
    """``tok.encode(text)`` and, per chunk that reached apply_merges, (bytes, look-ups)."""
    work = []

    def counting(ids, ranks):
        counted = CountingRanks(ranks)
        out = apply_merges(ids, counted)
        work.append((len(ids), counted.lookups))
        return out

    monkeypatch.setattr(tokenizer_module, "apply_merges", counting)
    return tok.encode(text), work


def _letters(sample: str, n: int, seed: int) -> str:
    """``n`` letters without a space (one chunk): the sample's words in a seeded order."""
    words = regex.findall(r"[a-z]+", sample.lower())
    rng = random.Random(seed)
    return "".join(rng.choice(words) for _ in range(n))[:n]


def test_long_chunks_encode_in_linear_work(tok, sample, monkeypatch):
    # apply_merges' heap path looks a pair up once per adjacent pair at the start, at most
    # once per position it lists (those n plus two per merge) and twice per merge: at most
    # 6n look-ups for a chunk of n bytes, however many merges apply. The naive path scans
    # the chunk once per merge that applies, n look-ups each time.
    work = {}
    for n in (20_000, 80_000):
        text = _letters(sample, n, seed=n)
        ids, chunks = _encode_counting(tok, text, monkeypatch)
        assert [size for size, _ in chunks] == [n]  # one chunk, encoded once
        assert tok.decode(ids) == text
        work[n] = chunks[0][1]
        assert work[n] <= 6 * n
    # four times the text, four times the work
    assert 3 < work[80_000] / work[20_000] < 5


def test_a_long_chunk_is_encoded_as_the_naive_path_would_with_less_work(tok, sample):
    text = _letters(sample, 3_000, seed=1)
    ranks = dict(tok.merges)  # (a, b) -> new id
    fast, naive = CountingRanks(ranks), CountingRanks(ranks)
    ids = apply_merges(list(text.encode()), fast)
    assert ids == apply_merges_naive(list(text.encode()), naive) == tok.encode(text)
    assert fast.lookups <= 6 * len(text) < naive.lookups  # the naive path is not taken


# ------------------------------------------------------------------------- special tokens


def test_special_tokens(tok):
    eot = tok.special_id(EOT)
    assert eot == tok.vocab_size - 1 == 256 + len(tok.merges)
    ids = tok.encode(f"hello{EOT}world")
    assert ids.count(eot) == 1
    assert ids == tok.encode("hello") + [eot] + tok.encode("world")
    assert eot not in tok.encode(EOT, allowed_special="none")
    assert tok.encode(EOT, allowed_special="none") == tok.encode_ordinary(EOT)
    assert tok.encode(EOT, allowed_special={EOT}) == [eot]
    assert tok.encode(EOT, allowed_special=set()) == tok.encode_ordinary(EOT)
    assert tok.decode([eot]) == EOT


def test_longest_special_token_wins():
    tok = BPETokenizer(special_tokens=["<|a|>", "<|a|>b"])
    a, ab = tok.special_id("<|a|>"), tok.special_id("<|a|>b")
    assert tok.encode("<|a|>b<|a|>x") == [ab, a, ord("x")]
    assert tok.encode("<|a|>b", allowed_special={"<|a|>"}) == [a, ord("b")]


# ------------------------------------------------------------------------- errors


def test_error_messages(tok):
    n = tok.vocab_size
    with pytest.raises(
        ValueError, match=rf"unknown token id {n}; valid ids are 0\.\.{n - 1}"
    ):
        tok.decode([1, n])
    with pytest.raises(ValueError, match="unknown token id -1"):
        tok.token_bytes(-1)
    with pytest.raises(TypeError, match="token ids must be ints"):
        tok.decode(["a"])
    with pytest.raises(
        ValueError, match=r"'<\|nope\|>' is not a special token.*<\|endoftext\|>"
    ):
        tok.special_id("<|nope|>")
    with pytest.raises(ValueError, match=r"unregistered tokens \['<\|nope\|>'\]"):
        tok.encode("x", allowed_special={"<|nope|>"})
    with pytest.raises(ValueError, match="allowed_special must be 'all', 'none'"):
        tok.encode("x", allowed_special="some")
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        tok.encode(b"bytes")
    with pytest.raises(TypeError, match="text must be a str, got NoneType"):
        tok.encode_ordinary(None)
    with pytest.raises(ValueError, match="lone surrogate"):
        tok.encode("a\ud800b")
    with pytest.raises(
        ValueError, match=r"n_merges must be an int in \[0, 200\], got 201"
    ):
        tok.truncated(len(tok.merges) + 1)


def test_constructor_errors():
    with pytest.raises(
        ValueError, match=r"merge 0 is \(300, 1\) but may only use ids in"
    ):
        BPETokenizer([(300, 1)])
    with pytest.raises(ValueError, match="repeats the pair"):
        BPETokenizer([(1, 2), (1, 2)])
    with pytest.raises(ValueError, match="not a valid regular expression"):
        BPETokenizer(pattern="(unclosed")
    with pytest.raises(ValueError, match="distinct"):
        BPETokenizer(special_tokens=["<|a|>", "<|a|>"])


# ------------------------------------------------------------------------- truncation


def test_truncated(tok, sample):
    n = len(tok.merges)
    assert tok.truncated(n) == tok
    assert tok.truncated(0).encode_ordinary("café") == list("café".encode())
    t10 = tok.truncated(10)
    assert t10.merges == tok.merges[:10]
    assert t10.special_tokens == {EOT: 266} and t10.vocab_size == 267
    assert t10.decode(t10.encode(sample + EOT)) == sample + EOT
    # Each extra merge can only shorten (or keep) an encoding.
    lengths = [len(tok.truncated(k).encode(sample)) for k in range(0, n + 1, 20)]
    assert lengths == sorted(lengths, reverse=True) and lengths[0] > lengths[-1]


# ------------------------------------------------------------------------- references


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_pre_tokenize_is_the_pattern_split(mixed_text, data):
    text = data.draw(st.one_of(st.text(), mixed_text))
    chunks = BPETokenizer().pre_tokenize(text)
    assert chunks == regex.findall(SPLIT_PATTERN, text)
    assert "".join(chunks) == text


def bytes_to_unicode() -> dict[int, str]:
    """The byte -> printable character table used by byte-level BPE in `tokenizers`."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(0xA1, 0xAD),
        *range(0xAE, 0x100),
    ]
    table = {b: chr(b) for b in printable}
    others = [b for b in range(256) if b not in table]
    table.update({b: chr(256 + k) for k, b in enumerate(others)})
    return table


@pytest.fixture(scope="module")
def hf_tokenizer(tok):
    """A `tokenizers` BPE model loaded with *our* merges, as an independent encoder."""
    tokenizers = pytest.importorskip("tokenizers")
    table = bytes_to_unicode()
    assert set(table.values()) == set(tokenizers.pre_tokenizers.ByteLevel.alphabet())

    def show(idx: int) -> str:
        return "".join(table[b] for b in tok.token_bytes(idx))

    n_ids = 256 + len(tok.merges)
    vocab = {show(i): i for i in range(n_ids)}
    assert len(vocab) == n_ids, (
        "two merges produced the same bytes; pick another sample"
    )
    merges = [(show(a), show(b)) for (a, b), _ in tok.merges]
    hf = tokenizers.Tokenizer(tokenizers.models.BPE(vocab=vocab, merges=merges))
    hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(
        add_prefix_space=False, use_regex=True
    )
    return hf


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_matches_tokenizers_library(tok, hf_tokenizer, assigned_text, mixed_text, data):
    text = data.draw(st.one_of(assigned_text, mixed_text))
    # Same pre-tokenization chunks as the library's ByteLevel pre-tokenizer ...
    spans = hf_tokenizer.pre_tokenizer.pre_tokenize_str(text)
    assert [text[a:b] for _, (a, b) in spans] == tok.pre_tokenize(text)
    # ... and the same ids when the library's BPE model applies our merges.
    assert hf_tokenizer.encode(
        text, add_special_tokens=False
    ).ids == tok.encode_ordinary(text)


def test_matches_tokenizers_library_on_sample(tok, hf_tokenizer, sample):
    assert hf_tokenizer.encode(sample).ids == tok.encode_ordinary(sample)


def test_a_long_chunk_without_spaces_matches_the_library(tok, hf_tokenizer, sample):
    # One chunk of 20,000 letters: the heap path of apply_merges, checked against `tokenizers`.
    letters = regex.sub(r"[^a-z]", "", sample.lower()) * 200
    text = letters[:20_000]
    assert tok.pre_tokenize(text) == [text]
    assert tok.encode(text) == hf_tokenizer.encode(text, add_special_tokens=False).ids


def test_a_pattern_that_does_not_cover_the_text_is_refused():
    tok = BPETokenizer(pattern=r"\w+")
    with pytest.raises(ValueError, match="must cover every character"):
        tok.encode("hello, world")
    with pytest.raises(ValueError, match="must cover every character"):
        BPETokenizer.train("hello, world", 3, pattern=r"\w+")
    assert tok.decode(tok.encode("hello")) == "hello"


@pytest.mark.parametrize(
    ("path", "error", "match"),
    [
        (None, TypeError, "path must be a str or path, got NoneType"),
        (b"t.json", TypeError, "path must be a str or path, got bytes"),
        ("", ValueError, "path must be a non-empty path"),
        ("a\ud800b.json", ValueError, "path cannot be encoded as a file name"),
    ],
)
def test_save_and_load_refuse_what_is_not_a_path(tok, path, error, match):
    with pytest.raises(error, match=match):
        tok.save(path)
    with pytest.raises(error, match=match):
        BPETokenizer.load(path)
