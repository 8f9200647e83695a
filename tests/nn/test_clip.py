"""Tests for CLIP: similarity matrix, symmetric loss, zero-shot labels that beat chance."""

from __future__ import annotations

import math

import pytest
import torch

from stepbytoken.nn.clip import (
    CLIP,
    CLIPConfig,
    ImageEncoder,
    TextEncoder,
    tokenize_captions,
    zero_shot_classify,
)
from stepbytoken.text.words import split_words
from stepbytoken.tokenizers.vocab import WordVocab
from stepbytoken.training.contrastive import clip_loss
from stepbytoken.world.images import COLOURS, combination_split, make_dataset

GEN = torch.Generator().manual_seed(0)
VOCAB = WordVocab(["a", "red", "blue", "circle", "square", "at", "the", "top"])


def test_tokenize_captions_pads_and_counts():
    idx, lengths = tokenize_captions(["a red circle", "the square", "blue"], VOCAB)
    assert idx.tolist() == [[0, 1, 3], [6, 4, 0], [2, 0, 0]]
    assert lengths.tolist() == [3, 2, 1]
    with pytest.raises(ValueError, match="no word"):
        tokenize_captions(["green"], VOCAB)
    with pytest.raises(ValueError, match="block_size"):
        tokenize_captions(["a red circle"], VOCAB, block_size=2)


def test_similarity_matrix_shape_and_range():
    model = CLIP(CLIPConfig(vocab_size=len(VOCAB)), seed=0).eval()
    images = torch.rand(4, 3, 16, 16, generator=GEN)
    idx, lengths = tokenize_captions(["a red circle", "blue", "the top"], VOCAB)
    sims = model.similarity(images, idx, lengths)
    assert sims.shape == (4, 3)
    scale = model.scale.item()
    assert math.isclose(scale, 1 / 0.07, rel_tol=1e-5)
    assert bool((sims.abs() <= scale + 1e-4).all())
    cosines = model.encode_images(images) @ model.encode_texts(idx, lengths).T
    assert torch.allclose(sims, scale * cosines, atol=1e-5)
    assert torch.allclose(model(images, idx, lengths), sims)


def test_scale_is_clipped_at_100():
    model = CLIP(CLIPConfig(vocab_size=len(VOCAB)), seed=0)
    with torch.no_grad():
        model.logit_scale.fill_(10.0)
    assert math.isclose(model.scale.item(), 100.0, rel_tol=1e-5)


def test_padding_does_not_change_a_text_vector():
    encoder = TextEncoder(CLIPConfig(vocab_size=len(VOCAB)), seed=0).eval()
    idx, lengths = tokenize_captions(["a red circle at the top", "blue square"], VOCAB)
    together = encoder(idx, lengths)
    alone = encoder(idx[1:, :2])
    assert torch.allclose(together[1], alone[0], atol=1e-5)
    garbage = idx.clone()
    garbage[1, 2:] = 7  # what sits in the padding does not matter
    assert torch.allclose(encoder(garbage, lengths), together, atol=1e-5)


def test_image_encoder_returns_attention():
    encoder = ImageEncoder(CLIPConfig(vocab_size=5, d_embed=12), seed=0)
    vectors, maps = encoder(
        torch.rand(2, 3, 16, 16, generator=GEN), return_attention=True
    )
    assert vectors.shape == (2, 12) and maps[0].shape == (2, 2, 17, 17)


def test_clip_loss_is_symmetric_cross_entropy():
    logits = torch.randn(5, 5, generator=GEN)
    labels = torch.arange(5)
    rows = torch.nn.functional.cross_entropy(logits, labels)
    cols = torch.nn.functional.cross_entropy(logits.T, labels)
    assert torch.allclose(clip_loss(logits), (rows + cols) / 2)
    assert torch.allclose(clip_loss(logits), clip_loss(logits.T))
    with pytest.raises(ValueError, match="square"):
        clip_loss(torch.zeros(2, 3))


def _vocab(captions):
    return WordVocab.from_words(
        [w for c in captions for w in split_words(c)], specials=()
    )


def test_loss_decreases_on_a_tiny_batch():
    data = make_dataset(16, seed=0)
    vocab = _vocab(data.captions)
    idx, lengths = tokenize_captions(data.captions, vocab)
    model = CLIP(CLIPConfig(vocab_size=len(vocab), n_layer=1), seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(25):
        loss = clip_loss(model(data.images, idx, lengths))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_zero_shot_colour_beats_chance_on_heldout_combinations():
    # trained on captions of shape-colour pairs that exclude the held-out ones (a few seconds)
    split = combination_split(seed=0)
    train = make_dataset(list(split.train), seed=0, noise=0.03, jitter=1.0)
    heldout = make_dataset(list(split.heldout), seed=1, noise=0.03, jitter=1.0)
    vocab = _vocab(train.captions)
    idx, lengths = tokenize_captions(train.captions, vocab)
    model = CLIP(CLIPConfig(vocab_size=len(vocab), n_layer=1), seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    generator = torch.Generator().manual_seed(0)
    for _ in range(150):
        rows = torch.randperm(len(idx), generator=generator)[:64]
        loss = clip_loss(model(train.images[rows], idx[rows], lengths[rows]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    prompts = [[f"a {c}", f"a small {c}", f"a large {c}"] for c in COLOURS]
    ids, lens = tokenize_captions([p for ps in prompts for p in ps], vocab)
    predicted = zero_shot_classify(
        model, heldout.images, ids.view(len(COLOURS), 3, -1), lens.view(len(COLOURS), 3)
    )
    accuracy = (predicted == heldout.attribute("colour")).float().mean().item()
    assert accuracy > 3 / len(COLOURS)  # chance is 1 / 6
    one_template = zero_shot_classify(model, heldout.images, ids[::3], lens[::3])
    assert one_template.shape == (len(heldout.images),)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: CLIPConfig(vocab_size=0), ValueError),
        (lambda: CLIPConfig(vocab_size=5, image_size=10), ValueError),
        (lambda: CLIP("config"), TypeError),
        (lambda: tokenize_captions("a red circle", VOCAB), TypeError),
        (lambda: tokenize_captions([], VOCAB), ValueError),
        (lambda: tokenize_captions(["a"], {"a": 0}), TypeError),
        (
            lambda: TextEncoder(CLIPConfig(vocab_size=5))(torch.tensor([[5]])),
            ValueError,
        ),
        (
            lambda: TextEncoder(CLIPConfig(vocab_size=5))(
                torch.tensor([[1, 2]]), torch.tensor([3])
            ),
            ValueError,
        ),
        (
            lambda: TextEncoder(CLIPConfig(vocab_size=5, block_size=2))(
                torch.tensor([[1, 2, 3]])
            ),
            ValueError,
        ),
        (
            lambda: zero_shot_classify(
                CLIP(CLIPConfig(vocab_size=5)),
                torch.rand(1, 3, 16, 16),
                torch.rand(2, 3),
            ),
            ValueError,
        ),
        (
            lambda: zero_shot_classify(
                CLIP(CLIPConfig(vocab_size=5)),
                torch.rand(1, 3, 16, 16),
                torch.tensor([[1], [2]]),
                torch.tensor([1, 1, 1]),
            ),
            ValueError,
        ),
        (
            lambda: zero_shot_classify("model", torch.rand(1, 3, 16, 16), None),
            TypeError,
        ),
    ],
)
def test_bad_inputs_are_refused(call, error):
    with pytest.raises(error):
        call()
