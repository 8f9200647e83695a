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
)

ATOL = 1e-5


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


@pytest.mark.parametrize(
    "T, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError)]
)
def test_causal_mask_rejects_bad_length(T: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="T must be an int >= 1"):
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
    torch.testing.assert_close(
        weights.sum(-1), torch.ones(*batch, T), atol=ATOL, rtol=0
    )
    if causal:
        above = ~causal_mask(T)
        assert torch.all(weights[..., above] == 0)


def test_sdpa_cross_attention_with_mask_and_scale_matches_torch() -> None:
    # (B, n_head, T_q, d) against T_k = 6 keys, with a boolean mask broadcast over batch and heads
    q, k, v = (
        randn(2, 3, 4, 8, seed=1),
        randn(2, 3, 6, 8, seed=2),
        randn(2, 3, 6, 5, seed=3),
    )
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
        (
            dict(q=randn(3, 4), k=randn(3, 5), v=randn(3, 4)),
            ValueError,
            "same last dimension",
        ),
        (
            dict(q=randn(3, 4), k=randn(3, 4), v=randn(2, 4)),
            ValueError,
            "same number of positions",
        ),
        (
            dict(q=randn(2, 3, 4), k=randn(3, 3, 4), v=randn(3, 3, 4)),
            ValueError,
            "broadcastable",
        ),
        (dict(q=randn(4), k=randn(4), v=randn(4)), ValueError, "at least 2 dims"),
        (
            dict(q=[[1.0]], k=randn(1, 1), v=randn(1, 1)),
            TypeError,
            "q must be a torch.Tensor",
        ),
        (
            dict(q=torch.ones(2, 2, dtype=torch.long), k=randn(2, 2), v=randn(2, 2)),
            ValueError,
            "q must be a tensor of floating dtype",
        ),
        (
            dict(q=randn(2, 4), k=randn(3, 4), v=randn(3, 4), causal=True),
            ValueError,
            "causal=True needs as many queries as keys",
        ),
        (
            dict(
                q=randn(3, 4),
                k=randn(3, 4),
                v=randn(3, 4),
                mask=torch.ones(4, 4).bool(),
            ),
            ValueError,
            "does not broadcast",
        ),
        (
            dict(
                q=randn(3, 4),
                k=randn(3, 4),
                v=randn(3, 4),
                mask=torch.ones(3, 3).long(),
            ),
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


# --- MultiHeadAttention -------------------------------------------------------------------------


def torch_mha_like(attn: MultiHeadAttention, bias: bool) -> torch.nn.MultiheadAttention:
    """A torch.nn.MultiheadAttention holding the same weights as ``attn``."""
    ref = torch.nn.MultiheadAttention(
        attn.d_model, attn.n_head, bias=bias, batch_first=True
    )
    with torch.no_grad():
        ref.in_proj_weight.copy_(attn.c_attn.weight)
        ref.out_proj.weight.copy_(attn.c_proj.weight)
        if bias:
            ref.in_proj_bias.copy_(attn.c_attn.bias)
            ref.out_proj.bias.copy_(attn.c_proj.bias)
    return ref


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(
    "d_model, n_head, B, T", [(8, 1, 1, 1), (12, 3, 2, 7), (16, 4, 3, 5)]
)
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
        x,
        x,
        x,
        attn_mask=~causal_mask(T),
        need_weights=True,
        average_attn_weights=False,
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
        ((0, 1), {}, ValueError, "d_model must be an int >= 1"),
        ((8, 2), {"bias": 1}, TypeError, "bias must be a bool"),
        ((8, 2), {"rope": RotaryEmbedding(8, 4)}, ValueError, "rope.d_head must equal"),
        (
            (8, 2),
            {"dropout": 1.0},
            ValueError,
            r"dropout must be a finite number in \[0, 1\)",
        ),
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


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_scale_is_refused(scale):
    q = torch.ones(2, 4)
    with pytest.raises(ValueError, match="scale must be a finite number"):
        scaled_dot_product_attention(q, q, q, scale=scale)


@pytest.mark.parametrize(
    "mask",
    [torch.tensor([[True, False], [False, False]]), torch.full((2, 2), float("-inf"))],
)
def test_a_mask_that_leaves_a_query_nothing_is_refused(mask):
    q = torch.ones(2, 4)
    with pytest.raises(ValueError, match="at least one key"):
        scaled_dot_product_attention(q, q, q, mask=mask)
