"""Tests for stepbytoken.nn.parameters: the parameter breakdown against real models."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import (
    GPT,
    MLPS,
    NORMS,
    POSITIONS,
    GPTConfig,
    count_parameters,
    parameter_breakdown,
    parameter_count,
)

SWITCHES = ("mlp", "norm", "positions", "bias", "tie_weights", "use_norm", "residual")
EVERY_SWITCH = list(itertools.product(MLPS, NORMS, POSITIONS, *[(True, False)] * 4))


def counted_parts(model: GPT) -> dict[str, int]:
    """The breakdown counted on the model's own modules (the way chapter 5 first counts it)."""
    blocks = list(model.blocks)
    norms = [m for b in blocks for m in (b.norm_1, b.norm_2)] + [model.norm_f]
    tied = model.lm_head.weight is model.wte.weight
    return {
        "token embedding": count_parameters(model.wte),
        "positions": 0 if model.wpe is None else count_parameters(model.wpe),
        "attention": sum(count_parameters(b.attn) for b in blocks),
        "MLP": sum(count_parameters(b.mlp) for b in blocks),
        "norms": sum(count_parameters(m) for m in norms),
        "output head": 0 if tied else count_parameters(model.lm_head),
    }


@st.composite
def small_configs(draw: st.DrawFn) -> GPTConfig:
    switches = dict(zip(SWITCHES, draw(st.sampled_from(EVERY_SWITCH)), strict=True))
    n_head, d_head = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    if switches["positions"] == "rope":
        d_head *= 2  # rotary embeddings need an even head width
    return GPTConfig(
        vocab_size=draw(st.integers(1, 50)),
        block_size=draw(st.integers(1, 20)),
        n_layer=draw(st.integers(1, 3)),
        n_head=n_head,
        d_model=n_head * d_head,
        d_ff=draw(st.one_of(st.none(), st.integers(1, 40))),
        **switches,
    )


def test_gpt2_small_has_124_439_808_parameters() -> None:
    config = GPTConfig.gpt2_small()
    assert parameter_count(config) == 124_439_808
    # build the real module structure without allocating memory
    with torch.device("meta"):
        model = GPT(config)
    assert count_parameters(model) == 124_439_808
    assert parameter_breakdown(config) == counted_parts(model)


@pytest.mark.parametrize("switches", EVERY_SWITCH)
def test_breakdown_matches_the_model_for_every_switch(switches: tuple) -> None:
    config = GPTConfig(
        vocab_size=37, block_size=12, n_layer=2, n_head=2, d_model=16,
        **dict(zip(SWITCHES, switches, strict=True)),
    )  # fmt: skip
    model = GPT(config)
    assert parameter_breakdown(config) == counted_parts(model)
    assert parameter_count(config) == count_parameters(model)


@settings(max_examples=60, deadline=None)
@given(small_configs())
def test_breakdown_matches_the_model_for_random_configs(config: GPTConfig) -> None:
    model = GPT(config)
    breakdown = parameter_breakdown(config)
    assert breakdown == counted_parts(model)
    assert parameter_count(config) == sum(breakdown.values()) == count_parameters(model)


@pytest.mark.parametrize("bias", [True, False])
def test_swiglu_mlp_formula(bias: bool) -> None:
    C, F, L = 128, 341, 4  # Llama's width: about 2/3 of 4 * d_model
    config = GPTConfig(vocab_size=50, block_size=8, n_layer=L, n_head=4, d_model=C, d_ff=F,
                       mlp="swiglu", bias=bias)  # fmt: skip
    b = 1 if bias else 0
    assert parameter_breakdown(config)["MLP"] == L * (3 * C * F + b * (2 * F + C))
    gelu = dataclasses.replace(config, mlp="gelu", d_ff=4 * C)
    assert parameter_breakdown(gelu)["MLP"] == L * (8 * C * C + b * 5 * C)


def test_count_parameters_rejects_non_modules() -> None:
    with pytest.raises(TypeError, match="torch.nn.Module"):
        count_parameters([torch.zeros(2)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="GPTConfig"):
        parameter_count({"vocab_size": 3})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="GPTConfig"):
        parameter_breakdown(None)  # type: ignore[arg-type]
