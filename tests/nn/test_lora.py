"""Tests for LoRA: exact start, exact merge, what trains, what it costs, what it changes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.lora import (
    LoRALinear,
    adapter_state_dict,
    add_lora,
    block_linears,
    lora_parameters,
    merge_lora,
    optimizer_memory,
    trainable_share,
    update_spectrum,
)
from stepbytoken.nn.parameters import count_parameters

C, L, V = 32, 2, 40  # d_model, n_layer, vocab_size


def tiny(mlp: str = "gelu", bias: bool = True) -> GPT:
    config = GPTConfig(
        vocab_size=V, block_size=16, n_layer=L, n_head=4, d_model=C, mlp=mlp, bias=bias
    )
    return GPT(config, seed=1).eval()


IDX = torch.randint(0, V, (3, 10), generator=torch.Generator().manual_seed(0))
TARGETS = torch.randint(0, V, (3, 10), generator=torch.Generator().manual_seed(1))


def randomise_b(model: nn.Module, seed: int = 0) -> None:
    """Give every B a random value, as training would, so the update is not zero."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, LoRALinear):
                m.lora_B.copy_(torch.randn(m.lora_B.shape, generator=g) * 0.1)


def test_a_layer_starts_equal_to_its_base_and_merges_exactly():
    base = nn.Linear(12, 6)
    layer = LoRALinear(base, rank=3, alpha=6.0)
    assert layer.scale == 2.0 and layer.base is base
    x = torch.randn(4, 5, 12, generator=torch.Generator().manual_seed(0))
    assert torch.equal(layer(x), base(x))
    with torch.no_grad():
        layer.lora_B.normal_()
    expected = base(x) + 2.0 * x @ layer.lora_A.T @ layer.lora_B.T
    torch.testing.assert_close(layer(x), expected)
    merged = layer.merged()
    assert type(merged) is nn.Linear
    torch.testing.assert_close(merged(x), layer(x), atol=1e-6, rtol=1e-6)
    assert not base.weight.requires_grad and not base.bias.requires_grad


def test_a_is_seeded_and_leaves_the_global_random_state_alone():
    state = torch.random.get_rng_state()
    a1 = LoRALinear(nn.Linear(8, 8), 2, generator=torch.Generator().manual_seed(5))
    a2 = LoRALinear(nn.Linear(8, 8), 2, generator=torch.Generator().manual_seed(5))
    torch.random.set_rng_state(state)
    assert torch.equal(a1.lora_A, a2.lora_A)
    state = torch.random.get_rng_state()
    a1.merged()
    assert torch.equal(torch.random.get_rng_state(), state)
    # the documented scale of A: std 1 / sqrt(in_features)
    big = LoRALinear(nn.Linear(400, 400), 50)
    assert big.lora_A.std().item() == pytest.approx(400**-0.5, rel=0.05)


@pytest.mark.parametrize("targets", ["attention", "all"])
@pytest.mark.parametrize("mlp", ["gelu", "swiglu"])
def test_adapted_model_starts_as_the_base_model(targets, mlp):
    model = tiny(mlp)
    adapted = add_lora(model, rank=4, targets=targets)
    assert type(adapted) is GPT
    assert torch.equal(adapted(IDX)[0], model(IDX)[0])
    # the original is untouched: no adapters, still trainable
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())


def test_which_layers_each_target_adapts():
    model = tiny("swiglu")
    attention = list(block_linears(model, "attention"))
    assert attention == [
        f"blocks.{i}.attn.{leaf}" for i in range(L) for leaf in ("c_attn", "c_proj")
    ]
    every = list(block_linears(model, "all"))
    assert len(every) == L * 5  # c_attn, c_proj, c_gate, c_fc, c_proj
    assert "lm_head" not in every and all(n.startswith("blocks.") for n in every)
    adapted = add_lora(model, 2, targets="all")
    assert sum(isinstance(m, LoRALinear) for m in adapted.modules()) == L * 5
    assert isinstance(adapted.lm_head, nn.Linear)


