"""Tests for text embeddings: batching does not change a vector, embed normalises."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.encoder import embed, mean_pooled
from stepbytoken.tokenizers import BPETokenizer

TOK = BPETokenizer()  # bytes: one token per character
MODEL = GPT(
    GPTConfig(vocab_size=TOK.vocab_size, block_size=32, n_layer=2, n_head=2, d_model=16)
).eval()


def test_a_batch_gives_each_text_its_own_vector():
    texts = ["Mira is a baker.", "Vera keeps a goat, a goat.", "Mira."]
    together = mean_pooled(MODEL, TOK, texts, batch_size=3)
    for i, text in enumerate(texts):
        alone = mean_pooled(MODEL, TOK, [text])
        assert torch.allclose(together[i], alone[0], atol=1e-5)
    ids = torch.tensor([TOK.encode(texts[2])])
    by_hand = MODEL.hidden_states(ids)[0].mean(1)
    assert torch.allclose(mean_pooled(MODEL, TOK, [texts[2]], layer=0), by_hand)


def test_embed_projects_then_normalises():
    pooled = torch.tensor([[1.0, 2.0, 2.0]])
    assert torch.allclose(embed(pooled), pooled / 3)
    projection = torch.tensor([[0.0, 0.0, 2.0]])
    assert torch.allclose(embed(pooled, projection), torch.tensor([[1.0]]))
    with pytest.raises(ValueError, match="3 columns"):
        embed(pooled, torch.ones(2, 2))


def test_bad_texts_are_refused():
    with pytest.raises(ValueError, match="texts"):
        mean_pooled(MODEL, TOK, [""])
    with pytest.raises(ValueError, match="layer"):
        mean_pooled(MODEL, TOK, ["Mira."], layer=2)
