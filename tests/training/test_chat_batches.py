"""Tests for conversation batches: padding, the assistant-only loss, and one SFT step."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from stepbytoken.artifacts.reference import REFERENCE_DIR, TOKENIZER_FILE
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.nn.vocab_resize import grow_vocab
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.tokenizers.chat import END, ChatEncoding, chat_tokenizer, encode_chat
from stepbytoken.training.chat_batches import chat_batch
from stepbytoken.world import make_world
from stepbytoken.world.instructions import training_examples


@pytest.fixture(scope="module")
def batch():
    tok = chat_tokenizer(BPETokenizer.load(REFERENCE_DIR / TOKENIZER_FILE))
    examples = training_examples(make_world(0), 12, seed=0)
    encodings = [encode_chat(tok, ex.messages) for ex in examples]
    idx, targets = chat_batch(encodings, 128, pad_id=tok.special_id(END))
    return tok, encodings, idx, targets


def test_batch_shapes_padding_and_mask(batch):
    tok, encodings, idx, targets = batch
    longest = max(len(e.token_ids) for e in encodings) - 1
    assert idx.shape == targets.shape == (len(encodings), longest)
    for b, enc in enumerate(encodings):
        n = len(enc.token_ids) - 1
        assert idx[b, :n].tolist() == enc.token_ids[:-1]
        assert (targets[b, n:] == -1).all() and (
            idx[b, n:] == tok.special_id(END)
        ).all()
        learned = [t for t in targets[b].tolist() if t != -1]
        assert learned == [i for i, m in zip(enc.token_ids, enc.mask, strict=True) if m]


def test_one_fine_tuning_step_on_assistant_tokens(batch):
    """A tiny GPT grown to the chat vocabulary takes a step; the loss is the masked one."""
    tok, _, idx, targets = batch
    base = GPT(
        GPTConfig(vocab_size=1281, block_size=128, n_layer=1, n_head=2, d_model=32)
    )
    model = grow_vocab(base, tok.vocab_size).train()
    logits, loss = model(idx, targets)
    keep = targets != -1
    manual = F.cross_entropy(logits[keep], targets[keep])
    torch.testing.assert_close(loss, manual)
    assert 0 < keep.float().mean() < 1  # some tokens are trained on, not all
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    loss.backward()
    grad = model.wte.weight.grad
    assert grad[tok.special_id(END)].abs().sum() > 0  # the new <|end|> row learns
    optimizer.step()
    with torch.no_grad():
        assert model(idx, targets)[1] < loss


def test_argument_checks():
    enc = ChatEncoding([1, 2, 3], [False, True, True])
    with pytest.raises(ValueError, match="non-empty"):
        chat_batch([], 8, pad_id=0)
    with pytest.raises(ValueError, match="block_size"):
        chat_batch([enc], 1, pad_id=0)
    with pytest.raises(TypeError, match="ChatEncoding"):
        chat_batch([[1, 2, 3]], 8, pad_id=0)
    with pytest.raises(ValueError, match="pad_id"):
        chat_batch([enc], 8, pad_id=-1)
