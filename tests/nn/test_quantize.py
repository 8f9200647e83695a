"""Tests for blockwise quantisation: the NF4 table, round-trip bounds, double quantisation."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.lora import LoRALinear, add_lora, block_linears, trainable_share
from stepbytoken.nn.quantize import (
    NF4_CODEBOOK,
    QuantizedTensor,
    bits_per_parameter,
    dequantize_blockwise,
    get_codebook,
    int_codebook,
    normal_float_codebook,
    quantization_error,
    quantize_blockwise,
    quantize_model,
)

# The 16 NF4 values as bitsandbytes' get_4bit_type("nf4") ships them (the library of
# QLoRA, Dettmers et al., 2023, arXiv:2305.14314), copied here independently of
# NF4_CODEBOOK so that a typo in either shows.
PUBLISHED_NF4 = [
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
]


def normal_weights(*shape: int, seed: int = 0, std: float = 0.02) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * std


def test_nf4_table_is_the_published_one_and_the_quantiles_rebuild_it():
    assert list(NF4_CODEBOOK) == PUBLISHED_NF4
    built = normal_float_codebook(4).double()
    published = torch.tensor(PUBLISHED_NF4, dtype=torch.float64)
    # measured: largest difference 1.9e-7 (bitsandbytes rounds p_max to 0.9677083 and
    # works partly in float32; we compute in float64)
    torch.testing.assert_close(built, published, atol=1e-6, rtol=0)


def test_nf4_shape_asymmetric_with_an_exact_zero():
    nf4 = get_codebook("nf4")
    assert nf4.dtype == torch.float32 and nf4.shape == (16,)
    assert int((nf4 < 0).sum()) == 7 and int((nf4 > 0).sum()) == 8
    assert int((nf4 == 0).sum()) == 1
    assert float(nf4[0]) == -1.0 and float(nf4[-1]) == 1.0
    assert torch.all(nf4[1:] > nf4[:-1])
    # steps grow away from zero: finest where normal weights are densest
    gaps = nf4[8:].diff()
    assert torch.all(gaps[1:] > gaps[:-1])


@pytest.mark.parametrize("bits", [2, 3, 5, 8])
def test_other_normal_float_sizes(bits):
    values = normal_float_codebook(bits)
    assert values.shape == (2**bits,)
    assert int((values == 0).sum()) == 1 and float(values[-1]) == 1.0
    assert float(values[0]) == -1.0 and torch.all(values[1:] > values[:-1])


def test_int4_codebook_is_evenly_spaced_integers_over_seven():
    int4 = get_codebook("int4")
    assert torch.equal(int4, torch.arange(-7, 8).float() / 7)
    assert int_codebook(8).shape == (255,)


@pytest.mark.parametrize("codebook", ["nf4", "int4"])
@pytest.mark.parametrize("block_size", [1, 7, 64])
def test_round_trip_error_is_at_most_half_the_largest_gap(codebook, block_size):
    w = normal_weights(33, 50, seed=3)
    q = quantize_blockwise(w, codebook, block_size)
    assert isinstance(q, QuantizedTensor)
    n_blocks = -(-w.numel() // block_size)
    assert q.codes.dtype == torch.uint8 and q.codes.shape == (n_blocks, block_size)
    assert q.absmax.dtype == torch.float32 and q.absmax.shape == (n_blocks,)
    assert q.shape == (33, 50)
    back = dequantize_blockwise(q)
    assert back.shape == w.shape and back.dtype == torch.float32
    half_gap = float(q.codebook.diff().max()) / 2
    pad = n_blocks * block_size - w.numel()
    absmax = q.absmax.repeat_interleave(block_size)[: w.numel()]
    bound = half_gap * absmax.view(w.shape) * (1 + 1e-5) + 1e-12
    assert torch.all((back - w).abs() <= bound)
    # the absmax element of each block comes back exactly (+-1 is in the codebook)
    blocks = torch.cat([w.reshape(-1), w.new_zeros(pad)]).view(n_blocks, block_size)
    back_blocks = torch.cat([back.reshape(-1), back.new_zeros(pad)]).view(n_blocks, -1)
    where = blocks.abs().argmax(dim=1, keepdim=True)
    assert torch.equal(back_blocks.gather(1, where), blocks.gather(1, where))


@pytest.mark.parametrize("codebook", ["nf4", "int4"])
def test_zero_maps_to_zero_exactly(codebook):
    w = normal_weights(8, 16, seed=4)
    w[::2, ::3] = 0.0
    back = dequantize_blockwise(quantize_blockwise(w, codebook, 16))
    assert torch.all(back[::2, ::3] == 0.0)
    zeros = torch.zeros(3, 5)
    assert torch.equal(dequantize_blockwise(quantize_blockwise(zeros, codebook)), zeros)
    # a tensor whose absmax is the same in every block: double quantisation too
    ones = torch.ones(4, 64)
    assert torch.equal(
        dequantize_blockwise(quantize_blockwise(ones, double=True)), ones
    )


def test_nf4_beats_int4_on_normal_weights():
    w = normal_weights(256, 256, seed=5)
    nf4 = quantization_error(w, "nf4", 64)
    int4 = quantization_error(w, "int4", 64)
    # measured on this seed: NF4's mean squared error is 0.73 of int4's
    assert nf4 < 0.8 * int4
    assert nf4 == pytest.approx(
        float((dequantize_blockwise(quantize_blockwise(w)) - w).pow(2).mean())
    )


def test_nf4_uses_its_levels_more_evenly_than_int4_on_normal_weights():
    # The point of quantiles: each level should hold a similar share of normal weights.
    # Not exactly equal here: the absmax of 64 normal numbers is about 2.4 standard
    # deviations, while NF4's outermost level sits at 1.85 (the quantile at p_max), so the
    # scaled weights crowd the middle levels somewhat (measured: shares from 0.6 to 1.5
    # times 1/16 away from the two ends; int4's from 0.2 to 2.2 times 1/15).
    w = normal_weights(512, 512, seed=6)

    def spread(codebook: str) -> float:
        codes = quantize_blockwise(w, codebook, 64).codes.reshape(-1).long()
        counts = torch.bincount(codes).float()[1:-1]  # the ends also hold each absmax
        return float(counts.max() / counts.min())

    assert spread("nf4") < 3 < 10 < spread("int4")  # measured: 2.6 and 11


def test_bits_per_parameter_as_in_the_paper():
    assert bits_per_parameter(64) == 4.5  # 4 + 32/64
    double = bits_per_parameter(64, double=True)
    assert double == 4 + 8 / 64 + 32 / (64 * 256) == pytest.approx(4.126953125)
    assert round(double - 4, 3) == 0.127  # QLoRA §3: 0.5 -> 0.127 bits per parameter
    assert round(bits_per_parameter(64) - double, 3) == 0.373
    assert bits_per_parameter(128, bits=3) == 3.25


def test_double_quantisation_keeps_absmax_close_and_stores_8_bit_codes():
    w = normal_weights(300, 64, seed=7)  # 300 blocks: two second-level blocks of 256
    single = quantize_blockwise(w, "nf4", 64)
    double = quantize_blockwise(w, "nf4", 64, double=True)
    assert torch.equal(single.codes, double.codes)
    inner = double.absmax
    assert isinstance(inner, QuantizedTensor)
    assert inner.codes.dtype == torch.uint8 and inner.codes.shape == (2, 256)
    assert inner.codebook.shape == (255,)
    assert inner.offset == pytest.approx(float(single.absmax.mean()), rel=1e-6)
    absmax = single.absmax
    approx = dequantize_blockwise(inner)
    centred = absmax - inner.offset
    # half an 8-bit step (1/127) of each second-level block's largest |absmax - mean|
    scale = torch.cat([centred, centred.new_zeros(512 - 300)]).view(2, 256)
    scale = scale.abs().amax(dim=1).repeat_interleave(256)[:300]
    assert torch.all((approx - absmax).abs() <= scale / 254 * (1 + 1e-4) + 1e-9)
    # so the weights come back nearly as well as with float32 constants
    err_single = quantization_error(w, "nf4")
    err_double = quantization_error(w, "nf4", double=True)
    assert err_double == pytest.approx(err_single, rel=0.02)


def test_a_custom_codebook_and_odd_shapes():
    codebook = torch.tensor([-1.0, -0.25, 0.0, 0.5, 1.0])
    w = torch.tensor(3.0)
    q = quantize_blockwise(w, codebook, block_size=4)
    assert dequantize_blockwise(q).shape == () and float(dequantize_blockwise(q)) == 3.0
    w = torch.arange(-5, 6).float().view(1, 11)  # integers divided by absmax 5
    back = dequantize_blockwise(quantize_blockwise(w, codebook, block_size=11))
    assert back.tolist()[0][:3] == [-5.0, -5.0, -1.25]
    ints = torch.tensor([[1, 2, 3]])  # integer tensors are read as numbers
    assert (
        dequantize_blockwise(quantize_blockwise(ints, "int4", 3)).dtype == torch.float32
    )


def tiny() -> GPT:
    config = GPTConfig(vocab_size=40, block_size=16, n_layer=2, n_head=4, d_model=32)
    return GPT(config, seed=2).eval()


def test_quantize_model_changes_block_weights_only():
    model = tiny()
    quantized = quantize_model(model, "nf4", 64)
    assert type(quantized) is GPT
    assert quantized.state_dict().keys() == model.state_dict().keys()
    weights = {f"{name}.weight" for name in block_linears(model, "all")}
    new = quantized.state_dict()
    for name, old in model.state_dict().items():
        if name in weights:
            assert not torch.equal(new[name], old), name
            assert new[name].dtype == old.dtype
            expected = dequantize_blockwise(quantize_blockwise(old, "nf4", 64))
            assert torch.equal(new[name], expected), name
        else:  # embeddings, positions, norms, biases, the tied head
            assert torch.equal(new[name], old), name
    assert len(weights) == 2 * 4
    # the original is untouched and the quantised model still works
    assert not torch.equal(
        quantized.blocks[0].attn.c_attn.weight, model.blocks[0].attn.c_attn.weight
    )
    idx = torch.tensor([[1, 2, 3, 4]])
    logits, _ = quantized(idx)
    assert torch.isfinite(logits).all()
    torch.testing.assert_close(logits, model(idx)[0], atol=0.05, rtol=0)


def test_qlora_is_lora_on_a_quantised_model():
    quantized = quantize_model(tiny(), "nf4", 64, double=True)
    adapted = add_lora(quantized, rank=4, targets="all")
    idx = torch.tensor([[1, 2, 3, 4]])
    assert torch.equal(adapted(idx)[0], quantized(idx)[0])
    trainable, _ = trainable_share(adapted)
    assert trainable == 2 * 4 * ((32 + 96) + (32 + 32) + (32 + 128) + (128 + 32))
    lora = adapted.blocks[0].attn.c_attn
    assert isinstance(lora, LoRALinear)
    assert torch.equal(lora.base.weight, quantized.blocks[0].attn.c_attn.weight)


def test_bad_inputs_are_refused():
    w = normal_weights(4, 4)
    with pytest.raises(TypeError, match="w"):
        quantize_blockwise([[1.0]])
    with pytest.raises(ValueError, match="finite"):
        quantize_blockwise(torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="finite"):
        quantize_blockwise(torch.tensor([1.0, float("-inf")]))
    with pytest.raises(ValueError, match="at least one"):
        quantize_blockwise(torch.zeros(0))
    with pytest.raises(ValueError, match="real numbers"):
        quantize_blockwise(torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="codebook"):
        quantize_blockwise(w, "fp4")
    with pytest.raises(ValueError, match="increasing"):
        quantize_blockwise(w, torch.tensor([0.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        quantize_blockwise(w, torch.tensor([-2.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="2 to 256"):
        quantize_blockwise(w, torch.linspace(-1, 1, 300))
    with pytest.raises(ValueError, match="1-D floating"):
        quantize_blockwise(w, torch.tensor([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="block_size"):
        quantize_blockwise(w, block_size=0)
    with pytest.raises(TypeError, match="double"):
        quantize_blockwise(w, double="yes")
    with pytest.raises(TypeError, match="q"):
        dequantize_blockwise((w,))
    with pytest.raises(ValueError, match="bits"):
        normal_float_codebook(1)
    with pytest.raises(ValueError, match="block_size"):
        bits_per_parameter(0)
    with pytest.raises(TypeError, match="model"):
        quantize_model("gpt")
    with pytest.raises(ValueError, match="no linear layers"):
        quantize_model(nn.Sequential(nn.Linear(4, 4)))
