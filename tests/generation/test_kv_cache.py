"""Tests of the KV cache (stepbytoken.generation.kv_cache)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.generation import generate
from stepbytoken.generation.kv_cache import (
    KVCache,
    forward_cached,
    generate_cached,
    generation_flops,
    kv_cache_bytes,
    time_generation,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.grouped_attention import to_grouped


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def tiny(positions: str, **kw) -> GPT:
    config = GPTConfig(
        vocab_size=30, block_size=12, n_layer=2, n_head=4, d_model=16,
        positions=positions, **kw,
    )  # fmt: skip
    return GPT(config, seed=1).eval()


def test_greedy_generation_with_the_cache_gives_the_same_tokens(reference):
    prompt = reference.tokenizer.encode("One day, the king of")
    # 150 new tokens: past block_size=128, so the window is read again at least once
    without = generate(reference.model, prompt, 150, greedy=True)
    with_cache = generate_cached(reference.model, prompt, 150, greedy=True)
    assert torch.equal(with_cache, without)


def test_sampling_with_the_cache_draws_the_same_tokens(reference):
    prompt = reference.tokenizer.encode("Mira lived in")
    kw = dict(temperature=0.9, top_k=40, top_p=0.95, seed=3)
    assert torch.equal(
        generate_cached(reference.model, prompt, 40, **kw),
        generate(reference.model, prompt, 40, **kw),
    )


@pytest.mark.parametrize("positions", ["learned", "sinusoidal", "rope"])
@pytest.mark.parametrize("mlp", ["gelu", "swiglu"])
def test_cached_logits_equal_the_full_forward_pass(positions, mlp):
    model = tiny(positions, mlp=mlp, norm="rmsnorm" if mlp == "swiglu" else "layernorm")
    idx = torch.tensor([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8]])
    full, _ = model(idx)
    logits, cache = forward_cached(model, idx[:, :4])  # prefill 4 tokens
    rows = [logits]
    for t in range(4, idx.shape[1]):  # then one token per step
        step, cache = forward_cached(model, idx[:, t : t + 1], cache)
        rows.append(step)
    torch.testing.assert_close(torch.cat(rows, dim=1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == idx.shape[1]


@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_generation_past_block_size_matches_for_every_position_kind(positions):
    model = tiny(positions)
    out = generate_cached(model, [1, 2, 3], 20, greedy=True)
    assert torch.equal(out, generate(model, [1, 2, 3], 20, greedy=True))
    batch = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert torch.equal(
        generate_cached(model, batch, 15, greedy=True, stop_token=7),
        generate(model, batch, 15, greedy=True, stop_token=7),
    )


def test_measured_cache_memory_equals_the_formula(reference):
    c = reference.config
    _, cache = forward_cached(reference.model, torch.zeros(2, 50, dtype=torch.long))
    assert cache.nbytes == kv_cache_bytes(
        c.n_layer, c.n_head, c.d_head, 50, batch=2, bytes_per_value=4
    )
    assert cache.keys[0].shape == (2, c.n_head, 50, c.d_head)


def test_formula_for_a_grouped_query_model():
    # 80 layers, 8 KV heads of 128, 4096 tokens, 16-bit: 1.25 GiB per sequence
    assert kv_cache_bytes(80, 8, 128, 4096) == 1.25 * 2**30
    assert kv_cache_bytes(80, 64, 128, 4096) == 8 * kv_cache_bytes(80, 8, 128, 4096)


@pytest.mark.parametrize("n_kv_head", [1, 2])
def test_grouped_query_cache_is_smaller_by_the_group_size(reference, n_kv_head):
    grouped = to_grouped(reference.model, n_kv_head)
    ids = torch.tensor([reference.tokenizer.encode("Mira lived in the town of")])
    _, cache = forward_cached(grouped, ids)
    _, full = forward_cached(reference.model, ids)
    assert cache.nbytes * (4 // n_kv_head) == full.nbytes
    c = reference.config
    assert cache.nbytes == kv_cache_bytes(
        c.n_layer, n_kv_head, c.d_head, ids.shape[1], bytes_per_value=4
    )
    assert torch.equal(
        generate_cached(grouped, ids, 30, greedy=True),
        generate(grouped, ids, 30, greedy=True),
    )


def test_cached_decoding_does_less_arithmetic(reference):
    model = reference.model
    one = generation_flops(model, 20, 1, cache=True)
    assert one == generation_flops(
        model, 20, 1, cache=False
    )  # the first token: a prefill
    with_cache = generation_flops(model, 20, 100, cache=True)
    without = generation_flops(model, 20, 100, cache=False)
    assert without > 10 * with_cache
    # with the cache each new token costs about 2 FLOPs per weight it multiplies
    per_token = generation_flops(model, 20, 2, cache=True) - one
    weights = sum(
        m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear)
    )
    assert 2 * weights < per_token < 2.1 * weights


def test_timing_returns_positive_numbers(reference):
    timing = time_generation(reference.model, [1, 2, 3], 3, cache=True)
    assert 0 < timing.first_token_s <= timing.total_s and timing.per_token_s > 0


def test_bad_arguments_are_refused(reference):
    model = reference.model
    with pytest.raises(TypeError, match="GPT"):
        forward_cached(object(), torch.tensor([[1]]))
    with pytest.raises(TypeError, match="KVCache"):
        forward_cached(model, torch.tensor([[1]]), cache={})
    with pytest.raises(ValueError, match="block_size"):
        forward_cached(model, torch.zeros(1, 129, dtype=torch.long))
    _, cache = forward_cached(model, torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="batch"):
        forward_cached(model, torch.tensor([[1], [2]]), cache)
    with pytest.raises(ValueError):
        forward_cached(model, torch.tensor([[5000]]))
    with pytest.raises(ValueError):
        kv_cache_bytes(0, 1, 1, 1)
    with pytest.raises(TypeError):
        generate_cached(model, "text", 3)
    with pytest.raises(TypeError):
        time_generation(model, [], 3, cache=True)
    assert KVCache().length == 0
