"""Tests of the MLP language model (stepbytoken.nn.mlp_lm)."""

from __future__ import annotations

import math

import pytest
import torch

from stepbytoken.evaluation import perplexity
from stepbytoken.nn import LanguageModel, MLPLanguageModel
from stepbytoken.training import TrainConfig, train


def test_prediction_at_t_depends_only_on_the_last_context_tokens():
    model = MLPLanguageModel(20, context=2, d_embed=4, d_hidden=8)
    idx = torch.tensor([[1, 2, 3, 4, 5]])
    logits, _ = model(idx)
    changed = idx.clone()
    changed[0, 1] = 9  # visible to positions 1 and 2 only
    logits2, _ = model(changed)
    assert torch.allclose(logits[0, 0], logits2[0, 0])
    assert not torch.allclose(logits[0, 1], logits2[0, 1])
    assert not torch.allclose(logits[0, 2], logits2[0, 2])
    assert torch.allclose(logits[0, 3:], logits2[0, 3:])


def test_loss_matches_cross_entropy_and_starts_near_uniform():
    model = MLPLanguageModel(50, context=3, d_embed=8, d_hidden=16)
    x = torch.randint(50, (4, 10), generator=torch.Generator().manual_seed(0))
    logits, loss = model(x, targets=x)
    assert loss.item() == pytest.approx(
        torch.nn.functional.cross_entropy(logits.reshape(-1, 50), x.reshape(-1)).item()
    )
    assert abs(loss.item() - math.log(50)) < 0.5


def test_training_learns_a_deterministic_sequence():
    data = torch.tensor([0, 1, 2, 3, 4] * 200)
    model = MLPLanguageModel(5, context=2, d_embed=8, d_hidden=32, seed=0)
    config = TrainConfig(
        steps=150, batch_size=8, block_size=8, lr=1e-2, eval_every=150, seed=0
    )
    train(model, data, config=config)
    assert perplexity(model, data[:50].tolist()) < 1.2


def test_follows_the_language_model_interface():
    model = MLPLanguageModel(10, context=4)
    assert isinstance(model, LanguageModel)
    assert (model.vocab_size, model.block_size) == (10, 4)


def test_same_seed_same_weights():
    a, b = MLPLanguageModel(10, seed=3), MLPLanguageModel(10, seed=3)
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vocab_size": 0}, "vocab_size must be an int >= 1"),
        ({"vocab_size": 10, "context": 0}, "context must be an int >= 1"),
        ({"vocab_size": 10, "pad_id": 10}, r"pad_id must be an int in \[0, 9\]"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLPLanguageModel(**kwargs)


def test_bad_input_shape_is_explained():
    with pytest.raises(ValueError, match="idx must have 2 dimensions"):
        MLPLanguageModel(10)(torch.tensor([1, 2, 3]))
