"""Normalisation layers: keep the residual stream at a steady size.

Introduced in chapter 5.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from stepbytoken.checks import (
    check_bool,
    check_choice,
    check_features,
    check_float,
    check_int,
)

__all__ = ["NORMS", "RMSNorm", "make_norm"]

#: The normalisations a :class:`~stepbytoken.nn.gpt.GPTConfig` can ask for.
NORMS = ("layernorm", "rmsnorm")


class RMSNorm(nn.Module):
    """Root-mean-square normalisation: ``y = x / sqrt(mean(x**2) + eps) * weight``.

    Unlike LayerNorm it neither subtracts the mean nor has a bias; Llama-style models use it.

    Introduced in chapter 5.

    Parameters
    ----------
    d_model : int
        Size of the last dimension.
    eps : float, default 1e-5
        Keeps the division safe for an all-zero vector (> 0).

    Raises
    ------
    TypeError, ValueError
        If ``d_model`` is not an int >= 1 or ``eps`` is not a number > 0.

    Examples
    --------
    >>> norm = RMSNorm(2)
    >>> norm(torch.tensor([[3.0, 4.0]]))  # RMS of (3, 4) is sqrt(12.5)
    tensor([[0.8485, 1.1314]], grad_fn=<MulBackward0>)
    """

    def __init__(self, d_model: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.d_model = check_int("d_model", d_model, minimum=1)
        self.eps = check_float("eps", eps, minimum=0, open_minimum=True)
        self.weight = nn.Parameter(torch.ones(d_model))

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` of shape ``(..., d_model)``; the shape is unchanged."""
        check_features("x", x, self.d_model)
        # (..., 1)
        rms_inv = torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps)
        return x * rms_inv * self.weight


def make_norm(norm: str | None, d_model: int, *, bias: bool = True) -> nn.Module:
    """Return the norm layer named ``norm`` (one of :data:`NORMS`), or an identity for None.

    ``bias`` applies to LayerNorm only (RMSNorm never has one).

    Introduced in chapter 5.

    Examples
    --------
    >>> make_norm("rmsnorm", 4), make_norm(None, 4)
    (RMSNorm(), Identity())
    """
    d_model = check_int("d_model", d_model, minimum=1)
    bias = check_bool("bias", bias)
    if norm is None:
        return nn.Identity()
    if check_choice("norm", norm, NORMS) == "rmsnorm":
        return RMSNorm(d_model)
    return nn.LayerNorm(d_model, bias=bias)
