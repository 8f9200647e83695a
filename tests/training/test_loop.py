"""Tests for stepbytoken.training.loop: loss estimates and the training loop."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from stepbytoken.training import (
    StepRecord,
    TrainConfig,
    TrainResult,
    estimate_loss,
    train,
)


class TinyLM(nn.Module):
    """Embedding -> dropout -> LayerNorm -> Linear, a LanguageModel with a context of 8."""

    def __init__(
        self, vocab_size: int = 8, d_model: int = 16, block_size: int = 8, seed: int = 0
    ):
        super().__init__()
        self.vocab_size, self.block_size = vocab_size, block_size
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


class Bigram(nn.Module):
    """A table of next-token logits that reads any length of context (block_size None)."""

    block_size = None

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.vocab_size = table.shape[-1]
        self.table = nn.Parameter(table.clone())

    def forward(self, idx, targets=None):
        logits = self.table[idx]
        loss = (
            None
            if targets is None
            else F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        )
        return logits, loss


def periodic(n: int, period: int = 8) -> torch.Tensor:
    """0, 1, ..., period - 1, 0, 1, ...: perfectly predictable from the previous token."""
    return torch.arange(n) % period


def small_config(**overrides) -> TrainConfig:
    settings_ = dict(
        steps=30, batch_size=4, lr=3e-2, eval_every=10, eval_batches=2, seed=0
    )
    settings_.update(overrides)
    return TrainConfig(**settings_)


# ----------------------------------------------------------------------------------------------
# Loss estimates


def test_estimate_loss_of_a_uniform_model_is_log_vocab_size():
    model = Bigram(torch.zeros(8, 8))
    model.train()
    loss = estimate_loss(
        model, periodic(50), batch_size=3, block_size=5, eval_batches=2
    )
    assert loss == pytest.approx(math.log(8))
    assert model.training  # mode restored


def test_estimate_loss_needs_a_block_size_and_a_language_model():
    with pytest.raises(ValueError, match="block_size is unknown"):
        estimate_loss(Bigram(torch.zeros(8, 8)), periodic(50), batch_size=2)
    with pytest.raises(TypeError, match="LanguageModel"):
        estimate_loss(nn.Embedding(8, 8), periodic(50), batch_size=2, block_size=4)


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
        # the caller's global RNG must not matter (dropout)
        with torch.random.fork_rng():
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
    no_val = train(
        TinyLM(), periodic(100), config=small_config(steps=3, eval_every=None)
    )
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
        # ...and bit
        assert all(seen[s] == pytest.approx(grad_clip, rel=1e-4) for s in range(10))


def test_an_unlimited_context_model_trains_on_the_configured_block_size():
    table = torch.randn(8, 8, generator=torch.Generator().manual_seed(0))
    config = small_config(steps=15, block_size=6)
    result = train(Bigram(table), periodic(100), config=config)
    assert result.train_loss[-1] < result.train_loss[0]


def test_non_finite_loss_stops_with_an_explanation():
    class Exploding(Bigram):
        def forward(self, idx, targets=None):
            return self.table[idx], self.table.sum() * math.inf

    with pytest.raises(FloatingPointError, match="lower learning rate"):
        train(
            Exploding(torch.ones(8, 8)), periodic(50), config=small_config(block_size=4)
        )


def test_train_argument_errors():
    model = TinyLM()
    with pytest.raises(TypeError, match="nn.Module"):
        train(lambda idx: idx, periodic(50), config=small_config())
    with pytest.raises(TypeError, match="TrainConfig"):
        train(model, periodic(50), config={"steps": 3})
    with pytest.raises(TypeError, match="LanguageModel"):
        train(nn.Embedding(8, 8), periodic(50), config=small_config(block_size=4))
    with pytest.raises(ValueError, match="train_data needs more than block_size"):
        train(model, periodic(8), config=small_config())
    with pytest.raises(ValueError, match="val_data must be a tensor of integer dtype"):
        train(model, periodic(50), torch.zeros(50), config=small_config())
    with pytest.raises(ValueError, match="block_size is unknown"):
        train(Bigram(torch.zeros(8, 8)), periodic(50), config=small_config())
    with pytest.raises(TypeError, match="callback"):
        train(model, periodic(50), config=small_config(), callback=3)


def test_progress_bar_only_when_asked(capsys):
    train(TinyLM(), periodic(50), config=small_config(steps=3))
    assert capsys.readouterr().err == ""
    train(TinyLM(), periodic(50), config=small_config(steps=3), progress=True)
    assert "training" in capsys.readouterr().err
