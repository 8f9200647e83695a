"""Tests for the loss past the trained length: brute force per window, and longer models."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from stepbytoken.evaluation.length import loss_by_position, with_block_size
from stepbytoken.nn import GPT, GPTConfig


def tiny(positions: str, block_size: int = 8) -> GPT:
    config = GPTConfig(
        vocab_size=11,
        block_size=block_size,
        n_layer=2,
        n_head=2,
        d_model=16,
        positions=positions,
    )
    return GPT(config, seed=3).eval()


@pytest.mark.parametrize("positions", ["learned", "sinusoidal", "rope"])
@pytest.mark.parametrize("length", [1, 5, 8])
def test_loss_by_position_matches_a_loop_over_windows(positions, length):
    model = tiny(positions)
    ids = torch.randint(0, 11, (50,), generator=torch.Generator().manual_seed(0))
    n = (len(ids) - 1) // length
    losses = []
    for w in range(n):  # one window at a time
        window = ids[w * length : w * length + length + 1]
        with torch.no_grad():
            logits, _ = model(window[None, :-1])
        losses.append(F.cross_entropy(logits[0], window[1:], reduction="none"))
    expected = torch.stack(losses).mean(dim=0)
    got = loss_by_position(model, ids, length)
    assert got.shape == (length,)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("positions", ["sinusoidal", "rope"])
def test_a_longer_window_keeps_what_the_model_does_on_the_shorter_one(positions):
    model = tiny(positions)
    longer = with_block_size(model, 32)
    assert longer.block_size == 32 and model.block_size == 8 and not longer.training
    ids = torch.randint(0, 11, (2, 32), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        short, _ = model(ids[:, :8])
        long, _ = longer(ids)
    torch.testing.assert_close(long[:, :8], short)  # causal: the first 8 see the same
    assert loss_by_position(longer, ids.flatten(), 32).shape == (32,)


def test_a_learned_table_cannot_grow_but_can_shrink():
    model = tiny("learned")
    with pytest.raises(ValueError, match="at most 8 for a learned position table"):
        with_block_size(model, 9)
    shorter = with_block_size(model, 4)
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        torch.testing.assert_close(shorter(ids)[0], model(ids)[0])
    with pytest.raises(ValueError, match="with_block_size"):
        loss_by_position(model, torch.arange(20) % 11, 9)


def test_bad_arguments_are_refused():
    model = tiny("rope")
    with pytest.raises(ValueError, match="at least length"):
        loss_by_position(model, torch.tensor([1, 2, 3]), 3)
    with pytest.raises(TypeError):
        loss_by_position(model, [1, 2, 3], 2)
    with pytest.raises(ValueError, match="length"):
        loss_by_position(model, torch.tensor([1, 2, 3]), 0)
    with pytest.raises(TypeError, match="GPT"):
        with_block_size("model", 8)
    with pytest.raises(ValueError, match="block_size"):
        with_block_size(model, 0)
