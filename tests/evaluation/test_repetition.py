"""Tests of stepbytoken.evaluation.repetition: how likely each copy of a repeated phrase is."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.evaluation import copy_probabilities
from stepbytoken.nn import GPT, GPTConfig


@pytest.fixture(scope="module")
def model():
    config = GPTConfig(vocab_size=12, block_size=16, n_layer=1, n_head=2, d_model=16)
    return GPT(config, seed=0).eval()


def test_each_copy_is_the_geometric_mean_of_its_probabilities(model):
    prefix, phrase = [0, 1, 2], [5, 6, 7, 8]
    per_copy = copy_probabilities(model, prefix, phrase)
    assert per_copy.shape == (3,)  # (16 - 3) // 4 copies fit
    ids = torch.tensor([prefix + phrase * 3])
    with torch.no_grad():
        probs = torch.softmax(model(ids[:, :-1])[0][0], dim=-1)  # (T - 1, vocab_size)
    for k in range(3):
        positions = range(2 + 4 * k, 2 + 4 * (k + 1))  # predictions of the k-th copy
        p = torch.stack([probs[t, ids[0, t + 1]] for t in positions])
        assert per_copy[k] == pytest.approx(p.prod().item() ** (1 / 4), rel=1e-5)


def test_refuses_what_cannot_be_measured(model):
    with pytest.raises(ValueError, match="at least one token id"):
        copy_probabilities(model, [], [1])
    with pytest.raises(ValueError, match="no copy of a 20-token phrase fits"):
        copy_probabilities(model, [0], [1] * 20)

    class Unlimited:  # a language model without a context limit
        vocab_size, block_size = 12, None

        def __call__(self, idx, targets=None):
            return torch.zeros(*idx.shape, 12), None

    with pytest.raises(ValueError, match="model must have a block_size"):
        copy_probabilities(Unlimited(), [0], [1])
