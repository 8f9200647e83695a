"""Tests of the sparse autoencoder and its loss (chapter 20)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn.sae import SparseAutoencoder, sae_loss


def test_loss_matches_a_hand_computation():
    # two rows: errors (0, 1) and (2, 0) -> squared sums 1 and 4 -> mse 2.5;
    # |f| sums 3 and 1 -> sparsity 2; loss = 2.5 + 0.5 * 2 = 3.5
    x = torch.tensor([[1.0, 2.0], [3.0, 0.0]])
    x_hat = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    f = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
    out = sae_loss(x, x_hat, f, 0.5)
    assert out.mse.item() == pytest.approx(2.5)
    assert out.sparsity.item() == pytest.approx(2.0)
    assert out.loss.item() == pytest.approx(3.5)


def test_loss_of_the_module_is_its_formula():
    sae = SparseAutoencoder(6, 10, seed=1)
    x = torch.randn(7, 6, generator=torch.Generator().manual_seed(0))
    x_hat, f = sae(x)
    expected_f = torch.relu((x - sae.b_dec) @ sae.W_enc.T + sae.b_enc)
    torch.testing.assert_close(f, expected_f)
    torch.testing.assert_close(x_hat, f @ sae.W_dec.T + sae.b_dec)
    loss = sae_loss(x, x_hat, f, 0.1).loss
    by_hand = ((x - x_hat) ** 2).sum(1).mean() + 0.1 * f.abs().sum(1).mean()
    torch.testing.assert_close(loss, by_hand)


def test_decoder_columns_have_unit_norm_after_normalizing():
    sae = SparseAutoencoder(4, 9, seed=0)
    with torch.no_grad():
        sae.W_dec.mul_(3.0)
    sae.normalize_decoder()
    torch.testing.assert_close(sae.W_dec.norm(dim=0), torch.ones(9))


def test_training_lowers_the_loss_and_seed_is_deterministic():
    x = torch.randn(256, 8, generator=torch.Generator().manual_seed(0))
    a, b = SparseAutoencoder(8, 16, seed=3), SparseAutoencoder(8, 16, seed=3)
    torch.testing.assert_close(a.W_dec, b.W_dec)
    optimizer = torch.optim.Adam(a.parameters(), lr=1e-2)
    first = None
    for _ in range(100):
        out = sae_loss(x, *a(x), 0.01)
        first = out.loss.item() if first is None else first
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()
        a.normalize_decoder()
    assert out.loss.item() < 0.5 * first


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        SparseAutoencoder(0, 4)
    sae = SparseAutoencoder(4, 8)
    with pytest.raises(ValueError, match="width"):
        sae(torch.zeros(2, 5))
    x = torch.zeros(2, 4)
    with pytest.raises(ValueError, match="shape of x"):
        sae_loss(x, torch.zeros(3, 4), torch.zeros(2, 8), 0.1)
    with pytest.raises(ValueError, match="leading shape"):
        sae_loss(x, x, torch.zeros(3, 8), 0.1)
    with pytest.raises(ValueError, match="l1"):
        sae_loss(x, x, torch.zeros(2, 8), -1.0)
    with pytest.raises(TypeError):
        sae_loss(x.tolist(), x, torch.zeros(2, 8), 0.1)
