"""Tests for contrastive training: InfoNCE against a hand computation, and it learns."""

from __future__ import annotations

import math

import pytest
import torch

from stepbytoken.training.contrastive import info_nce_loss, train_projection


def test_info_nce_is_the_cross_entropy_of_the_diagonal():
    g = torch.Generator().manual_seed(0)
    q = torch.nn.functional.normalize(torch.randn(5, 4, generator=g), dim=-1)
    k = torch.nn.functional.normalize(torch.randn(5, 4, generator=g), dim=-1)
    t = 0.3
    expected = 0.0
    for i in range(5):
        scores = [float(q[i] @ k[j]) / t for j in range(5)]
        expected -= scores[i] - math.log(sum(math.exp(s) for s in scores))
    assert info_nce_loss(q, k, t).item() == pytest.approx(expected / 5, rel=1e-5)


def test_pairs_sharing_a_passage_never_share_a_batch():
    # two questions per passage, identical vectors: if they met in a batch the loss could not
    # go below log 2; kept apart, it falls close to zero
    g = torch.Generator().manual_seed(1)
    keys = torch.randn(8, 6, generator=g).repeat_interleave(2, dim=0)
    result = train_projection(
        keys.clone(), keys, [i // 2 for i in range(16)], steps=60, batch_size=8, lr=0.05
    )
    assert max(result.losses[-10:]) < math.log(2) / 4


def test_the_projection_starts_at_the_identity_and_is_checked():
    q = torch.randn(10, 4)
    one_step = train_projection(q, q, steps=1, lr=1e-9, dim=3)
    assert torch.allclose(one_step.projection, torch.eye(4)[:3], atol=1e-6)
    with pytest.raises(ValueError, match="key_ids must have 10"):
        train_projection(q, q, [0, 1])
    with pytest.raises(ValueError, match="two different passages"):
        train_projection(q, q, [0] * 10)
    with pytest.raises(ValueError, match="same shape"):
        info_nce_loss(q, q[:3])
