"""Tests for stepbytoken.evaluation.ablation: take out residuals and norms, measure the damage."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import (
    VARIANTS,
    DepthProfile,
    ablated_config,
    compare_variants,
    depth_profile,
    unigram_loss,
)
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.training import TrainConfig, train


def tiny(**overrides: object) -> GPTConfig:
    fields = dict(vocab_size=20, block_size=8, n_layer=3, n_head=2, d_model=16)
    fields.update(overrides)
    return GPTConfig(**fields)  # type: ignore[arg-type]


def batch(
    config: GPTConfig, B: int = 2, T: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    idx = torch.randint(0, config.vocab_size, (B, T), generator=g)
    return idx, torch.roll(idx, -1, dims=1)


# --- ablated_config ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "residual", "use_norm"),
    [("full", True, True), ("no residual", False, True), ("no norm", True, False),
     ("neither", False, False)],
)  # fmt: skip
def test_ablated_config_switches_exactly_the_named_parts(variant, residual, use_norm):
    config = tiny(norm="rmsnorm", positions="rope")
    ablated = ablated_config(config, variant)
    assert (ablated.residual, ablated.use_norm) == (residual, use_norm)
    assert (ablated.norm, ablated.positions, ablated.d_model) == ("rmsnorm", "rope", 16)
    assert config.residual and config.use_norm  # the original is untouched


def test_ablated_config_rejects_bad_arguments():
    with pytest.raises(
        ValueError, match="variant must be one of 'full', 'no residual'"
    ):
        ablated_config(tiny(), "no attention")
    with pytest.raises(TypeError, match="config must be a GPTConfig"):
        ablated_config({"n_layer": 2}, "full")  # type: ignore[arg-type]


def test_variants_cover_every_combination_of_the_two_switches():
    combos = {
        (v.get("residual", True), v.get("use_norm", True)) for v in VARIANTS.values()
    }
    assert combos == {(True, True), (False, True), (True, False), (False, False)}


# --- depth_profile -------------------------------------------------------------------------


def test_depth_profile_matches_a_manual_measurement():
    config = tiny()
    idx, targets = batch(config)
    profile = depth_profile(config, idx, targets, seed=3)
    assert isinstance(profile, DepthProfile)
    model = GPT(config, seed=3)
    _, loss = model(idx, targets)
    loss.backward()
    assert profile.loss == pytest.approx(loss.item(), rel=1e-6)
    embedded = model.wte(idx) + model.wpe(torch.arange(idx.shape[1]))
    assert profile.stream_rms[0] == pytest.approx(
        embedded.pow(2).mean().sqrt().item(), rel=1e-5
    )
    last = model.blocks[-1]
    manual = math.sqrt(sum(p.grad.pow(2).sum().item() for p in last.parameters()))
    assert profile.grad_norms[-1] == pytest.approx(manual, rel=1e-5)
    assert len(profile.stream_rms) == config.n_layer + 1
    assert len(profile.grad_norms) == config.n_layer


def test_depth_profile_is_deterministic_and_leaves_global_random_state_alone():
    config = tiny()
    idx, targets = batch(config)
    state = torch.random.get_rng_state()
    first = depth_profile(config, idx, targets, seed=0)
    assert torch.equal(state, torch.random.get_rng_state())
    assert depth_profile(config, idx, targets, seed=0) == first
    assert depth_profile(config, idx, targets, seed=1) != first


def test_without_residuals_or_norms_the_signal_and_the_early_gradients_vanish():
    config = tiny(n_layer=8)
    idx, targets = batch(config)
    full = depth_profile(config, idx, targets)
    dead = depth_profile(ablated_config(config, "neither"), idx, targets)
    assert min(full.grad_norms) > 1e-3
    assert min(full.stream_rms) > 1e-3
    assert dead.stream_rms[-1] < 1e-8 * dead.stream_rms[0]
    assert dead.grad_norms[0] < 1e-8 * dead.grad_norms[-1]


def test_depth_profile_rejects_a_non_config():
    with pytest.raises(TypeError, match="config must be a GPTConfig"):
        depth_profile("gpt2", torch.zeros(1, 2, dtype=torch.long), torch.zeros(1, 2))  # type: ignore[arg-type]


# --- compare_variants ----------------------------------------------------------------------

DATA = torch.arange(300) % 11
SETTINGS = TrainConfig(
    steps=6, batch_size=4, lr=1e-2, eval_every=3, eval_batches=1, seed=2
)


def test_compare_variants_trains_each_variant_as_train_would():
    config = tiny(vocab_size=11, n_layer=2)
    runs = compare_variants(
        config, DATA[:200], DATA[200:], SETTINGS, variants=["no norm", "full"], seed=5
    )
    assert list(runs) == ["no norm", "full"]
    for name, run in runs.items():
        direct = train(
            GPT(ablated_config(config, name), seed=5), DATA[:200], DATA[200:], SETTINGS
        )
        assert run.train_loss == pytest.approx(direct.train_loss, rel=1e-5)
        assert run.eval_val_loss == pytest.approx(direct.eval_val_loss, rel=1e-5)
    assert runs["full"].train_loss != runs["no norm"].train_loss


@pytest.mark.parametrize(
    ("variants", "error", "message"),
    [([], ValueError, "at least one"), (["full", "full"], ValueError, "must not repeat"),
     (["full", "no mlp"], ValueError, "variant must be one of"),
     ("full", TypeError, "not a single str")],
)  # fmt: skip
def test_compare_variants_rejects_bad_variant_lists(variants, error, message):
    with pytest.raises(error, match=message):
        compare_variants(
            tiny(vocab_size=11), DATA[:200], DATA[200:], SETTINGS, variants=variants
        )


def test_compare_variants_rejects_bad_configs():
    with pytest.raises(TypeError, match="train_config must be a TrainConfig"):
        compare_variants(tiny(vocab_size=11), DATA[:200], DATA[200:], {"steps": 3})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config must be a GPTConfig"):
        compare_variants(None, DATA[:200], DATA[200:], SETTINGS)  # type: ignore[arg-type]


# --- unigram_loss --------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda v: st.tuples(
            st.just(v),
            st.lists(st.integers(0, v - 1), min_size=1, max_size=40),
            st.lists(st.integers(0, v - 1), min_size=1, max_size=40),
        )
    )
)
def test_unigram_loss_matches_counting_by_hand(case):
    vocab_size, train_ids, val_ids = case
    counts = Counter(train_ids)
    total = len(train_ids) + vocab_size
    expected = -sum(math.log((counts[t] + 1) / total) for t in val_ids) / len(val_ids)
    got = unigram_loss(torch.tensor(train_ids), torch.tensor(val_ids), vocab_size)
    assert got == pytest.approx(expected, rel=1e-9)
    assert got >= 0


def test_unigram_loss_of_balanced_data_is_log_vocab_size():
    data = torch.arange(50) % 5
    assert unigram_loss(data, data, 5) == pytest.approx(math.log(5))


@pytest.mark.parametrize(
    ("train_data", "val_data", "vocab_size", "error"),
    [(torch.tensor([0, 1]), torch.tensor([0.5]), 2, ValueError),
     (torch.tensor([0, 1]), torch.tensor([], dtype=torch.long), 2, ValueError),
     (torch.tensor([[0, 1]]), torch.tensor([0]), 2, ValueError),
     (torch.tensor([0, 2]), torch.tensor([0]), 2, ValueError),
     (torch.tensor([0, 1]), torch.tensor([-1]), 2, ValueError),
     (torch.tensor([0, 1]), torch.tensor([0]), 0, ValueError),
     (torch.tensor([0, 1]), torch.tensor([0]), 2.0, TypeError),
     ([0, 1], torch.tensor([0]), 2, TypeError)],
)  # fmt: skip
def test_unigram_loss_rejects_bad_arguments(train_data, val_data, vocab_size, error):
    with pytest.raises(error):
        unigram_loss(train_data, val_data, vocab_size)
