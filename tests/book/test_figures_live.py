"""Tests of the live figures of chapters 1 and 7 (their data and their default state)."""

from __future__ import annotations

import json

import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.book.figures.live import (
    live_next_token_widget,
    live_sampler_widget,
    next_token_state,
    sampler_state,
)
from stepbytoken.book.live import live_model_spec
from stepbytoken.generation import generate, next_token_distribution
from stepbytoken.nn import GPT, GPTConfig

PROMPT = "One day a traveller came to"


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def _softmax_last(ref, ids):
    with torch.no_grad():
        logits, _ = ref.model(torch.tensor([ids]))
    return logits[0, -1].double()


def test_next_token_state_equals_the_models_softmax(ref):
    state = next_token_state(ref.model, ref.tokenizer, PROMPT, top=12)
    ids = ref.tokenizer.encode(PROMPT)
    assert (
        state["ids"] == ids and state["n_tokens"] == len(ids) and not state["windowed"]
    )
    probs = torch.softmax(_softmax_last(ref, ids), dim=-1)
    expected = torch.topk(probs, 12)
    assert [row["id"] for row in state["top"]] == expected.indices.tolist()
    assert [row["prob"] for row in state["top"]] == pytest.approx(
        expected.values.tolist(), abs=1e-9
    )
    assert [row["token"] for row in state["top"]] == [
        ref.tokenizer.token_str(i) for i in expected.indices.tolist()
    ]


def test_a_long_prompt_is_windowed_as_generate_does(ref):
    prompt = " ".join(["The king of Varnia was wise."] * 40)
    state = next_token_state(ref.model, ref.tokenizer, prompt)
    ids = ref.tokenizer.encode(prompt)
    block_size = ref.config.block_size
    assert len(ids) > block_size
    assert state["windowed"] and state["n_tokens"] == len(ids)
    assert state["ids"] == ids[-block_size:]
    greedy = generate(ref.model, ids, 1, greedy=True)[-1].item()
    assert state["top"][0]["id"] == greedy


def test_sampler_state_matches_the_filters_and_generate(ref):
    settings = {"temperature": 0.7, "top_k": 20, "top_p": 0.9}
    state = sampler_state(
        ref.model, ref.tokenizer, PROMPT, **settings, seed=3, n_tokens=12, top=30
    )
    ids = ref.tokenizer.encode(PROMPT)
    logits = _softmax_last(ref, ids)
    probs = next_token_distribution(logits, **settings)
    raw = torch.softmax(logits, dim=-1)
    assert (
        state["kept"] == int((probs > 0).sum())
        and state["vocab_size"] == ref.config.vocab_size
    )
    order = torch.sort(raw, descending=True, stable=True).indices[:30].tolist()
    # the model's order, removed included
    assert [row["id"] for row in state["top"]] == order
    assert [row["prob"] for row in state["top"]] == pytest.approx(
        probs[order].tolist(), abs=1e-9
    )
    assert [row["raw"] for row in state["top"]] == pytest.approx(
        raw[order].tolist(), abs=1e-9
    )
    assert sum(row["prob"] == 0 for row in state["top"]) == 30 - state["kept"]
    # the sample: 12 tokens, each one that survived the filters at its step
    assert len(state["sample_ids"]) == 12
    assert state["sample"] == ref.tokenizer.decode(state["sample_ids"])
    context = list(ids)
    for token in state["sample_ids"]:
        assert (
            next_token_distribution(_softmax_last(ref, context), **settings)[token] > 0
        )
        context.append(token)


def test_the_sample_follows_its_seed_and_top_k_one_is_greedy(ref):
    def sample(**kwargs):
        return sampler_state(ref.model, ref.tokenizer, PROMPT, n_tokens=10, **kwargs)[
            "sample_ids"
        ]

    assert sample(seed=1) == sample(seed=1)
    assert sample(seed=1) != sample(seed=2)
    ids = ref.tokenizer.encode(PROMPT)
    greedy = generate(ref.model, ids, 10, greedy=True).tolist()[len(ids) :]
    assert sample(seed=1, top_k=1) == greedy


@pytest.mark.parametrize(
    ("builder", "kind"),
    [
        (live_next_token_widget, "live-next-token"),
        (live_sampler_widget, "live-sampler"),
    ],
)
def test_widgets_carry_the_spec_and_a_json_default(ref, widget_data, builder, kind):
    figure = builder(ref.model, ref.tokenizer, PROMPT)
    assert f'data-sbt-widget="{kind}"' in figure.html
    for name in ("bpe.js", "gpt.js", f"widget-{kind}.js", f"widget-{kind}.css"):
        assert name in figure.html
    data = widget_data(figure)
    assert data["model"] == live_model_spec()
    assert data["default"]["prompt"] == PROMPT
    json.dumps(data, allow_nan=False)  # JSON-serialisable, no NaN or infinity


def test_the_sampler_widget_default_holds_its_settings(ref, widget_data):
    figure = live_sampler_widget(
        ref.model,
        ref.tokenizer,
        PROMPT,
        temperature=1.2,
        top_k=None,
        top_p=None,
        seed=5,
    )
    default = widget_data(figure)["default"]
    assert (
        default["temperature"],
        default["top_k"],
        default["top_p"],
        default["seed"],
    ) == (
        1.2,
        None,
        None,
        5,
    )
    assert default["kept"] == ref.config.vocab_size  # no filter: every token survives


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"prompt": ""}, ValueError),
        ({"prompt": "  \n "}, ValueError),
        ({"prompt": 3}, TypeError),
        ({"top": 0}, ValueError),
        ({"top": 2.5}, TypeError),
        ({"name": "nonexistent"}, ValueError),
    ],
)
def test_next_token_widget_rejects_bad_arguments(ref, kwargs, error):
    args = {"prompt": PROMPT, **kwargs}
    with pytest.raises(error):
        live_next_token_widget(ref.model, ref.tokenizer, **args)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"temperature": 0}, ValueError),
        ({"temperature": -1.0}, ValueError),
        ({"top_k": 0}, ValueError),
        ({"top_k": 5000}, ValueError),
        ({"top_p": 1.5}, ValueError),
        ({"top_p": 0}, ValueError),
        ({"seed": -1}, ValueError),
        ({"n_tokens": 0}, ValueError),
        ({"prompt": ""}, ValueError),
    ],
)
def test_sampler_widget_rejects_bad_arguments(ref, kwargs, error):
    args = {"prompt": PROMPT, **kwargs}
    with pytest.raises(error):
        live_sampler_widget(ref.model, ref.tokenizer, **args)


def test_a_model_and_tokenizer_are_checked(ref):
    with pytest.raises(TypeError, match="tokenizer"):
        next_token_state(ref.model, "not a tokenizer", PROMPT)
    with pytest.raises(TypeError):
        next_token_state("not a model", ref.tokenizer, PROMPT)
    other = GPT(
        GPTConfig(
            vocab_size=ref.config.vocab_size,
            block_size=64,
            n_layer=1,
            n_head=2,
            d_model=32,
            d_ff=64,
        )
    )
    with pytest.raises(ValueError, match="block_size"):
        live_next_token_widget(other, ref.tokenizer, PROMPT)


@pytest.mark.parametrize("state", [next_token_state, sampler_state])
def test_a_prompt_that_is_not_valid_unicode_is_refused_by_name(ref, state):
    with pytest.raises(ValueError, match="prompt must be valid Unicode text"):
        state(ref.model, ref.tokenizer, "a\ud800b")