@pytest.mark.parametrize("rank", [1, 4, 32])
def test_merged_model_has_the_same_logits_and_the_original_keys(rank):
    model = tiny()
    adapted = add_lora(model, rank=rank, alpha=8.0, targets="all")
    randomise_b(adapted)
    assert not torch.allclose(adapted(IDX)[0], model(IDX)[0], atol=1e-4)
    merged = merge_lora(adapted)
    assert type(merged) is GPT
    assert merged.state_dict().keys() == model.state_dict().keys()
    assert torch.allclose(merged(IDX)[0], adapted(IDX)[0], atol=1e-6)
    assert all(p.requires_grad for p in merged.parameters())
    assert merged.lm_head.weight is merged.wte.weight  # the tie survives
    # merging copies: the adapted model keeps its adapters
    assert any(isinstance(m, LoRALinear) for m in adapted.modules())


@pytest.mark.parametrize("targets", ["attention", "all"])
@pytest.mark.parametrize("rank", [1, 8])
def test_trainable_count_is_rank_times_in_plus_out(rank, targets):
    model = tiny()
    adapted = add_lora(model, rank=rank, targets=targets)
    per_layer = (C + 3 * C) + (C + C)  # c_attn (C -> 3C), attention c_proj (C -> C)
    if targets == "all":
        per_layer += (C + 4 * C) + (4 * C + C)  # c_fc (C -> 4C), MLP c_proj (4C -> C)
    trainable, total = trainable_share(adapted)
    assert trainable == L * rank * per_layer
    assert total == count_parameters(model) + trainable
    assert sum(p.numel() for p in lora_parameters(adapted)) == trainable
    names = [n for n, p in adapted.named_parameters() if p.requires_grad]
    assert names and all(n.endswith(("lora_A", "lora_B")) for n in names)


def test_gradients_reach_a_and_b_only():
    adapted = add_lora(tiny(), rank=4, targets="all")
    adapted(IDX, TARGETS)[1].backward()
    for name, p in adapted.named_parameters():
        if name.endswith(("lora_A", "lora_B")):
            assert p.grad is not None, name
        else:
            assert p.grad is None, name
    # at the first step B = 0, so only B moves: dL/dA = scale * B^T (...) = 0
    for m in adapted.modules():
        if isinstance(m, LoRALinear):
            assert torch.count_nonzero(m.lora_A.grad) == 0
            assert torch.count_nonzero(m.lora_B.grad) > 0


def test_adapter_file_holds_only_a_and_b_and_is_small():
    model = tiny()
    adapted = add_lora(model, rank=2)
    adapter = adapter_state_dict(adapted)
    assert len(adapter) == 2 * 2 * L  # A and B of c_attn and c_proj per block
    assert all(k.endswith(("lora_A", "lora_B")) for k in adapter)
    adapter_bytes = sum(t.numel() * t.element_size() for t in adapter.values())
    assert adapter_bytes == 4 * trainable_share(adapted)[0]
    full = {id(t): t for t in model.state_dict().values()}.values()
    full_bytes = sum(t.numel() * t.element_size() for t in full)
    assert adapter_bytes < full_bytes / 20
    # the copies do not share storage with the model
    key = next(iter(adapter))
    adapter[key].add_(1.0)
    assert not torch.equal(adapter[key], adapted.state_dict()[key])


@pytest.mark.parametrize("targets", ["attention", "all"])
def test_optimizer_memory_matches_what_adam_keeps(targets):
    adapted = add_lora(tiny(), rank=4, targets=targets)
    randomise_b(adapted)
    params = lora_parameters(adapted)
    opt = torch.optim.Adam(params, lr=1e-3)
    adapted(IDX, TARGETS)[1].backward()
    opt.step()
    state_bytes = sum(
        t.numel() * t.element_size()
        for state in opt.state.values()
        for key, t in state.items()
        if key != "step"
    )
    grad_bytes = sum(p.grad.numel() * p.grad.element_size() for p in params)
    trainable = trainable_share(adapted)[0]
    assert state_bytes == 2 * 4 * trainable
    assert state_bytes + grad_bytes == optimizer_memory(trainable)
    assert grad_bytes == optimizer_memory(trainable, optimizer="sgd")
    assert optimizer_memory(10, bytes_per_value=2) == 60


