"""Tests of the SAE measurements, MLP hooks and token labels (chapter 20)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.evaluation.activations import (
    mlp_activations,
    replace_mlp_output,
    steer,
    steered_probability,
)
from stepbytoken.evaluation.dictionary import auroc, loss_recovered, sae_stats
from stepbytoken.evaluation.token_labels import (
    category_token_ids,
    label_tokens,
    word_categories,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.sae import SparseAutoencoder


def _model():
    config = GPTConfig(vocab_size=20, block_size=16, n_layer=2, n_head=2, d_model=8)
    return GPT(config, seed=0).eval()


def test_auroc_against_pairwise_counting():
    g = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 4, (40, 3), generator=g).float()  # many ties
    labels = torch.rand(40, generator=g) < 0.4
    got = auroc(scores, labels)
    for j in range(3):
        pos, neg = scores[labels, j], scores[~labels, j]
        wins = (pos[:, None] > neg[None]).double() + 0.5 * (pos[:, None] == neg[None])
        assert got[j].item() == pytest.approx(wins.mean().item())
    both = auroc(scores, torch.stack([labels, ~labels], 1))
    torch.testing.assert_close(both[:, 0], got)
    torch.testing.assert_close(both[:, 1], 1 - got)
    with pytest.raises(ValueError, match="True and one False"):
        auroc(scores, torch.zeros(40, dtype=torch.bool))


def test_sae_stats_by_hand():
    sae = SparseAutoencoder(2, 3)
    with torch.no_grad():
        sae.W_enc.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        sae.W_dec.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    stats = sae_stats(sae, x)  # perfect reconstruction; feature 2 never fires
    assert stats.l0 == pytest.approx(4 / 3)
    assert stats.fvu == pytest.approx(0.0)
    assert stats.dead_fraction == pytest.approx(1 / 3)


def test_hooks_capture_replace_and_steer():
    model = _model()
    idx = torch.tensor([[1, 2, 3, 4]])
    out = mlp_activations(model, idx, 1)
    hidden = mlp_activations(model, idx, 1, "hidden")
    assert out.shape == (1, 4, 8) and hidden.shape == (1, 4, 32)
    clean = model(idx)[0]
    with replace_mlp_output(model, 1, torch.zeros_like):
        zeroed = model(idx)[0]
    assert not torch.equal(clean, zeroed)
    direction = torch.randn(8, generator=torch.Generator().manual_seed(0))
    with steer(model, 1, direction, 2.0):
        steered_out = mlp_activations(model, idx, 1)
    torch.testing.assert_close(steered_out, out + 2.0 * direction)
    torch.testing.assert_close(model(idx)[0], clean)  # hooks removed
    p = steered_probability(model, 1, direction, [idx[0], idx[0, :2]], [5], [0.0])
    with torch.no_grad():
        probs = [model(t[None])[0][0, -1].softmax(-1)[5] for t in (idx[0], idx[0, :2])]
    assert p[0] == pytest.approx(float(sum(probs) / 2))


def test_loss_recovered_of_an_exact_autoencoder_is_one():
    model = _model()

    class Exact(SparseAutoencoder):
        def forward(self, x):
            return x, x

    result = loss_recovered(model, Exact(8, 8), 0, torch.tensor([[1, 2, 3, 4, 5]]))
    assert result.spliced == pytest.approx(result.clean)
    assert result.recovered == pytest.approx(1.0)


def test_token_labels_follow_the_words():
    tokenizer = load_reference().tokenizer
    text = "Vera lives in Gissam. Her dog is brown."
    ids, labels = label_tokens(tokenizer, text)
    assert ids == tokenizer.encode(text)
    words = {
        tokenizer.decode([i]).strip(): lab for i, lab in zip(ids, labels, strict=True)
    }
    assert words["brown"] == "colour" and words["dog"] == "animal"
    assert "person" in labels and "town" in labels
    table = word_categories()
    assert table["Gissam"] == "town"
    assert len(category_token_ids(tokenizer, "colour")) == 12
    with pytest.raises(ValueError, match="category"):
        category_token_ids(tokenizer, "weather")
