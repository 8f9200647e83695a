"""Tests of chapter 4's live attention widget data (stepbytoken.book.figures.live_attention)."""

from __future__ import annotations

import json

import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.book.figures import live_attention_widget
from stepbytoken.book.figures.live_attention import (
    DOCUMENT_PREFIX,
    attention_rows,
    live_attention_data,
)
from stepbytoken.book.live import live_model_spec
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer

TEXT = "Nora met Tobin at the market. She gave him a loaf of bread."


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.fixture(scope="module")
def data(ref):
    return live_attention_data(ref.model, ref.tokenizer, TEXT, start=(1, 2))


def test_default_weights_are_the_models_on_the_prefixed_sentence(ref, data):
    default = data["default"]
    ids = ref.tokenizer.encode(DOCUMENT_PREFIX + TEXT, allowed_special="all")
    assert default["ids"] == ids and default["text"] == TEXT and not default["windowed"]
    assert default["tokens"] == [ref.tokenizer.token_str(i) for i in ids]
    assert default["tokens"][:2] == ["<|endoftext|>", "\n"]
    with torch.no_grad():
        maps = ref.model.attention_maps(torch.tensor([ids]))
    T = len(ids)
    shown = torch.zeros(
        ref.config.n_layer, ref.config.n_head, T, T, dtype=torch.float64
    )
    for layer, heads in enumerate(default["attention"]):
        assert len(heads) == ref.config.n_head
        for h, rows in enumerate(heads):
            # lower triangle only
            assert [len(r) for r in rows] == list(range(1, T + 1))
            for i, row in enumerate(rows):
                shown[layer, h, i, : i + 1] = torch.tensor(row, dtype=torch.float64)
    expected = torch.stack([m[0] for m in maps]).double()  # (n_layer, n_head, T, T)
    assert len(default["attention"]) == ref.config.n_layer
    assert (shown - expected).abs().max() < 1e-6  # rounded to 6 decimals
    assert not torch.equal(shown[0, 0], shown[-1, -1])  # heads differ


def test_rows_sum_to_one_and_weights_are_probabilities(data):
    for heads in data["default"]["attention"]:
        for rows in heads:
            for row in rows:
                assert sum(row) == pytest.approx(1, abs=1e-5)
                assert all(0 <= w <= 1 for w in row)


def test_data_is_json_and_carries_the_shipped_model(data):
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["model"] == live_model_spec("reference")
    assert data["prefix"] == DOCUMENT_PREFIX and data["start"] == [1, 2]


def test_widget_embeds_the_data_and_its_scripts(ref, data, widget_data):
    figure = live_attention_widget(ref.model, ref.tokenizer, TEXT, start=(1, 2))
    assert 'data-sbt-widget="live-attention"' in figure.html
    assert 'class="sbt-interactive sbt-widget"' in figure.html
    requires = figure.html.split('data-sbt-requires="')[1].split('"')[0].split()
    assert {
        "bpe.js",
        "gpt.js",
        "widget-live-attention.js",
        "widget-live-attention.css",
    } <= set(requires)
    assert widget_data(figure) == data


def test_text_longer_than_the_context_keeps_its_last_block(ref):
    long_text = "Nora baked bread for the whole town. " * 30
    data = live_attention_data(ref.model, ref.tokenizer, long_text)
    ids = ref.tokenizer.encode(DOCUMENT_PREFIX + long_text, allowed_special="all")
    assert len(ids) > ref.config.block_size
    assert data["default"]["windowed"]
    assert data["default"]["ids"] == ids[-ref.config.block_size :]
    assert len(data["default"]["attention"][0][0]) == ref.config.block_size


def test_attention_rows_of_a_small_model():
    torch.manual_seed(0)
    model = GPT(
        GPTConfig(vocab_size=20, block_size=6, n_layer=2, n_head=3, d_model=12)
    ).eval()
    rows = attention_rows(model, [1, 2, 3, 4], digits=3)
    assert len(rows) == 2 and all(len(heads) == 3 for heads in rows)
    assert rows[0][0][0] == [1.0]
    maps = model.attention_maps(torch.tensor([[1, 2, 3, 4]]))
    assert rows[1][2][3] == [round(w, 3) for w in maps[1][0, 2, 3].tolist()]
    with pytest.raises(ValueError, match="1 to 6 token ids, got 0"):
        attention_rows(model, [])
    with pytest.raises(ValueError, match="1 to 6 token ids, got 7"):
        attention_rows(model, [1] * 7)
    with pytest.raises(ValueError, match="digits"):
        attention_rows(model, [1], digits=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"text": ""}, ValueError, "only whitespace"),
        ({"text": " \n\t"}, ValueError, "only whitespace"),
        ({"text": b"bytes"}, TypeError, "text must be a str"),
        ({"prefix": None}, TypeError, "prefix must be a str"),
        ({"start": (4, 0)}, ValueError, r"start must be a \(layer, head\)"),
        ({"start": (0, -1)}, ValueError, r"start must be a \(layer, head\)"),
        ({"start": 3}, ValueError, r"start must be a \(layer, head\)"),
        ({"name": "gpt-9"}, ValueError, "name must be one of 'reference'"),
    ],
)
def test_bad_arguments_raise(ref, kwargs, error, match):
    args = {"text": TEXT, **kwargs}
    text = args.pop("text")
    with pytest.raises(error, match=match):
        live_attention_data(ref.model, ref.tokenizer, text, **args)


def test_a_model_or_tokenizer_other_than_the_shipped_one_is_refused(ref):
    other = GPT(
        GPTConfig(
            vocab_size=ref.config.vocab_size,
            block_size=64,
            n_layer=2,
            n_head=2,
            d_model=16,
        )
    )
    with pytest.raises(
        ValueError, match="not the shipped model 'reference': block_size"
    ):
        live_attention_data(other, ref.tokenizer, TEXT)
    with pytest.raises(ValueError, match="tokenizer is not the one shipped"):
        live_attention_data(ref.model, BPETokenizer(), TEXT)


def test_attention_rows_refuse_a_model_that_is_not_a_gpt_and_bad_ids():
    with pytest.raises(TypeError, match="model must be a GPT, got NoneType"):
        attention_rows(None, [1, 2])
    model = GPT(
        GPTConfig(vocab_size=20, block_size=6, n_layer=1, n_head=2, d_model=8)
    ).eval()
    with pytest.raises(TypeError, match="ids must be a sequence of ints"):
        attention_rows(model, None)
    with pytest.raises(TypeError, match=r"ids\[0\] must be an int"):
        attention_rows(model, [1.5])
    with pytest.raises(ValueError, match=r"ids\[1\] must be an int in \[0, 19\]"):
        attention_rows(model, [1, 20])
