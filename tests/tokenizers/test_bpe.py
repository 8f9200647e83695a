"""Tests for stepbytoken.tokenizers.bpe: the byte-level BPE tokenizer of chapter 2."""

from __future__ import annotations

import json
import random
import time

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.tokenizers import (
    SPLIT_PATTERN,
    BPETokenizer,
    get_stats,
    merge,
    train_naive,
)

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

# Characters assigned in this Python's Unicode tables. Newer Unicode versions (in `regex`,
# `tokenizers`, or a browser) classify some code points that older ones leave unassigned, so
# exact comparisons across engines are only meaningful on assigned characters.
assigned_text = st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=60)
word_text = st.lists(st.sampled_from(WORDS), max_size=20).map("".join)
mixed_text = st.lists(st.one_of(word_text, assigned_text), max_size=4).map("".join)


@pytest.fixture(scope="module")
def tok() -> BPETokenizer:
    text = (SAMPLE * 3 + " ".join(WORDS[:-1]) * 5 + EOT) * 2
    return BPETokenizer.train(text, 200, special_tokens=[EOT])


# ------------------------------------------------------------------------- helpers


def test_get_stats_and_merge_worked_examples():
    assert get_stats([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert get_stats([5, 5, 5]) == {(5, 5): 2}
    counts = get_stats([1, 2])
    assert get_stats([1, 2, 1], counts) == {(1, 2): 2, (2, 1): 1}
    assert merge([1, 2, 3, 1, 2], (1, 2), 256) == [256, 3, 256]
    assert merge([5, 5, 5, 5], (5, 5), 256) == [256, 256]
    assert merge([5, 5, 5], (5, 5), 256) == [256, 5]
    assert merge([], (1, 2), 256) == []


# ------------------------------------------------------------------------- training


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
    assert tok.merges == [((120, 121), 256)]  # "|s" occurs twice but only inside the special
    assert tok.special_tokens == {"<|s|>": 257}


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE,
        "aaaaaaaaaa aaaa aaa a aa",  # overlapping pairs
        "abababab ab ba baba " * 3,
        "the cat the hat the bat that\n\nthe end\n",
        " ".join(WORDS) * 3,
    ],
)
def test_incremental_equals_naive(text):
    assert BPETokenizer.train(text, 60).merges == train_naive(text, 60).merges


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(st.text(max_size=200), st.text("ab c\n", max_size=200), mixed_text))
def test_incremental_equals_naive_hypothesis(text):
    assert BPETokenizer.train(text, 25).merges == train_naive(text, 25).merges


def test_training_is_deterministic():
    a = BPETokenizer.train(SAMPLE * 2, 80, special_tokens=[EOT])
    b = BPETokenizer.train(SAMPLE * 2, 80, special_tokens=[EOT])
    assert a == b and a.merges == b.merges
    assert a.encode(SAMPLE) == b.encode(SAMPLE)


def test_training_compresses(tok):
    n_bytes = len(SAMPLE.encode("utf-8"))
    assert len(tok.encode(SAMPLE)) < 0.6 * n_bytes


# ------------------------------------------------------------------------- encode / decode


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(st.text(), mixed_text))
def test_round_trip_any_unicode(tok, text):
    assert tok.decode(tok.encode(text)) == text
    assert tok.decode(tok.encode_ordinary(text)) == text
    assert tok.decode(tok.encode(text, allowed_special="none")) == text


@settings(max_examples=30, deadline=None)
@given(text=st.text())
def test_untrained_tokenizer_is_plain_utf8(text):
    assert BPETokenizer().encode(text) == list(text.encode("utf-8"))


def test_encoding_is_deterministic_and_cache_independent(tok):
    first = tok.encode(SAMPLE)
    fresh = BPETokenizer.from_dict(tok.to_dict())
    assert fresh.encode(SAMPLE) == first == tok.encode(SAMPLE)


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
        assert tok.token_str(idx) == tok.token_bytes(idx).decode("utf-8", errors="replace")
    for (a, b), new_id in tok.merges:
        assert tok.token_bytes(new_id) == tok.token_bytes(a) + tok.token_bytes(b)
    assert tok.token_bytes(tok.special_id(EOT)) == EOT.encode()
    assert tok.token_str(32) == " "


def test_encode_a_few_hundred_kb_quickly(tok):
    rng = random.Random(0)
    words = regex.findall(r"\S+", SAMPLE)
    text = " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(30_000))
    assert len(text) > 200_000
    start = time.perf_counter()
    ids = tok.encode(text)
    assert time.perf_counter() - start < 5.0
    assert tok.decode(ids) == text


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
    with pytest.raises(ValueError, match=rf"unknown token id {n}; valid ids are 0\.\.{n - 1}"):
        tok.decode([1, n])
    with pytest.raises(ValueError, match="unknown token id -1"):
        tok.token_bytes(-1)
    with pytest.raises(TypeError, match="token ids must be ints"):
        tok.decode(["a"])
    with pytest.raises(ValueError, match=r"'<\|nope\|>' is not a special token.*<\|endoftext\|>"):
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
    with pytest.raises(ValueError, match="n_merges must be in"):
        tok.truncated(len(tok.merges) + 1)


