"""Tests for stepbytoken.nn.norms: RMSNorm against PyTorch's, and the norm factory."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stepbytoken.nn import NORMS, RMSNorm, make_norm


def test_rmsnorm_matches_torch() -> None:
    x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(0)) * 3
    ours = RMSNorm(8)
    with torch.no_grad():
        ours.weight.copy_(torch.linspace(0.5, 2.0, 8))
    ref = torch.nn.RMSNorm(8, eps=1e-5)
    with torch.no_grad():
        ref.weight.copy_(ours.weight)
    torch.testing.assert_close(ours(x), ref(x))


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [((0,), ValueError, "d_model must be an int >= 1"), ((4, 0.0), ValueError, "eps must be"),
     ((4, "x"), TypeError, "eps must be")],
)  # fmt: skip
def test_rmsnorm_rejects_bad_arguments(
    args: tuple, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        RMSNorm(*args)


def test_make_norm_builds_each_kind() -> None:
    assert NORMS == ("layernorm", "rmsnorm")
    layer = make_norm("layernorm", 6, bias=False)
    assert isinstance(layer, nn.LayerNorm) and layer.bias is None
    assert isinstance(make_norm("layernorm", 6), nn.LayerNorm)
    assert isinstance(make_norm("rmsnorm", 6), RMSNorm)
    assert isinstance(make_norm(None, 6), nn.Identity)
    with pytest.raises(ValueError, match="norm must be one of 'layernorm', 'rmsnorm'"):
        make_norm("batchnorm", 6)
