"""Tests for stepbytoken.nn.attention, checked against PyTorch's own attention where possible."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import (
    MultiHeadAttention,
    RotaryEmbedding,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_positions,
)

ATOL = 1e-5


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Run single-threaded: tiny tensors gain nothing from threads, and on a shared machine a
    busy thread pool makes each small op take milliseconds instead of microseconds."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# --- causal_mask --------------------------------------------------------------------------------


@pytest.mark.parametrize("T", [1, 2, 5, 17])
def test_causal_mask_is_lower_triangular(T: int) -> None:
    mask = causal_mask(T)
    assert mask.shape == (T, T) and mask.dtype == torch.bool
    for i in range(T):
        for j in range(T):
            assert bool(mask[i, j]) == (j <= i)


@pytest.mark.parametrize("T, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError)])
def test_causal_mask_rejects_bad_length(T: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="T must be a positive int"):
        causal_mask(T)  # type: ignore[arg-type]


# --- scaled_dot_product_attention ---------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    T=st.integers(1, 9),
    d=st.integers(1, 12),
    d_v=st.integers(1, 7),
    causal=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_sdpa_matches_torch(
    batch: list[int], T: int, d: int, d_v: int, causal: bool, seed: int
) -> None:
    q = randn(*batch, T, d, seed=seed)
    k = randn(*batch, T, d, seed=seed + 1)
    v = randn(*batch, T, d_v, seed=seed + 2)
    out, weights = scaled_dot_product_attention(q, k, v, causal=causal)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=1e-5)
    assert weights.shape == (*batch, T, T)
    torch.testing.assert_close(weights.sum(-1), torch.ones(*batch, T), atol=ATOL, rtol=0)
    if causal:
        above = ~causal_mask(T)
        assert torch.all(weights[..., above] == 0)


def test_sdpa_cross_attention_with_mask_and_scale_matches_torch() -> None:
    # (B, n_head, T_q, d) against T_k = 6 keys, with a boolean mask broadcast over batch and heads
    q, k, v = randn(2, 3, 4, 8, seed=1), randn(2, 3, 6, 8, seed=2), randn(2, 3, 6, 5, seed=3)
    mask = randn(4, 6, seed=4) > -0.5
    mask[:, 0] = True  # keep every row with at least one allowed key
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask, scale=0.3)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=1e-5)
    assert torch.all(weights[..., ~mask] == 0)


def test_sdpa_float_mask_is_added_to_scores() -> None:
    q, k, v = randn(3, 4, seed=1), randn(3, 4, seed=2), randn(3, 2, seed=3)
    bias = randn(3, 3, seed=4)
    out, _ = scaled_dot_product_attention(q, k, v, mask=bias)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=1e-5)


def test_sdpa_causal_and_mask_combine() -> None:
    q = k = v = randn(5, 4, seed=7)
    keep_first = torch.zeros(5, 5, dtype=torch.bool)
    keep_first[:, 0] = True
    _, weights = scaled_dot_product_attention(q, k, v, mask=keep_first, causal=True)
    torch.testing.assert_close(weights[:, 0], torch.ones(5))


def test_sdpa_default_scale_is_inverse_sqrt_d() -> None:
    q, k, v = randn(4, 9, seed=1), randn(4, 9, seed=2), randn(4, 3, seed=3)
    a, _ = scaled_dot_product_attention(q, k, v)
    b, _ = scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(9))
    c, _ = scaled_dot_product_attention(q, k, v, scale=1.0)
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(q=randn(3, 4), k=randn(3, 5), v=randn(3, 4)), ValueError, "same last dimension"),
        (dict(q=randn(3, 4), k=randn(3, 4), v=randn(2, 4)), ValueError, "same number of positions"),
        (dict(q=randn(2, 3, 4), k=randn(3, 3, 4), v=randn(3, 3, 4)), ValueError, "broadcastable"),
        (dict(q=randn(4), k=randn(4), v=randn(4)), ValueError, "at least 2 dims"),
        (dict(q=[[1.0]], k=randn(1, 1), v=randn(1, 1)), TypeError, "q must be a torch.Tensor"),
        (
            dict(q=torch.ones(2, 2, dtype=torch.long), k=randn(2, 2), v=randn(2, 2)),
            TypeError,
            "floating-point",
        ),
        (
            dict(q=randn(2, 4), k=randn(3, 4), v=randn(3, 4), causal=True),
            ValueError,
            "causal=True needs as many queries as keys",
        ),
        (
            dict(q=randn(3, 4), k=randn(3, 4), v=randn(3, 4), mask=torch.ones(4, 4).bool()),
            ValueError,
            "does not broadcast",
        ),
        (
            dict(q=randn(3, 4), k=randn(3, 4), v=randn(3, 4), mask=torch.ones(3, 3).long()),
            TypeError,
            "bool or floating-point",
        ),
        (
            dict(q=randn(3, 4), k=randn(3, 4), v=randn(3, 4), scale="big"),
            TypeError,
            "scale must be a real number",
        ),
    ],
)
def test_sdpa_errors(kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        scaled_dot_product_attention(**kwargs)


# --- positions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("T, d_model", [(1, 1), (7, 6), (10, 5), (33, 16)])
def test_sinusoidal_positions_follow_the_formula(T: int, d_model: int) -> None:
    pe = sinusoidal_positions(T, d_model)
    assert pe.shape == (T, d_model) and pe.dtype == torch.float32
    for pos in range(T):
        for j in range(d_model):
            angle = pos / 10000 ** ((j - j % 2) / d_model)
            want = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert abs(pe[pos, j].item() - want) < 1e-6


def test_sinusoidal_positions_are_distinct() -> None:
    pe = sinusoidal_positions(64, 16)
    distances = torch.cdist(pe, pe) + torch.eye(64)
    assert distances.min() > 0.1


@pytest.mark.parametrize(
    "args, error", [((0, 4), ValueError), ((4, 0), ValueError), ((4, 2.5), TypeError)]
)
def test_sinusoidal_positions_errors(args: tuple, error: type[Exception]) -> None:
    with pytest.raises(error, match="must be a positive int"):
        sinusoidal_positions(*args)


def rotate_at(rope: RotaryEmbedding, vec: torch.Tensor, pos: int) -> torch.Tensor:
    """Rotate ``vec`` as if it sat at position ``pos`` of a sequence."""
    seq = vec.expand(pos + 1, vec.shape[-1])  # (pos + 1, d_head), same vector everywhere
    return rope(seq)[pos]


@settings(max_examples=60, deadline=None)
@given(
    d_half=st.integers(1, 8),
    m=st.integers(0, 40),
    n=st.integers(0, 40),
    shift=st.integers(0, 20),
    seed=st.integers(0, 2**16),
)
def test_rope_scores_depend_only_on_relative_position(
    d_half: int, m: int, n: int, shift: int, seed: int
) -> None:
    rope = RotaryEmbedding(2 * d_half, block_size=64)
    q, k = randn(2 * d_half, seed=seed), randn(2 * d_half, seed=seed + 1)
    score = rotate_at(rope, q, m) @ rotate_at(rope, k, n)
    shifted = rotate_at(rope, q, m + shift) @ rotate_at(rope, k, n + shift)
    assert abs(score.item() - shifted.item()) < 1e-4


def test_rope_keeps_norms_and_moves_position_zero_nowhere() -> None:
    rope = RotaryEmbedding(8, block_size=16)
    x = randn(2, 3, 16, 8, seed=5)
    y = rope(x)
    torch.testing.assert_close(y.norm(dim=-1), x.norm(dim=-1))
    torch.testing.assert_close(y[..., 0, :], x[..., 0, :])
    assert not torch.allclose(y[..., 1:, :], x[..., 1:, :])


def test_rope_matches_complex_rotation() -> None:
    # Reference: treat feature pairs (i, i + d/2) as complex numbers and multiply by e^{i*pos*w}.
    d_head, T = 6, 5
    rope = RotaryEmbedding(d_head, block_size=T, base=100.0)
    x = randn(T, d_head, seed=3)
    w = 100.0 ** (-2 * torch.arange(d_head // 2, dtype=torch.float64) / d_head)
    z = torch.complex(x[:, : d_head // 2].double(), x[:, d_head // 2 :].double())
    z = z * torch.polar(
        torch.ones(T, d_head // 2, dtype=torch.float64), torch.arange(T)[:, None] * w
    )
    expected = torch.cat((z.real, z.imag), dim=-1).float()
    torch.testing.assert_close(rope(x), expected, atol=1e-5, rtol=1e-5)


def test_rope_offset_continues_positions() -> None:
    rope = RotaryEmbedding(4, block_size=10)
    x = randn(10, 4, seed=2)
    torch.testing.assert_close(rope(x[6:], offset=6), rope(x)[6:])


def test_rope_state_dict_is_empty() -> None:
    assert RotaryEmbedding(4, block_size=10).state_dict() == {}


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((5, 8), ValueError, "d_head must be even"),
        ((0, 8), ValueError, "d_head must be a positive int"),
        ((4, 0), ValueError, "block_size must be a positive int"),
        ((4, 8, 1.0), ValueError, "base must be greater than 1"),
        ((4, 8, "x"), TypeError, "base must be a real number"),
    ],
)
def test_rope_constructor_errors(args: tuple, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        RotaryEmbedding(*args)


def test_rope_forward_errors() -> None:
    rope = RotaryEmbedding(4, block_size=8)
    with pytest.raises(ValueError, match="d_head=4"):
        rope(torch.zeros(3, 6))
    with pytest.raises(ValueError, match="pass block_size=8"):
        rope(torch.zeros(9, 4))
    with pytest.raises(ValueError, match="pass block_size=8"):
        rope(torch.zeros(4, 4), offset=5)


# --- MultiHeadAttention -------------------------------------------------------------------------


def torch_mha_like(attn: MultiHeadAttention, bias: bool) -> torch.nn.MultiheadAttention:
    """A torch.nn.MultiheadAttention holding the same weights as ``attn``."""
    ref = torch.nn.MultiheadAttention(attn.d_model, attn.n_head, bias=bias, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(attn.c_attn.weight)
        ref.out_proj.weight.copy_(attn.c_proj.weight)
        if bias:
            ref.in_proj_bias.copy_(attn.c_attn.bias)
            ref.out_proj.bias.copy_(attn.c_proj.bias)
    return ref


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("d_model, n_head, B, T", [(8, 1, 1, 1), (12, 3, 2, 7), (16, 4, 3, 5)])
def test_mha_matches_torch_multihead_attention(
    d_model: int, n_head: int, B: int, T: int, bias: bool
) -> None:
    attn = MultiHeadAttention(d_model, n_head, bias=bias)
    with torch.no_grad():
        for i, p in enumerate(attn.parameters()):
            p.copy_(randn(*p.shape, seed=100 + i) * 0.3)
    ref = torch_mha_like(attn, bias)
    x = randn(B, T, d_model, seed=1)

    expected, expected_weights = ref(
        x, x, x, attn_mask=~causal_mask(T), need_weights=True, average_attn_weights=False
    )
    fast = attn(x)
    slow, weights = attn(x, return_weights=True)
    torch.testing.assert_close(fast, expected, atol=ATOL, rtol=1e-5)
    torch.testing.assert_close(slow, expected, atol=ATOL, rtol=1e-5)
    torch.testing.assert_close(weights, expected_weights, atol=ATOL, rtol=1e-5)
    assert weights.shape == (B, n_head, T, T)


def test_mha_fast_and_explicit_paths_agree_with_rope() -> None:
    rope = RotaryEmbedding(4, block_size=16)
    attn = MultiHeadAttention(8, 2, rope=rope)
    x = randn(2, 10, 8, seed=3)
    slow, weights = attn(x, return_weights=True)
    torch.testing.assert_close(attn(x), slow, atol=ATOL, rtol=1e-5)
    assert torch.all(weights[..., ~causal_mask(10)] == 0)
    # rope changes the result compared with the same weights without it
    plain = MultiHeadAttention(8, 2)
    plain.load_state_dict(attn.state_dict())
    assert not torch.allclose(plain(x), slow)


def test_mha_is_causal() -> None:
    attn = MultiHeadAttention(8, 2)
    x = randn(1, 6, 8, seed=4)
    y = attn(x)
    x2 = x.clone()
    x2[:, 4:] = randn(1, 2, 8, seed=9)
    torch.testing.assert_close(attn(x2)[:, :4], y[:, :4])


def test_mha_gradients_reach_every_parameter() -> None:
    attn = MultiHeadAttention(8, 2)
    attn(randn(2, 5, 8)).pow(2).sum().backward()
    for name, p in attn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((10, 3), {}, ValueError, "divisible by n_head"),
        ((0, 1), {}, ValueError, "d_model must be a positive int"),
        ((8, 2), {"bias": 1}, TypeError, "bias must be a bool"),
        ((8, 2), {"rope": RotaryEmbedding(8, 4)}, ValueError, "rope.d_head must equal"),
        ((8, 2), {"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
    ],
)
def test_mha_constructor_errors(
    args: tuple, kwargs: dict, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        MultiHeadAttention(*args, **kwargs)


def test_mha_forward_rejects_wrong_width() -> None:
    with pytest.raises(ValueError, match=r"\(B, T, d_model=8\)"):
        MultiHeadAttention(8, 2)(torch.zeros(2, 3, 6))
