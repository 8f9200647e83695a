"""Tests of skip-gram pairs and the SGNS loss (stepbytoken.nn.word2vec), against autograd."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.nn import sgns_grads, sgns_loss, skipgram_pairs


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 8), st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**31 - 1)
)
def test_hand_gradients_match_autograd(batch, negatives, dim, seed):
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(batch, dim, generator=g, dtype=torch.float64, requires_grad=True)
    u_pos = torch.randn(
        batch, dim, generator=g, dtype=torch.float64, requires_grad=True
    )
    u_neg = torch.randn(batch, negatives, dim, generator=g, dtype=torch.float64,
                        requires_grad=True)  # fmt: skip
    loss = sgns_loss(v, u_pos, u_neg)
    loss.backward()
    hand_loss, grad_v, grad_pos, grad_neg = sgns_grads(
        v.detach(), u_pos.detach(), u_neg.detach()
    )
    torch.testing.assert_close(hand_loss, loss.detach())
    torch.testing.assert_close(grad_v, v.grad)
    torch.testing.assert_close(grad_pos, u_pos.grad)
    torch.testing.assert_close(grad_neg, u_neg.grad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=30), st.integers(1, 5))
def test_skipgram_pairs_full_window_matches_brute_force(ids, window):
    centers, contexts = skipgram_pairs(torch.tensor(ids, dtype=torch.long), window)
    got = sorted(zip(centers.tolist(), contexts.tolist(), strict=True))
    expected = sorted(
        (ids[i], ids[j]) for i in range(len(ids)) for j in range(len(ids))
        if i != j and abs(i - j) <= window
    )  # fmt: skip
    assert got == expected


def test_skipgram_pairs_random_window_stays_inside():
    idx = torch.arange(200)
    centers, contexts = skipgram_pairs(idx, 4, torch.Generator().manual_seed(0))
    distance = (centers - contexts).abs()
    assert distance.min() >= 1 and distance.max() <= 4
    assert 200 * 2 < centers.numel() < 200 * 8  # shrunk windows: about 5 pairs per word
    with pytest.raises(ValueError, match="window must be an int >= 1"):
        skipgram_pairs(idx, 0)
    with pytest.raises(ValueError, match="idx must have 1 dimensions"):
        skipgram_pairs(idx.view(20, 10), 2)
    with pytest.raises(ValueError, match="idx must be a tensor of integer dtype"):
        skipgram_pairs(idx.float(), 2)
