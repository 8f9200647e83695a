"""Tests for growing a GPT's vocabulary: old behaviour kept, new rows at the mean."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.vocab_resize import grow_vocab


def small(tie_weights=True):
    config = GPTConfig(
        vocab_size=20,
        block_size=8,
        n_layer=1,
        n_head=2,
        d_model=16,
        tie_weights=tie_weights,
    )
    return GPT(config, seed=3)


@pytest.mark.parametrize("tie", [True, False])
def test_old_logits_unchanged_and_new_rows_are_the_mean(tie):
    model = small(tie).eval()
    big = grow_vocab(model, 25).eval()
    assert big.config.vocab_size == 25 and model.config.vocab_size == 20
    idx = torch.tensor([[1, 5, 19, 0]])
    torch.testing.assert_close(big(idx)[0][..., :20], model(idx)[0])
    for name in ("wte", "lm_head"):
        new, old = getattr(big, name).weight, getattr(model, name).weight
        torch.testing.assert_close(new[20:], old.mean(0).expand(5, -1))
    assert (big.lm_head.weight is big.wte.weight) == tie
    big(torch.tensor([[24, 21]]))  # the new ids are valid input


def test_training_mode_kept_and_model_untouched():
    model = small().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert grow_vocab(model, 20).training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_argument_checks():
    with pytest.raises(ValueError, match="vocab_size"):
        grow_vocab(small(), 10)
    with pytest.raises(TypeError, match="GPT"):
        grow_vocab(torch.nn.Linear(2, 2), 30)
