"""Tests for stepbytoken.training.batches: random windows and their targets."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.training import get_batch


def periodic(n: int, period: int = 8) -> torch.Tensor:
    return torch.arange(n) % period


def test_get_batch_windows_and_targets():
    data = torch.randint(0, 50, (40,), generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(1)
    starts_seen = set()
    for _ in range(60):
        x, y = get_batch(data, 5, 6, generator)
        assert x.shape == y.shape == (5, 6) and x.dtype == y.dtype == torch.int64
        for row_x, row_y in zip(x, y, strict=True):
            starts = [
                s for s in range(len(data) - 6) if torch.equal(data[s : s + 6], row_x)
            ]
            assert any(torch.equal(data[s + 1 : s + 7], row_y) for s in starts)
            starts_seen.update(starts)
    # every window, including the last, occurs
    assert starts_seen == set(range(len(data) - 6))


def test_get_batch_is_deterministic_and_checks_arguments():
    data = periodic(30)
    a = get_batch(data, 3, 4, torch.Generator().manual_seed(5))
    b = get_batch(data, 3, 4, torch.Generator().manual_seed(5))
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="more than block_size"):
        get_batch(periodic(4), 1, 4, torch.Generator())
    with pytest.raises(ValueError, match="data must be a tensor of integer dtype"):
        get_batch(torch.zeros(20), 1, 4, torch.Generator())
    with pytest.raises(TypeError, match="generator"):
        get_batch(data, 1, 4, 0)
