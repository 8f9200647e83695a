"""The browser encoder (static/bpe.js), run with Node, must give exactly Python's ids."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stepbytoken
from stepbytoken.tokenizers import BPETokenizer

NODE = shutil.which("node")
BPE_JS = Path(stepbytoken.__file__).parent / "book" / "static" / "bpe.js"
EOT = "<|endoftext|>"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Reads {"model", "texts", "decode", "token_ids"} as JSON on stdin, answers in JSON.
DRIVER = """
const bpe = require(process.argv[1]);
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const req = JSON.parse(input);
  const out = {
    encoded: req.texts.map((t) => bpe.encode(t, req.model)),
    decoded: req.decode.map((ids) => bpe.decode(ids, req.model)),
    token_bytes: req.token_ids.map((i) => Array.from(bpe.tokenBytes(i, req.model))),
    errors: [],
  };
  for (const bad of [() => bpe.encode(42, req.model), () => bpe.decode([1e9], req.model)]) {
    try { bad(); out.errors.push(null); } catch (e) { out.errors.push(e.name + ": " + e.message); }
  }
  process.stdout.write(JSON.stringify(out));
});
"""

TEXTS = [
    "",
    "Hello, world! It's a test: 12345 apples & 67 pears.",
    "café naïve Ærøskøbing Straße",
    "😀 👍🏽 👨‍👩‍👧‍👦 family, flags 🇫🇷🇯🇵, heart ❤️",
    "日本語のテキストと中文文本。한국어",
    "a   b\n\n\t c",
    "   leading and trailing   ",
    "\n\n\n",
    f"one{EOT}two{EOT}{EOT} three <|endoftext| {EOT[:-1]}",
    "<|a|>b<|a|><|a|",
    "don't we'll they're I'm you've he'd it's",
    # Characters on which Python's and JavaScript's \s disagree (the pattern avoids \s).
    "\u0085 next line, \ufeff byte order mark, \u00a0 no-break space, \u3000 ideographic",
    "wow!\ufeff!\ufeff.\u0085\u0085.\u0085 x\ufeff\ufeff!",
]


def _sample_text() -> str:
    body = " ".join(TEXTS[1:8] + TEXTS[-2:]) * 4
    return (body + EOT) * 3


@pytest.fixture(scope="module")
def tok() -> BPETokenizer:
    return BPETokenizer.train(
        _sample_text(), 250, special_tokens=[EOT, "<|a|>", "<|a|>b"]
    )


def run_js(model: dict, texts: list[str], decode=(), token_ids=()) -> dict:
    request = {
        "model": model,
        "texts": texts,
        "decode": list(decode),
        "token_ids": list(token_ids),
    }
    result = subprocess.run(
        [NODE, "-e", DRIVER, str(BPE_JS)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_fixed_strings_match_python(tok):
    model = tok.to_dict()
    out = run_js(model, TEXTS)
    for text, js_ids in zip(TEXTS, out["encoded"], strict=True):
        assert js_ids == tok.encode(text), text
    # The sample really exercises merges and special tokens.
    assert any(i >= 256 for ids in out["encoded"] for i in ids)
    assert tok.special_id(EOT) in out["encoded"][8]
    assert out["encoded"][9][:2] == [tok.special_id("<|a|>b"), tok.special_id("<|a|>")]


def test_decode_and_token_bytes_match_python(tok):
    ids = [tok.encode(t) for t in TEXTS]
    partial = [
        [0xE6, 0x97],
        [0xF0, 0x9F, 0x98],
        [0xC3],
        [0x80, 0x41],
        [0xFF, 0xFE, 0x41],
    ]
    out = run_js(
        tok.to_dict(), [], decode=ids + partial, token_ids=range(tok.vocab_size)
    )
    assert out["decoded"] == [tok.decode(x) for x in ids + partial]
    assert out["decoded"][: len(TEXTS)] == TEXTS
    assert out["token_bytes"] == [
        list(tok.token_bytes(i)) for i in range(tok.vocab_size)
    ]


def test_js_errors(tok):
    errors = run_js(tok.to_dict(), [])["errors"]
    assert errors[0].startswith("TypeError: text must be a string")
    assert errors[1].startswith(
        "RangeError: unknown token id 1000000000; valid ids are 0.."
    )


def test_truncated_models_match(tok):
    texts = TEXTS[1:8]
    for n in (0, 1, 50, len(tok.merges)):
        small = tok.truncated(n)
        assert run_js(small.to_dict(), texts)["encoded"] == [
            small.encode(t) for t in texts
        ]


# Only characters assigned in this Python's Unicode tables: a newer Unicode version (Node's or
# `regex`'s) may call an unassigned code point a letter while the other does not.
assigned = st.characters(exclude_categories=("Cs", "Cn"))
pieces = st.sampled_from(
    [
        "the",
        " the",
        " café",
        "日本語",
        "👨‍👩‍👧‍👦",
        "🇫🇷",
        " ",
        "   ",
        "\n",
        "\t",
        "'s",
        " 42",
        EOT,
        "<|a|>b",
    ]
)
texts = st.one_of(
    st.text(assigned, max_size=40),
    st.lists(st.one_of(pieces, st.text(assigned, max_size=5)), max_size=12).map(
        "".join
    ),
)


@settings(max_examples=15, deadline=None)
@given(batch=st.lists(texts, min_size=1, max_size=40))
def test_hypothesis_batches_match_python(tok, batch):
    out = run_js(tok.to_dict(), batch, decode=[tok.encode(t) for t in batch])
    assert out["encoded"] == [tok.encode(t) for t in batch]
    assert out["decoded"] == batch


@settings(max_examples=10, deadline=None)
@given(
    batch=st.lists(st.lists(st.integers(0, 255), max_size=12), min_size=1, max_size=30)
)
def test_decode_of_arbitrary_bytes_matches_python(tok, batch):
    # Replacement of invalid UTF-8: TextDecoder and Python's errors="replace" agree.
    assert run_js(tok.to_dict(), [], decode=batch)["decoded"] == [
        tok.decode(b) for b in batch
    ]
