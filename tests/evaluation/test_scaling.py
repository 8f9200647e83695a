"""Tests of stepbytoken.evaluation.scaling: non-embedding parameter counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import non_embedding_parameters
from stepbytoken.nn import GPT, GPTConfig, count_parameters, parameter_breakdown


@settings(max_examples=20, deadline=None)
@given(
    d_head=st.sampled_from([2, 4]),
    n_head=st.integers(1, 2),
    n_layer=st.integers(1, 2),
    positions=st.sampled_from(["learned", "sinusoidal", "rope"]),
    tie_weights=st.booleans(),
    bias=st.booleans(),
)
def test_matches_the_breakdown_without_embeddings(
    d_head, n_head, n_layer, positions, tie_weights, bias
):
    config = GPTConfig(
        vocab_size=11,
        block_size=6,
        n_layer=n_layer,
        n_head=n_head,
        d_model=d_head * n_head,
        positions=positions,
        tie_weights=tie_weights,
        bias=bias,
    )
    parts = parameter_breakdown(config)  # the count worked out term by term (chapter 5)
    expected = sum(parts.values()) - parts["token embedding"] - parts["positions"]
    assert non_embedding_parameters(GPT(config)) == expected


def test_width_grows_the_count_and_embeddings_are_left_out():
    counts = []
    for d_model in (8, 16):
        model = GPT(
            GPTConfig(vocab_size=50, block_size=8, n_layer=1, n_head=2, d_model=d_model)
        )
        embeddings = model.wte.weight.numel() + model.wpe.weight.numel()
        assert non_embedding_parameters(model) == count_parameters(model) - embeddings
        counts.append(non_embedding_parameters(model))
    assert counts[1] > 3 * counts[0]  # attention and MLP grow with d_model squared


def test_refuses_what_is_not_a_gpt():
    import torch

    with pytest.raises(TypeError, match="model must be a GPT"):
        non_embedding_parameters(torch.nn.Linear(2, 2))
