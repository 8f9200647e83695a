"""Tests of the induction-head scores and head ablation (chapter 20)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.evaluation.activations import ablate_heads
from stepbytoken.evaluation.induction import (
    attention_scores,
    copying_scores,
    head_ablation_losses,
    repeat_losses,
    repeated_tokens,
)
from stepbytoken.nn import GPT, GPTConfig


def _model(n_layer=2):
    config = GPTConfig(
        vocab_size=20, block_size=16, n_layer=n_layer, n_head=2, d_model=8
    )
    return GPT(config, seed=0).eval()


def test_repeated_tokens_repeat_and_come_from_the_pool():
    pool = torch.tensor([3, 5, 7])
    idx = repeated_tokens(4, 6, pool, seed=2)
    assert idx.shape == (4, 12)
    assert torch.equal(idx[:, 6:], idx[:, :6])
    assert set(idx.unique().tolist()) <= {3, 5, 7}
    assert torch.equal(idx, repeated_tokens(4, 6, pool, seed=2))


def test_attention_scores_pick_the_right_positions():
    model = _model()
    idx = repeated_tokens(3, 4, 20, seed=0)
    maps = torch.stack(model.attention_maps(idx))  # (layer, B, head, T, T)
    scores = attention_scores(model, idx)
    # by hand: token i >= 4 looks at i - 3, every token i >= 1 at i - 1
    prefix = torch.stack([maps[..., i, i - 3] for i in range(4, 8)], -1).mean((1, 3))
    previous = torch.stack([maps[..., i, i - 1] for i in range(1, 8)], -1).mean((1, 3))
    torch.testing.assert_close(scores.prefix_matching, prefix)
    torch.testing.assert_close(scores.previous_token, previous)


def test_copying_score_is_one_for_an_identity_circuit():
    model = _model(n_layer=1)
    C = 8
    with torch.no_grad():
        model.wte.weight.copy_(torch.eye(20, C))
        model.blocks[0].attn.c_attn.weight[2 * C :].copy_(torch.eye(C))
        model.blocks[0].attn.c_proj.weight.copy_(torch.eye(C))
    torch.testing.assert_close(copying_scores(model), torch.ones(1, 2))
    with torch.no_grad():
        model.blocks[0].attn.c_proj.weight.copy_(-torch.eye(C))
    torch.testing.assert_close(copying_scores(model), -torch.ones(1, 2))


def test_repeat_losses_and_ablation_losses():
    model = _model()
    idx = repeated_tokens(2, 5, 20, seed=1)
    first, second = repeat_losses(model, idx)
    logits, _ = model(idx)
    losses = torch.nn.functional.cross_entropy(
        logits[0, :-1], idx[0, 1:], reduction="none"
    )
    assert isinstance(first, float) and second > 0
    assert losses.numel() == 9
    ablated = head_ablation_losses(model, idx, mode="zero")
    with ablate_heads(model, [(1, 0)]):
        assert ablated[1, 0].item() == pytest.approx(repeat_losses(model, idx)[1])
    means = head_ablation_losses(model, idx, mode="mean")
    assert means.shape == (2, 2)


def test_bad_arguments_are_refused():
    model = _model()
    with pytest.raises(ValueError, match="written twice"):
        attention_scores(model, torch.tensor([[1, 2, 3, 4]]))
    with pytest.raises(TypeError, match="GPT"):
        attention_scores("model", repeated_tokens(1, 3, 20))
    with pytest.raises(ValueError):
        head_ablation_losses(model, repeated_tokens(1, 3, 20), mode="half")
    with pytest.raises(ValueError, match="pool"):
        repeated_tokens(1, 3, torch.tensor([], dtype=torch.long))
    with pytest.raises(ValueError):
        with ablate_heads(model, [(5, 0)]):
            pass


def test_ablation_on_any_text_with_part_all():
    model = _model()
    idx = torch.tensor([[1, 2, 3, 4, 5, 6, 7]])
    losses = head_ablation_losses(model, idx, mode="zero", part="all")
    with ablate_heads(model, [(0, 1)]):
        expected = model(idx[:, :-1], targets=idx[:, 1:])[1].item()
    assert losses[0, 1].item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="written twice"):
        head_ablation_losses(model, idx)
