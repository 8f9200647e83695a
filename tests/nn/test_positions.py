"""Tests for stepbytoken.nn.positions: sinusoidal encodings and rotary embeddings."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import RotaryEmbedding, sinusoidal_positions

ATOL = 1e-5


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


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
    with pytest.raises(error, match="must be an int >= 1"):
        sinusoidal_positions(*args)


def rotate_at(rope: RotaryEmbedding, vec: torch.Tensor, pos: int) -> torch.Tensor:
    """Rotate ``vec`` as if it sat at position ``pos`` of a sequence."""
    # (pos + 1, d_head), same vector everywhere
    seq = vec.expand(pos + 1, vec.shape[-1])
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
        ((0, 8), ValueError, "d_head must be an int >= 1"),
        ((4, 0), ValueError, "block_size must be an int >= 1"),
        ((4, 8, 1.0), ValueError, "base must be a finite number > 1"),
        ((4, 8, "x"), TypeError, "base must be a finite number > 1"),
    ],
)
def test_rope_constructor_errors(
    args: tuple, error: type[Exception], message: str
) -> None:
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


@pytest.mark.parametrize("dtype", [torch.long, torch.int32, torch.bool])
def test_rotary_refuses_integer_tensors(dtype):
    with pytest.raises(ValueError, match="x must be a tensor of floating dtype"):
        RotaryEmbedding(d_head=4, block_size=8)(torch.ones(1, 3, 4, dtype=dtype))
