"""Tests of stepbytoken.evaluation.training_samples: samples during training, real words."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation import SampleRecorder, real_word_share
from stepbytoken.generation import generate
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.training import TrainConfig, train
from stepbytoken.world import words

TEXT = "the cat sat on the mat. the dog sat on the log. " * 30


@pytest.fixture(scope="module")
def tok():
    return BPETokenizer.train(TEXT, 20)


@pytest.fixture
def model(tok):
    config = GPTConfig(
        vocab_size=tok.vocab_size, block_size=16, n_layer=1, n_head=2, d_model=16
    )
    return GPT(config, seed=0)


def test_samples_only_at_the_chosen_steps_with_the_same_seed(tok, model):
    recorder = SampleRecorder(
        tok, "the cat", [0, 2], max_new_tokens=5, n_samples=3, seed=7
    )
    for step in range(4):
        recorder(step, model)
    assert list(recorder.samples) == [0, 2]
    # same weights, same seed: same text
    assert recorder.samples[0] == recorder.samples[2]
    prompt = tok.encode("the cat")
    out = generate(model, torch.tensor([prompt] * 3), 5, seed=7)
    assert recorder.samples[0] == [
        tok.decode(row[len(prompt) :].tolist()) for row in out
    ]


def test_as_a_callback_it_sees_learning_and_leaves_training_alone(tok):
    ids = torch.tensor(tok.encode(TEXT))
    split = int(0.8 * len(ids))
    config = GPTConfig(
        vocab_size=tok.vocab_size, block_size=16, n_layer=1, n_head=2, d_model=16
    )
    run = TrainConfig(
        steps=20, batch_size=4, lr=1e-2, eval_every=10, eval_batches=1, seed=0
    )
    recorder = SampleRecorder(tok, "the", [0, 20], max_new_tokens=8, seed=1)
    with_samples = train(
        GPT(config, seed=0), ids[:split], ids[split:], run, callback=recorder
    )
    without = train(GPT(config, seed=0), ids[:split], ids[split:], run)
    assert with_samples.train_loss == without.train_loss
    assert recorder.samples[0] != recorder.samples[20]  # the model changed in between


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(prompt=""), ValueError, "prompt must be a non-empty str"),
        (dict(steps=[-1]), ValueError, r"steps\[0\] must be an int >= 0"),
        (dict(max_new_tokens=0), ValueError, "max_new_tokens must be an int >= 1"),
        (dict(n_samples=1.5), TypeError, "n_samples must be an int"),
    ],
)
def test_recorder_checks_its_arguments(tok, kwargs, error, match):
    arguments = dict(prompt="the", steps=[0]) | kwargs
    with pytest.raises(error, match=match):
        SampleRecorder(
            tok, arguments.pop("prompt"), arguments.pop("steps"), **arguments
        )


def test_real_word_share_counts_words_not_texts():
    known = set(words("The cat sat."))
    assert real_word_share(["the cat", "sat xq zzv"], known) == pytest.approx(3 / 5)
    assert real_word_share(["?!", ""], known) == 0.0  # no words at all


@given(st.lists(st.text(max_size=30), max_size=5))
def test_real_word_share_is_a_share(texts):
    every_word = {w for text in texts for w in words(text)}
    assert 0.0 <= real_word_share(texts, {"the"}) <= 1.0
    assert real_word_share(texts, every_word) == (1.0 if every_word else 0.0)
