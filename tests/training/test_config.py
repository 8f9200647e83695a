"""Tests for stepbytoken.training.config: the validated settings of a run."""

from __future__ import annotations

import dataclasses
import math

import pytest

from stepbytoken.training import TrainConfig


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(steps=0), ValueError, "steps"),
        (dict(steps=2.5), TypeError, "steps"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(block_size=0), ValueError, "block_size"),
        (dict(lr=0.0), ValueError, "lr"),
        (dict(lr=math.nan), ValueError, "lr"),
        (dict(warmup_steps=-1), ValueError, "warmup_steps"),
        (dict(steps=10, warmup_steps=11), ValueError, "warmup_steps must be <= steps"),
        (dict(min_lr=1.0, lr=0.1), ValueError, "min_lr"),
        (dict(weight_decay=-0.1), ValueError, "weight_decay"),
        (dict(grad_clip=0.0), ValueError, "grad_clip"),
        (dict(eval_every=0), ValueError, "eval_every"),
        (dict(eval_batches=0), ValueError, "eval_batches"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed=True), TypeError, "seed"),
        (dict(betas=(0.9, 1.0)), ValueError, "betas"),
        (dict(eps=0.0), ValueError, "eps"),
    ],
)
def test_config_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(**kwargs)


def test_config_defaults_and_lr_at():
    config = TrainConfig()
    with pytest.raises(AttributeError):
        config.lr = -1.0  # frozen: a config stays valid once created
    assert dataclasses.replace(config, lr=0.5).lr == 0.5
    with pytest.raises(ValueError, match="lr"):
        dataclasses.replace(config, lr=-1.0)
    assert config.final_lr == pytest.approx(config.lr / 10)
    assert TrainConfig(min_lr=0.0).final_lr == 0.0
    config = TrainConfig(
        steps=30, lr=3e-2, grad_clip=None, eval_every=None, warmup_steps=5
    )
    assert config.lr_at(4) == pytest.approx(config.lr)
    assert config.lr_at(29) == pytest.approx(config.final_lr)
