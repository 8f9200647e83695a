"""A sparse autoencoder: activations rewritten as a few active features from a dictionary.

A ReLU sparse autoencoder as in Bricken et al. (2023), "Towards Monosemanticity": the input
``x`` (``d_in`` features, e.g. a model's MLP output) is encoded into ``d_dict`` non-negative
feature activations ``f = ReLU(W_enc (x - b_dec) + b_enc)`` and decoded back as
``x_hat = W_dec f + b_dec``. Training minimises :func:`sae_loss`, the squared
reconstruction error plus ``l1`` times the L1 norm of ``f``, with every decoder column held
at unit norm (:meth:`SparseAutoencoder.normalize_decoder`) so that the L1 penalty cannot be
dodged by shrinking ``f`` and growing ``W_dec``.

Introduced in chapter 20.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from stepbytoken.checks import check_features, check_float, check_int

__all__ = ["SAELoss", "SparseAutoencoder", "sae_loss"]


class SAELoss(NamedTuple):
    """The sparse autoencoder's loss and its two parts.

    Fields:
        loss: ``mse + l1 * sparsity``, a scalar tensor (what is minimised).
        mse: squared error summed over features, averaged over rows.
        sparsity: L1 norm of the feature activations, averaged over rows.
    """

    loss: Tensor
    mse: Tensor
    sparsity: Tensor


class SparseAutoencoder(nn.Module):
    """ReLU sparse autoencoder with unit-norm decoder columns.

    Introduced in chapter 20.

    Parameters
    ----------
    d_in : int
        Size of the activations it reads.
    d_dict : int
        Number of features (the dictionary size).
    seed : int, default 0
        Seed of the initialisation (the global random state is not used).

    Examples
    --------
    >>> sae = SparseAutoencoder(8, 32, seed=0)
    >>> x_hat, f = sae(torch.randn(5, 8))
    >>> x_hat.shape, f.shape, bool((f >= 0).all())
    (torch.Size([5, 8]), torch.Size([5, 32]), True)
    """

    def __init__(self, d_in: int, d_dict: int, seed: int = 0) -> None:
        super().__init__()
        self.d_in = check_int("d_in", d_in, minimum=1)
        self.d_dict = check_int("d_dict", d_dict, minimum=1)
        generator = torch.Generator().manual_seed(check_int("seed", seed))
        W_dec = torch.randn(d_in, d_dict, generator=generator)
        W_dec = W_dec / W_dec.norm(dim=0, keepdim=True)
        self.W_dec = nn.Parameter(W_dec)  # (d_in, d_dict): one column per feature
        self.W_enc = nn.Parameter(W_dec.T.clone())  # (d_dict, d_in)
        self.b_enc = nn.Parameter(torch.zeros(d_dict))
        self.b_dec = nn.Parameter(torch.zeros(d_in))

    def encode(self, x: Tensor) -> Tensor:
        """Feature activations ``(..., d_dict)`` of ``x`` ``(..., d_in)``."""
        check_features("x", x, self.d_in)
        return torch.relu((x - self.b_dec) @ self.W_enc.T + self.b_enc)

    def decode(self, f: Tensor) -> Tensor:
        """Reconstruction ``(..., d_in)`` from feature activations ``f`` ``(..., d_dict)``."""
        check_features("f", f, self.d_dict)
        return f @ self.W_dec.T + self.b_dec

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Return ``(x_hat, f)``: the reconstruction and the feature activations."""
        f = self.encode(x)
        return self.decode(f), f

    @torch.no_grad()
    def normalize_decoder(self) -> None:
        """Scale every decoder column (a feature's direction) to unit length, in place."""
        self.W_dec /= self.W_dec.norm(dim=0, keepdim=True).clamp_min(1e-8)


def sae_loss(x: Tensor, x_hat: Tensor, f: Tensor, l1: float) -> SAELoss:
    """The sparse autoencoder's loss: squared error plus ``l1`` times the L1 norm of ``f``.

    Both parts are sums over a row's entries, averaged over rows:
    ``mse = mean_rows(sum((x - x_hat)**2))`` and ``sparsity = mean_rows(sum(|f|))``.

    Introduced in chapter 20.

    Parameters
    ----------
    x, x_hat : Tensor
        Activations and their reconstruction, the same shape ``(..., d_in)``.
    f : Tensor
        Feature activations ``(..., d_dict)`` with the same leading shape.
    l1 : float
        Weight of the sparsity penalty, at least 0.

    Returns
    -------
    SAELoss

    Examples
    --------
    >>> x = torch.tensor([[1.0, 2.0]])
    >>> out = sae_loss(x, torch.tensor([[1.0, 1.0]]), torch.tensor([[0.5, 0.0, 2.0]]), 0.1)
    >>> [round(float(v), 2) for v in out]  # 1 + 0.1 * 2.5
    [1.25, 1.0, 2.5]
    """
    if not all(isinstance(t, Tensor) for t in (x, x_hat, f)):
        raise TypeError("x, x_hat and f must be tensors")
    if x.shape != x_hat.shape:
        raise ValueError(
            f"x_hat must have the shape of x, got {tuple(x_hat.shape)} and {tuple(x.shape)}"
        )
    if x.ndim < 1 or f.shape[:-1] != x.shape[:-1]:
        raise ValueError(
            f"f must have the leading shape of x, got {tuple(f.shape)} and {tuple(x.shape)}"
        )
    l1 = check_float("l1", l1, minimum=0.0)
    mse = (x - x_hat).pow(2).sum(-1).mean()
    sparsity = f.abs().sum(-1).mean()
    return SAELoss(mse + l1 * sparsity, mse, sparsity)