def test_update_spectrum_of_a_rank_r_update_has_r_nonzero_values():
    model = tiny()
    adapted = add_lora(model, rank=3, targets="attention")
    randomise_b(adapted)
    spectra = update_spectrum(model, adapted)
    assert set(spectra) == {
        n
        for n, p in model.named_parameters()
        if n.startswith("blocks.") and p.ndim == 2
    }
    for name, s in spectra.items():
        assert s.ndim == 1 and torch.all(s[:-1] >= s[1:])  # sorted, largest first
        nonzero = int((s > 1e-4 * max(float(s[0]), 1e-30)).sum())
        assert nonzero == (3 if ".attn." in name else 0), name
    # a full update changes every direction
    full = tiny()
    with torch.no_grad():
        for p in full.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(2)))
    s = update_spectrum(model, full)["blocks.0.mlp.c_fc.weight"]
    assert s.shape == (C,) and float(s[-1]) > 1e-3


def test_bad_arguments_are_refused():
    model = tiny()
    with pytest.raises(ValueError, match="rank"):
        add_lora(model, rank=0)
    with pytest.raises(TypeError, match="rank"):
        add_lora(model, rank=2.0)
    with pytest.raises(ValueError, match="rank"):
        add_lora(model, rank=C + 1)  # larger than min(in, out) of c_proj
    add_lora(model, rank=C)  # the largest useful rank is allowed
    with pytest.raises(ValueError, match="alpha"):
        add_lora(model, rank=2, alpha=0.0)
    with pytest.raises(ValueError, match="targets"):
        add_lora(model, rank=2, targets="mlp")
    with pytest.raises(TypeError, match="model"):
        add_lora("gpt", rank=2)
    with pytest.raises(ValueError, match="no linear layers"):
        add_lora(nn.Sequential(nn.Linear(4, 4)), rank=2)
    with pytest.raises(ValueError, match="already has LoRA"):
        add_lora(add_lora(model, rank=2), rank=2)
    with pytest.raises(ValueError, match="no LoRA adapters"):
        merge_lora(model)
    with pytest.raises(TypeError, match="base"):
        LoRALinear(nn.Conv1d(2, 2, 1), rank=1)
    with pytest.raises(ValueError, match="n_trainable"):
        optimizer_memory(-1)
    with pytest.raises(ValueError, match="optimizer"):
        optimizer_memory(10, optimizer="adamw")
    with pytest.raises(ValueError, match="before"):
        update_spectrum(nn.Linear(2, 2), nn.Linear(2, 2))
    other = GPT(GPTConfig(vocab_size=V, block_size=16, n_layer=L, n_head=4, d_model=16))
    with pytest.raises(ValueError, match="after must have"):
        update_spectrum(model, other)


def test_merged_weights_equal_a_brute_force_sum_over_the_rank():
    """Every merged weight is W[i, j] + (alpha / r) * sum_k B[i, k] A[k, j], term by term."""
    model = tiny()
    adapted = add_lora(model, rank=3, alpha=6.0, targets="all")
    randomise_b(adapted, seed=3)
    merged = merge_lora(adapted)
    for name, lora in adapted.named_modules():
        if not isinstance(lora, LoRALinear):
            continue
        w = lora.base.weight.double().tolist()
        a, b = lora.lora_A.double().tolist(), lora.lora_B.double().tolist()
        expected = [
            [
                w[i][j] + 2.0 * sum(b[i][k] * a[k][j] for k in range(3))
                for j in range(lora.in_features)
            ]
            for i in range(lora.out_features)
        ]
        got = merged.get_submodule(name).weight.double()
        torch.testing.assert_close(
            got, torch.tensor(expected, dtype=torch.float64), atol=1e-6, rtol=0
        )
    # and a whole forward pass: the merged model's logits are the adapted model's
    torch.testing.assert_close(merged(IDX)[0], adapted(IDX)[0], atol=1e-5, rtol=1e-5)
