"""Tests for stepbytoken.training.loop: the schedule, batches, optimiser groups and the loop."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from stepbytoken.training import (
    StepRecord,
    TrainConfig,
    TrainResult,
    configure_optimizer,
    estimate_loss,
    get_batch,
    lr_schedule,
    train,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models run faster on one thread, especially on a shared, busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ----------------------------------------------------------------------------------------------
# Tiny models and data


class TinyLM(nn.Module):
    """Embedding -> dropout -> LayerNorm -> Linear, GPT-style forward(idx, targets)."""

    def __init__(self, vocab_size: int = 8, d_model: int = 16, block_size: int = 8, seed: int = 0):
        super().__init__()
        self.block_size = block_size
        with torch.random.fork_rng():  # seeded initialisation, caller's RNG state kept
            torch.manual_seed(seed)
            self.wte = nn.Embedding(vocab_size, d_model)
            self.drop = nn.Dropout(0.1)
            self.ln = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx, targets=None):
        logits = self.head(self.ln(self.drop(self.wte(idx))))  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss


class LogitsOnly(nn.Module):
    """The same bigram table, returning only logits: the loop computes the loss."""

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.table = nn.Parameter(table.clone())

    def forward(self, idx):
        return self.table[idx]


class WithLoss(LogitsOnly):
    def forward(self, idx, targets=None):
        logits = self.table[idx]
        return logits, F.cross_entropy(logits.flatten(0, 1), targets.flatten())


def periodic(n: int, period: int = 8) -> torch.Tensor:
    """0, 1, ..., period - 1, 0, 1, ...: perfectly predictable from the previous token."""
    return torch.arange(n) % period


def small_config(**overrides) -> TrainConfig:
    settings_ = dict(
        steps=30,
        batch_size=4,
        lr=3e-2,
        eval_every=10,
        eval_batches=2,
        seed=0,
    )
    settings_.update(overrides)
    return TrainConfig(**settings_)


# ----------------------------------------------------------------------------------------------
# The learning-rate schedule


def test_schedule_docstring_values():
    lrs = [lr_schedule(s, max_lr=1.0, warmup_steps=2, total_steps=5) for s in range(5)]
    assert lrs == pytest.approx([0.5, 1.0, 0.75, 0.25, 0.0])


@settings(max_examples=80, deadline=None)
@given(
    warmup=st.integers(0, 30),
    extra=st.integers(0, 60),
    max_lr=st.floats(1e-5, 1.0),
    ratio=st.floats(0.0, 1.0),
)
def test_schedule_shape(warmup, extra, max_lr, ratio):
    total = max(warmup + extra, 1)
    min_lr = max_lr * ratio
    kwargs = dict(max_lr=max_lr, warmup_steps=warmup, total_steps=total, min_lr=min_lr)
    lrs = [lr_schedule(s, **kwargs) for s in range(total + 5)]
    peak = max(warmup - 1, 0)
    warm, decay = lrs[: peak + 1], lrs[peak:]
    assert all(a < b for a, b in zip(warm, warm[1:], strict=False))  # warm-up strictly rises
    assert lrs[peak] == pytest.approx(max_lr)  # the peak is max_lr
    assert max(lrs) == pytest.approx(max_lr)
    assert all(a >= b - 1e-15 for a, b in zip(decay, decay[1:], strict=False))  # then decays
    assert lrs[0] > 0
    if total - 1 > peak:  # there is room to decay: it ends at min_lr and stays there
        assert lrs[total - 1] == pytest.approx(min_lr, abs=1e-12)
        assert all(lr == pytest.approx(min_lr, abs=1e-12) for lr in lrs[total - 1 :])


def test_schedule_midpoint_is_halfway_between_max_and_min():
    # Cosine: halfway through the decay the rate is the mean of max_lr and min_lr.
    lr = lr_schedule(55, max_lr=1.0, warmup_steps=10, total_steps=102, min_lr=0.2)
    assert lr == pytest.approx(0.6)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(step=-1), ValueError),
        (dict(step=1.5), TypeError),
        (dict(max_lr=0.0), ValueError),
        (dict(min_lr=2.0), ValueError),
        (dict(min_lr=-1.0), ValueError),
        (dict(warmup_steps=20), ValueError),
        (dict(total_steps=0), ValueError),
    ],
)
def test_schedule_argument_errors(kwargs, error):
    arguments = dict(step=0, max_lr=1.0, warmup_steps=2, total_steps=10, min_lr=0.0) | kwargs
    step = arguments.pop("step")
    with pytest.raises(error):
        lr_schedule(step, **arguments)


# ----------------------------------------------------------------------------------------------
# Configuration


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
    config = small_config(grad_clip=None, eval_every=None, warmup_steps=5)
    assert config.lr_at(4) == pytest.approx(config.lr)
    assert config.lr_at(29) == pytest.approx(config.final_lr)


# ----------------------------------------------------------------------------------------------
# Batches


def test_get_batch_windows_and_targets():
    data = torch.randint(0, 50, (40,), generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(1)
    starts_seen = set()
    for _ in range(60):
        x, y = get_batch(data, 5, 6, generator)
        assert x.shape == y.shape == (5, 6) and x.dtype == y.dtype == torch.int64
        for row_x, row_y in zip(x, y, strict=True):
            starts = [s for s in range(len(data) - 6) if torch.equal(data[s : s + 6], row_x)]
            assert any(torch.equal(data[s + 1 : s + 7], row_y) for s in starts)
            starts_seen.update(starts)
    assert starts_seen == set(range(len(data) - 6))  # every window, including the last, occurs


def test_get_batch_is_deterministic_and_checks_arguments():
    data = periodic(30)
    a = get_batch(data, 3, 4, torch.Generator().manual_seed(5))
    b = get_batch(data, 3, 4, torch.Generator().manual_seed(5))
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="more than block_size"):
        get_batch(periodic(4), 1, 4, torch.Generator())
    with pytest.raises(ValueError, match="1-D integer"):
        get_batch(torch.zeros(20), 1, 4, torch.Generator())
    with pytest.raises(TypeError, match="generator"):
        get_batch(data, 1, 4, 0)


# ----------------------------------------------------------------------------------------------
# Optimiser groups and loss estimates


def test_weight_decay_only_on_weight_matrices():
    model = TinyLM()
    model.tied = nn.Linear(16, 8, bias=False)
    model.tied.weight = model.wte.weight  # a tied output layer is an embedding: no decay
    optimizer = configure_optimizer(model, lr=1e-3, weight_decay=0.1)
    decay, no_decay = optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert {id(p) for p in decay["params"]} == {id(model.head.weight)}
    expected = {id(model.wte.weight), id(model.ln.weight), id(model.ln.bias), id(model.head.bias)}
    assert {id(p) for p in no_decay["params"]} == expected
    assert len(no_decay["params"]) == 4  # the tied weight appears once


def test_frozen_parameters_are_left_out():
    model = TinyLM()
    model.head.weight.requires_grad_(False)
    optimizer = configure_optimizer(model, lr=1e-3, weight_decay=0.1)
    assert len(optimizer.param_groups) == 1  # no matrix left to decay
    for p in model.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable"):
        configure_optimizer(model, lr=1e-3, weight_decay=0.1)


def test_estimate_loss_of_a_uniform_model_is_log_vocab_size():
    model = LogitsOnly(torch.zeros(8, 8))
    model.train()
    loss = estimate_loss(model, periodic(50), batch_size=3, block_size=5, eval_batches=2)
    assert loss == pytest.approx(math.log(8))
    assert model.training  # mode restored


def test_estimate_loss_needs_a_block_size():
    with pytest.raises(ValueError, match="block_size is unknown"):
        estimate_loss(LogitsOnly(torch.zeros(8, 8)), periodic(50), batch_size=2)


# ----------------------------------------------------------------------------------------------
# The loop


def test_loss_decreases_on_learnable_data():
    data = periodic(400)
    result = train(TinyLM(), data[:300], data[300:], small_config(steps=60))
    assert isinstance(result, TrainResult)
    assert result.eval_val_loss[0] > 1.8  # about ln 8 = 2.08 at initialisation
    assert result.final_val_loss < 0.5 * result.eval_val_loss[0]
    assert sum(result.train_loss[-10:]) < sum(result.train_loss[:10])


def test_same_seed_same_losses_other_seed_other_losses():
    data = periodic(200)

    def run(seed, caller_seed):
        with torch.random.fork_rng():  # the caller's global RNG must not matter (dropout)
            torch.manual_seed(caller_seed)
            return train(TinyLM(), data[:150], data[150:], small_config(seed=seed))

    a, b, c = run(0, caller_seed=1), run(0, caller_seed=2), run(1, caller_seed=1)
    assert a.train_loss == b.train_loss and a.eval_val_loss == b.eval_val_loss
    assert a.grad_norm == b.grad_norm
    assert a.train_loss != c.train_loss


def test_training_leaves_the_global_rng_alone_and_restores_modes():
    model = TinyLM()
    model.eval()
    state = torch.get_rng_state()
    train(model, periodic(100), config=small_config(steps=5))
    assert torch.equal(state, torch.get_rng_state())
    assert not model.training and not model.drop.training


def test_history_records_every_step():
    config = small_config(steps=25, eval_every=10)
    result = train(TinyLM(), periodic(100), periodic(60), config)
    assert result.steps == list(range(25))
    assert result.eval_steps == [0, 10, 20, 25]
    assert result.lr == pytest.approx([config.lr_at(s) for s in range(25)])
    history = result.history
    assert len(history) == 25 and isinstance(history[0], StepRecord)
    assert [row.step for row in history if row.val_loss is not None] == [0, 10, 20]
    assert history[10].val_loss == result.eval_val_loss[1]
    assert result.final_val_loss == result.eval_val_loss[-1]
    no_val = train(TinyLM(), periodic(100), config=small_config(steps=3, eval_every=None))
    assert no_val.eval_steps == [3] and no_val.final_val_loss is None


def test_callback_is_called_after_each_update_and_does_not_change_training():
    data = periodic(100)
    calls = []

    def callback(step, model):
        calls.append((step, model.training))
        torch.rand(100)  # consumes the global RNG: must not change the dropout masks

    model = TinyLM()
    with_callback = train(model, data, config=small_config(steps=7), callback=callback)
    assert calls == [(step, True) for step in range(8)]
    without = train(TinyLM(), data, config=small_config(steps=7))
    assert with_callback.train_loss == without.train_loss


def global_grad_norm(model: nn.Module) -> float:
    grads = [p.grad.norm() for p in model.parameters() if p.grad is not None]
    return float(torch.linalg.vector_norm(torch.stack(grads)))


@pytest.mark.parametrize("grad_clip", [None, 0.05])
def test_clipping_bounds_the_gradient_norm(grad_clip):
    seen = {}

    def callback(step, model):  # grads of update step - 1, after clipping
        if step > 0:
            seen[step - 1] = global_grad_norm(model)

    config = small_config(steps=10, grad_clip=grad_clip, lr=1e-3)
    result = train(TinyLM(), periodic(100), config=config, callback=callback)
    recorded = result.grad_norm  # before clipping
    if grad_clip is None:
        assert [seen[s] for s in range(10)] == pytest.approx(recorded, rel=1e-5)
    else:
        assert min(recorded) > grad_clip  # clipping was active at every step...
        assert all(seen[s] == pytest.approx(grad_clip, rel=1e-4) for s in range(10))  # ...and bit


def test_models_returning_only_logits_train_like_models_returning_a_loss():
    table = torch.randn(8, 8, generator=torch.Generator().manual_seed(0))
    config = small_config(steps=15, block_size=6)
    data = periodic(100)
    a = train(LogitsOnly(table), data, config=config)
    b = train(WithLoss(table), data, config=config)
    assert a.train_loss == pytest.approx(b.train_loss)
    assert a.train_loss[-1] < a.train_loss[0]


def test_non_finite_loss_stops_with_an_explanation():
    class Exploding(LogitsOnly):
        def forward(self, idx, targets=None):
            return self.table[idx], self.table.sum() * math.inf

    with pytest.raises(FloatingPointError, match="lower learning rate"):
        train(Exploding(torch.ones(8, 8)), periodic(50), config=small_config(block_size=4))


def test_train_argument_errors():
    model = TinyLM()
    with pytest.raises(TypeError, match="nn.Module"):
        train(lambda idx: idx, periodic(50), config=small_config())
    with pytest.raises(TypeError, match="TrainConfig"):
        train(model, periodic(50), config={"steps": 3})
    with pytest.raises(ValueError, match="train_data needs more than block_size"):
        train(model, periodic(8), config=small_config())
    with pytest.raises(ValueError, match="val_data"):
        train(model, periodic(50), torch.zeros(50), config=small_config())
    with pytest.raises(ValueError, match="block_size is unknown"):
        train(LogitsOnly(torch.zeros(8, 8)), periodic(50), config=small_config())
    with pytest.raises(TypeError, match="callback"):
        train(model, periodic(50), config=small_config(), callback=3)


def test_progress_bar_only_when_asked(capsys):
    train(TinyLM(), periodic(50), config=small_config(steps=3))
    assert capsys.readouterr().err == ""
    train(TinyLM(), periodic(50), config=small_config(steps=3), progress=True)
    assert "training" in capsys.readouterr().err
