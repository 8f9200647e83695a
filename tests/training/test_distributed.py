"""Tests for stepbytoken.training.distributed, and the training loop's multi-process pieces.

The two-process run itself (torchrun, gloo) is tested end to end in
tests/recipes/test_reference.py; here are the pieces that one process can check.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

import stepbytoken.training.loop as loop
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.training import (
    TrainConfig,
    all_reduce_mean,
    barrier,
    close_distributed,
    init_distributed,
    is_main_process,
    process_group,
    shard,
    train,
    world,
)

CONFIG = TrainConfig(
    steps=6, batch_size=4, lr=1e-2, warmup_steps=1, eval_every=3, eval_batches=1
)
DATA = torch.arange(400) % 13


def tiny_gpt() -> GPT:
    return GPT(
        GPTConfig(vocab_size=13, block_size=8, n_layer=1, n_head=2, d_model=16), seed=0
    )


def test_one_process_is_rank_0_of_1(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert world() == (0, 1) and is_main_process()
    assert init_distributed("cpu") == torch.device("cpu") and world() == (0, 1)
    barrier()  # a no-op
    close_distributed()  # a no-op
    with process_group() as device:
        assert device == torch.device("cpu")
    batch = torch.arange(6).reshape(3, 2)
    assert shard(batch) is batch
    assert all_reduce_mean(torch.tensor(1.25)) == 1.25


def test_a_world_of_one_under_torchrun_changes_nothing(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert init_distributed("cpu") == torch.device("cpu") and world() == (0, 1)


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("tpu", "device must be 'cpu' or 'cuda', got 'tpu'"),
        ("meta", "got 'meta'"),
        (3, "got 3"),
    ],
)
def test_init_distributed_refuses_other_devices(device, message):
    with pytest.raises(ValueError, match=message):
        init_distributed(device)


def test_cuda_without_a_gpu_is_refused_clearly(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"torch.cuda.is_available\(\) is False"):
        init_distributed("cuda")


def test_malformed_torchrun_variables_are_named(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ValueError, match="WORLD_SIZE must be an int, got 'two'"):
        init_distributed("cpu")


def test_shard_splits_the_global_batch_by_rank(monkeypatch):
    batch = torch.arange(12).reshape(6, 2)
    for rank, rows in [(0, [0, 1]), (1, [2, 3]), (2, [4, 5])]:
        monkeypatch.setattr(
            "stepbytoken.training.distributed.world", lambda r=rank: (r, 3)
        )
        assert torch.equal(shard(batch), batch[rows])
    with pytest.raises(ValueError, match="6 rows must split evenly over 4 processes"):
        monkeypatch.setattr("stepbytoken.training.distributed.world", lambda: (0, 4))
        shard(batch)


def test_train_refuses_a_batch_that_does_not_split(monkeypatch):
    monkeypatch.setattr(loop, "world", lambda: (0, 3))
    with pytest.raises(
        ValueError, match="batch_size = 4 must be a multiple of the 3 processes"
    ):
        train(tiny_gpt(), DATA, DATA, CONFIG)


def test_training_in_bfloat16_autocast_follows_float32():
    full = train(tiny_gpt(), DATA, DATA, CONFIG)
    mixed = train(tiny_gpt(), DATA, DATA, CONFIG, autocast_dtype=torch.bfloat16)
    assert full.train_loss != mixed.train_loss  # autocast was on
    # bfloat16 keeps 8 bits of mantissa: a relative error of about 0.4 % per product.
    for a, b in zip(full.train_loss, mixed.train_loss, strict=True):
        assert abs(a - b) < 0.05 * a
    assert mixed.train_loss[-1] < mixed.train_loss[0]


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, "bfloat16"])
def test_other_autocast_dtypes_are_refused(dtype):
    with pytest.raises(
        ValueError, match="autocast_dtype must be torch.bfloat16 or None"
    ):
        train(tiny_gpt(), DATA, DATA, CONFIG, autocast_dtype=dtype)


@pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="needs a CUDA GPU: torch.cuda.is_available() is False on this machine",
)
def test_training_on_a_gpu_in_bfloat16():
    cpu = train(tiny_gpt(), DATA, DATA, CONFIG)
    model = tiny_gpt().to("cuda")
    gpu = train(model, DATA, DATA, CONFIG, autocast_dtype=torch.bfloat16)
    assert next(model.parameters()).device.type == "cuda"
    for a, b in zip(cpu.eval_train_loss, gpu.eval_train_loss, strict=True):
        assert abs(a - b) < 0.05 * a
    assert dataclasses.asdict(gpu.config) == dataclasses.asdict(CONFIG)
