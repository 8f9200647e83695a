"""Tests of grouped-query attention (stepbytoken.nn.grouped_attention)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn import GPT, GPTConfig, MultiHeadAttention
from stepbytoken.nn.grouped_attention import GroupedQueryAttention, kv_heads, to_grouped


def model(positions: str = "learned") -> GPT:
    config = GPTConfig(
        vocab_size=40,
        block_size=16,
        n_layer=2,
        n_head=4,
        d_model=32,
        positions=positions,
    )
    return GPT(config, seed=0).eval()


@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_as_many_kv_heads_as_query_heads_is_multi_head_attention(positions):
    gpt = model(positions)
    same = to_grouped(gpt, 4)
    idx = torch.tensor([[1, 5, 2, 9, 3, 7]])
    torch.testing.assert_close(same(idx)[0], gpt(idx)[0])
    maps = same.attention_maps(idx)
    torch.testing.assert_close(maps[0], gpt.attention_maps(idx)[0])


def test_mean_pooling_averages_the_key_heads_of_each_group():
    gpt = model()
    mqa = to_grouped(gpt, 1)
    C = 32
    old = gpt.blocks[0].attn.c_attn.weight.detach()
    new = mqa.blocks[0].attn.c_attn.weight.detach()
    keys = old[C : 2 * C].reshape(4, 8, C)  # (n_head, d_head, C)
    torch.testing.assert_close(new[C : C + 8], keys.mean(dim=0))
    torch.testing.assert_close(new[:C], old[:C])  # queries untouched
    assert kv_heads(mqa) == 1 and kv_heads(gpt) == 4
    assert isinstance(
        gpt.blocks[0].attn, MultiHeadAttention
    )  # the original is unchanged


def test_a_group_shares_keys_and_values():
    attn = GroupedQueryAttention(d_model=16, n_head=4, n_kv_head=2)
    x = torch.randn(2, 5, 16, generator=torch.Generator().manual_seed(0))
    q, k, v = attn.project(x)
    assert q.shape == (2, 4, 5, 4) and k.shape == v.shape == (2, 2, 5, 4)
    _, weights = attn(x, return_weights=True)
    assert weights.shape == (2, 4, 5, 5)
    # queries equal within a group -> equal attention weights within that group
    with torch.no_grad():
        attn.c_attn.weight[4:8] = attn.c_attn.weight[0:4]
        attn.c_attn.bias[4:8] = attn.c_attn.bias[0:4]
    _, weights = attn(x, return_weights=True)
    torch.testing.assert_close(weights[:, 0], weights[:, 1])


def test_fewer_kv_heads_mean_fewer_parameters_and_a_smaller_projection():
    gpt = model()
    sizes = [to_grouped(gpt, g).blocks[0].attn.c_attn.out_features for g in (4, 2, 1)]
    assert sizes == [96, 64, 48]


def test_the_converted_model_trains():
    gqa = to_grouped(model(), 2).train()
    idx = torch.tensor([[1, 2, 3, 4]])
    _, loss = gqa(idx, targets=torch.tensor([[2, 3, 4, 5]]))
    loss.backward()
    assert gqa.blocks[0].attn.c_attn.weight.grad is not None


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="divide"):
        GroupedQueryAttention(16, 4, 3)
    with pytest.raises(ValueError):
        to_grouped(model(), 3)
    with pytest.raises(ValueError):
        to_grouped(model(), 8)
    with pytest.raises(TypeError):
        to_grouped("gpt", 1)
    with pytest.raises(TypeError):
        to_grouped(to_grouped(model(), 2), 1)
    with pytest.raises(TypeError):
        kv_heads(object())
