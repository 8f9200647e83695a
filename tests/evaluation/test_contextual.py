"""Tests for stepbytoken.evaluation.contextual: a token's vector in context."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.evaluation import contextual_vectors, mean_pairwise_cosine
from stepbytoken.nn import GPT, GPTConfig, MLPLanguageModel

CONFIG = GPTConfig(vocab_size=7, block_size=4, n_layer=2, n_head=1, d_model=8)
IDS = [1, 2, 3, 5, 4, 2, 5, 6, 6, 5, 1, 1, 1, 5]  # token 5 at 3, 6, 9 and 13


def test_vectors_are_the_models_states_at_each_occurrence():
    model = GPT(CONFIG, seed=0)
    vectors = contextual_vectors(model, IDS, 5)
    assert vectors.shape == (4, 8)
    with torch.no_grad():
        expected = model.hidden_states(torch.tensor([IDS[10:14]]))[-1][0, -1]
    torch.testing.assert_close(vectors[3], expected)
    assert contextual_vectors(model, IDS, 5, max_count=2).shape == (2, 8)


def test_embeddings_depend_only_on_token_and_position_but_later_layers_on_context():
    model = GPT(CONFIG, seed=0)
    ids = [1, 2, 3, 5, 4, 4, 4, 5]  # token 5 at the last place of two different windows
    inputs = contextual_vectors(model, ids, 5, layer=0)
    torch.testing.assert_close(inputs[0], inputs[1])  # same token, same window position
    assert mean_pairwise_cosine(inputs) == pytest.approx(1.0)
    assert mean_pairwise_cosine(contextual_vectors(model, ids, 5)) < 0.999


def test_bad_arguments_are_refused():
    model = GPT(CONFIG, seed=0)
    with pytest.raises(TypeError):
        contextual_vectors(
            MLPLanguageModel(7, context=3, d_embed=4, d_hidden=8), IDS, 5
        )
    with pytest.raises(ValueError, match="never occurs"):
        contextual_vectors(model, [5, 5, 1], 5)
    with pytest.raises(ValueError):
        contextual_vectors(model, IDS, 7)
    with pytest.raises(ValueError):
        contextual_vectors(model, IDS, 5, layer=3)
    with pytest.raises(ValueError):
        mean_pairwise_cosine(torch.ones(1, 3))


def test_mean_pairwise_cosine_ignores_lengths_and_the_diagonal():
    assert mean_pairwise_cosine(
        torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    ) == pytest.approx(1.0)
    assert mean_pairwise_cosine(
        torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    ) == pytest.approx(-1.0)
    assert mean_pairwise_cosine(
        torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    ) == pytest.approx(0.0)