def test_training_argument_errors():
    with pytest.raises(ValueError, match="num_merges must be >= 0, got -1"):
        BPETokenizer.train("abc", -1)
    with pytest.raises(TypeError, match="num_merges must be an int, got float"):
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
    with pytest.raises(ValueError, match=r"merge 0 is \(300, 1\) but may only use ids in"):
        BPETokenizer([(300, 1)])
    with pytest.raises(ValueError, match="repeats the pair"):
        BPETokenizer([(1, 2), (1, 2)])
    with pytest.raises(ValueError, match="not a valid regular expression"):
        BPETokenizer(pattern="(unclosed")


# ------------------------------------------------------------------------- truncation


def test_truncated(tok):
    n = len(tok.merges)
    assert tok.truncated(n) == tok
    assert tok.truncated(0).encode_ordinary("café") == list("café".encode())
    t10 = tok.truncated(10)
    assert t10.merges == tok.merges[:10]
    assert t10.special_tokens == {EOT: 266} and t10.vocab_size == 267
    assert t10.decode(t10.encode(SAMPLE + EOT)) == SAMPLE + EOT
    # Each extra merge can only shorten (or keep) an encoding.
    lengths = [len(tok.truncated(k).encode(SAMPLE)) for k in range(0, n + 1, 20)]
    assert lengths == sorted(lengths, reverse=True) and lengths[0] > lengths[-1]


# ------------------------------------------------------------------------- persistence


def test_save_load_round_trip(tok, tmp_path):
    path = tmp_path / "tok.json"
    tok.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["pattern"] == SPLIT_PATTERN
    assert data["merges"][0] == list(tok.merges[0][0])
    assert data["special_tokens"] == {EOT: tok.vocab_size - 1}
    loaded = BPETokenizer.load(path)
    assert loaded == tok
    assert loaded.encode(SAMPLE + EOT) == tok.encode(SAMPLE + EOT)
    assert BPETokenizer.from_dict(json.loads(json.dumps(tok.to_dict()))) == tok


def test_load_errors(tok, tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer file not found"):
        BPETokenizer.load(tmp_path / "missing.json")
    path = tmp_path / "tok.json"
    tok.save(path)
    path.write_text(path.read_text()[:50])  # truncated: corrupted JSON
    with pytest.raises(ValueError, match=r"tok\.json is not a valid tokenizer file"):
        BPETokenizer.load(path)
    good = tok.to_dict()
    bad_cases = [
        ({**good, "version": 99}, "unsupported tokenizer version 99"),
        ({**good, "format": "other"}, "'format' must be"),
        ({k: v for k, v in good.items() if k != "merges"}, r"missing the fields \['merges'\]"),
        ({**good, "merges": [[1, 2, 3]]}, "list of \\[a, b\\] pairs"),
        ({**good, "merges": [[1, 999]], "special_tokens": {}}, "may only use ids in"),
        ({**good, "special_tokens": {EOT: 5}}, "special token ids must be"),
    ]
    for data, message in bad_cases:
        path.write_text(json.dumps(data))
        with pytest.raises(ValueError, match=message):
            BPETokenizer.load(path)


# ------------------------------------------------------------------------- references


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(st.text(), mixed_text))
def test_pre_tokenize_is_the_pattern_split(text):
    chunks = BPETokenizer().pre_tokenize(text)
    assert chunks == regex.findall(SPLIT_PATTERN, text)
    assert "".join(chunks) == text


def _bytes_to_unicode() -> dict[int, str]:
    """The byte -> printable character table used by byte-level BPE in `tokenizers`."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = {b: chr(b) for b in printable}
    others = [b for b in range(256) if b not in table]
    table.update({b: chr(256 + k) for k, b in enumerate(others)})
    return table


@pytest.fixture(scope="module")
def hf_tokenizer(tok):
    """A `tokenizers` BPE model loaded with *our* merges, as an independent encoder."""
    tokenizers = pytest.importorskip("tokenizers")
    table = _bytes_to_unicode()
    assert set(table.values()) == set(tokenizers.pre_tokenizers.ByteLevel.alphabet())

    def show(idx: int) -> str:
        return "".join(table[b] for b in tok.token_bytes(idx))

    n_ids = 256 + len(tok.merges)
    vocab = {show(i): i for i in range(n_ids)}
    assert len(vocab) == n_ids, "two merges produced the same bytes; pick another sample"
    merges = [(show(a), show(b)) for (a, b), _ in tok.merges]
    hf = tokenizers.Tokenizer(tokenizers.models.BPE(vocab=vocab, merges=merges))
    hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    return hf


@settings(max_examples=80, deadline=None)
@given(text=st.one_of(assigned_text, mixed_text))
def test_matches_tokenizers_library(tok, hf_tokenizer, text):
    # Same pre-tokenization chunks as the library's ByteLevel pre-tokenizer ...
    spans = hf_tokenizer.pre_tokenizer.pre_tokenize_str(text)
    assert [text[a:b] for _, (a, b) in spans] == tok.pre_tokenize(text)
    # ... and the same ids when the library's BPE model applies our merges.
    assert hf_tokenizer.encode(text, add_special_tokens=False).ids == tok.encode_ordinary(text)


def test_matches_tokenizers_library_on_sample(tok, hf_tokenizer):
    assert hf_tokenizer.encode(SAMPLE).ids == tok.encode_ordinary(SAMPLE)
