"""Tests for stepbytoken.nn.gpt: the GPT configuration, its parts and the model."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
import torch

from stepbytoken.nn import (
    GPT,
    MLP,
    Block,
    GPTConfig,
    LanguageModel,
    SwiGLU,
    causal_mask,
    count_parameters,
)


def tiny(**overrides: object) -> GPTConfig:
    fields = dict(vocab_size=37, block_size=12, n_layer=2, n_head=2, d_model=16)
    fields.update(overrides)
    return GPTConfig(**fields)  # type: ignore[arg-type]


def random_idx(config: GPTConfig, B: int, T: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, config.vocab_size, (B, T), generator=g)


OPTIONS = list(
    itertools.product(
        ["layernorm", "rmsnorm"],  # norm
        ["learned", "sinusoidal", "rope"],  # positions
        [True, False],  # bias
        [True, False],  # tie_weights
        [True, False],  # use_norm
        [True, False],  # residual
    )
)


def config_from_option(option: tuple, **overrides: object) -> GPTConfig:
    norm, positions, bias, tie_weights, use_norm, residual = option
    return tiny(
        norm=norm,
        positions=positions,
        bias=bias,
        tie_weights=tie_weights,
        use_norm=use_norm,
        residual=residual,
        **overrides,
    )


# --- configuration ------------------------------------------------------------------------------


def test_config_defaults() -> None:
    config = tiny()
    assert config.d_ff == 64 and config.d_head == 8
    assert (config.norm, config.positions, config.mlp) == (
        "layernorm",
        "learned",
        "gelu",
    )
    assert config.bias and config.tie_weights and config.residual and config.use_norm
    assert tiny(d_ff=10).d_ff == 10


def test_gpt2_small_config() -> None:
    config = GPTConfig.gpt2_small()
    assert (config.vocab_size, config.block_size, config.n_layer) == (50257, 1024, 12)
    assert (config.n_head, config.d_model, config.d_ff) == (12, 768, 3072)
    assert GPTConfig.gpt2_small(block_size=256).block_size == 256


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"d_model": 15}, ValueError, "d_model must be divisible by n_head"),
        ({"vocab_size": 0}, ValueError, "vocab_size must be an int >= 1, got 0"),
        ({"block_size": -1}, ValueError, "block_size must be an int >= 1"),
        ({"n_layer": 2.0}, TypeError, "n_layer must be an int >= 1"),
        ({"n_head": True}, TypeError, "n_head must be an int >= 1"),
        ({"d_ff": 0}, ValueError, "d_ff must be an int >= 1"),
        (
            {"mlp": "relu"},
            ValueError,
            "mlp must be one of 'gelu', 'swiglu', got 'relu'",
        ),
        (
            {"norm": "batchnorm"},
            ValueError,
            "norm must be one of 'layernorm', 'rmsnorm', got",
        ),
        (
            {"positions": "alibi"},
            ValueError,
            "positions must be one of 'learned', 'sinusoidal', 'rope', got 'alibi'",
        ),
        ({"positions": "rope", "n_head": 16}, ValueError, "even d_head"),
        ({"bias": "yes"}, TypeError, "bias must be a bool"),
        ({"tie_weights": 1}, TypeError, "tie_weights must be a bool"),
        ({"dropout": 1.0}, ValueError, r"dropout must be a finite number in \[0, 1\)"),
        ({"dropout": -0.1}, ValueError, r"dropout must be a finite number in \[0, 1\)"),
    ],
)
def test_config_validation(
    overrides: dict, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        tiny(**overrides)


# --- weight tying -------------------------------------------------------------------------------


def test_tied_weights_are_one_tensor() -> None:
    model = GPT(tiny(tie_weights=True))
    assert model.lm_head.weight is model.wte.weight
    untied = GPT(tiny(tie_weights=False))
    assert untied.lm_head.weight is not untied.wte.weight
    diff = count_parameters(untied) - count_parameters(model)
    assert diff == 37 * 16


# --- parts --------------------------------------------------------------------------------------


def test_mlp_and_block_shapes() -> None:
    x = torch.zeros(2, 5, 16)
    assert MLP(16, 24)(x).shape == (2, 5, 16)
    config = tiny()
    y, weights = Block(config)(x, return_weights=True)
    assert y.shape == (2, 5, 16) and weights.shape == (2, 2, 5, 5)


def test_swiglu_is_silu_of_the_gate_times_the_values_projected_back() -> None:
    swiglu = SwiGLU(d_model=6, d_ff=10)
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        for p in swiglu.parameters():  # random biases too, so that each one is checked
            p.copy_(torch.randn(p.shape, generator=g))
    x = torch.randn(3, 6, generator=g)
    W1, b1 = swiglu.c_gate.weight.T, swiglu.c_gate.bias  # (6, 10), (10,)
    W3, b3 = swiglu.c_fc.weight.T, swiglu.c_fc.bias
    W2, b2 = swiglu.c_proj.weight.T, swiglu.c_proj.bias  # (10, 6), (6,)
    z = x @ W1 + b1
    # silu(z) = z * sigmoid(z)
    by_hand = (z / (1 + torch.exp(-z)) * (x @ W3 + b3)) @ W2 + b2
    torch.testing.assert_close(swiglu(x), by_hand)
    assert swiglu(torch.zeros(2, 5, 6)).shape == (2, 5, 6)


@pytest.mark.parametrize("bias", [True, False])
def test_swiglu_holds_three_matrices(bias: bool) -> None:
    C, F = 12, 20
    expected = 3 * C * F + (2 * F + C if bias else 0)
    assert count_parameters(SwiGLU(C, F, bias=bias)) == expected
    block = Block(tiny(d_model=C, n_head=2, d_ff=F, mlp="swiglu", bias=bias))
    assert isinstance(block.mlp, SwiGLU) and count_parameters(block.mlp) == expected
    assert isinstance(Block(tiny()).mlp, MLP)  # the default is unchanged


def test_swiglu_model_trains_and_its_down_projection_is_scaled() -> None:
    config = tiny(d_model=64, n_head=4, n_layer=8, vocab_size=500, mlp="swiglu")
    model = GPT(config)
    mlp = model.blocks[0].mlp
    assert abs(mlp.c_proj.weight.std().item() - 0.02 / math.sqrt(2 * 8)) < 0.001
    assert abs(mlp.c_gate.weight.std().item() - 0.02) < 0.002
    idx = random_idx(config, 2, 8)
    _, loss = model(idx, random_idx(config, 2, 8, seed=1))
    loss.backward()
    assert all(
        p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters()
    )


def test_block_without_residual_replaces_the_stream() -> None:
    x = torch.randn(1, 4, 16, generator=torch.Generator().manual_seed(1))
    with_res, without = Block(tiny()), Block(tiny(residual=False))
    without.load_state_dict(with_res.state_dict())
    a = with_res.attn(with_res.norm_1(x))
    h = x + a
    torch.testing.assert_close(with_res(x), h + with_res.mlp(with_res.norm_2(h)))
    torch.testing.assert_close(without(x), without.mlp(without.norm_2(a)))


# --- the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize("positions", ["learned", "sinusoidal", "rope"])
@pytest.mark.parametrize("norm", ["layernorm", "rmsnorm"])
def test_shapes_and_initial_loss(positions: str, norm: str) -> None:
    config = tiny(vocab_size=211, positions=positions, norm=norm)
    model = GPT(config, seed=3)
    idx = random_idx(config, 4, 12)
    targets = random_idx(config, 4, 12, seed=1)
    logits, loss = model(idx, targets)
    assert logits.shape == (4, 12, 211)
    assert abs(loss.item() - math.log(211)) < 0.1
    logits2, no_loss = model(idx)
    assert no_loss is None
    torch.testing.assert_close(logits, logits2)


def test_ignored_targets_do_not_count() -> None:
    config = tiny()
    model = GPT(config)
    idx = random_idx(config, 2, 6)
    targets = random_idx(config, 2, 6, seed=1)
    _, loss_first = model(idx[:, :3], targets[:, :3])
    masked = targets.clone()
    masked[:, 3:] = -1
    _, loss_masked = model(idx, masked)
    # logits for the first 3 positions do not depend on later tokens, so the losses agree
    torch.testing.assert_close(loss_masked, loss_first)


@pytest.mark.parametrize("option", OPTIONS[::5])
def test_changing_a_future_token_leaves_earlier_logits_alone(option: tuple) -> None:
    config = config_from_option(option)
    model = GPT(config)
    idx = random_idx(config, 2, 10)
    changed = idx.clone()
    changed[:, 6] = (changed[:, 6] + 1) % config.vocab_size
    logits, _ = model(idx)
    logits_changed, _ = model(changed)
    # without norms and residuals the logits are tiny (~1e-13), so compare relative to their size
    scale = logits.abs().max()
    assert (logits_changed[:, :6] - logits[:, :6]).abs().max() <= 1e-5 * scale
    assert (logits_changed[:, 6:] - logits[:, 6:]).abs().max() > 1e-3 * scale


@pytest.mark.parametrize("option", OPTIONS[::7])
def test_gradients_reach_every_parameter(option: tuple) -> None:
    config = config_from_option(option)
    model = GPT(config)
    idx = random_idx(config, 2, 8)
    _, loss = model(idx, random_idx(config, 2, 8, seed=1))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_same_seed_same_weights_and_global_rng_untouched() -> None:
    state = torch.get_rng_state()
    a, b, c = GPT(tiny(), seed=5), GPT(tiny(), seed=5), GPT(tiny(), seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    for (name, pa), pb, pc in zip(
        a.state_dict().items(),
        b.state_dict().values(),
        c.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(pa, pb), name
        if name.endswith(".weight") and pa.ndim == 2:
            assert not torch.equal(pa, pc), name


def test_gpt2_style_initialisation() -> None:
    config = tiny(d_model=64, n_head=4, n_layer=8, vocab_size=500, tie_weights=False)
    model = GPT(config)
    assert abs(model.wte.weight.std().item() - 0.02) < 0.002
    assert abs(model.blocks[0].attn.c_attn.weight.std().item() - 0.02) < 0.002
    proj_std = model.blocks[0].mlp.c_proj.weight.std().item()
    assert abs(proj_std - 0.02 / math.sqrt(2 * 8)) < 0.001
    assert torch.all(model.blocks[0].attn.c_attn.bias == 0)
    assert torch.all(model.blocks[0].norm_1.weight == 1)


def test_attention_maps() -> None:
    config = tiny(n_layer=3, n_head=4)
    model = GPT(config)
    idx = random_idx(config, 2, 7)
    maps = model.attention_maps(idx)
    assert len(maps) == 3
    for weights in maps:
        assert weights.shape == (2, 4, 7, 7) and not weights.requires_grad
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4, 7))
        assert torch.all(weights[..., ~causal_mask(7)] == 0)


def test_hidden_states_follow_the_blocks() -> None:
    config = tiny(n_layer=3)
    model = GPT(config)
    idx = random_idx(config, 2, 7)
    states = model.hidden_states(idx, include_embeddings=True)
    assert len(states) == 4 and len(model.hidden_states(idx)) == 3
    for i, block in enumerate(model.blocks):
        torch.testing.assert_close(block(states[i]), states[i + 1])
    logits, _ = model(idx)
    torch.testing.assert_close(model.lm_head(model.norm_f(states[-1])), logits)


@pytest.mark.parametrize(
    "idx, error, message",
    [
        (torch.zeros(1, 13, dtype=torch.long), ValueError, "longer than block_size=12"),
        (
            torch.tensor([[1, 37]]),
            ValueError,
            r"idx must hold token ids in \[0, 37\), got values from 1 to 37",
        ),
        (torch.tensor([[-2, 1]]), ValueError, "got values from -2 to 1"),
        (torch.zeros(1, 3), ValueError, "idx must be a tensor of integer dtype"),
        (torch.zeros(3, dtype=torch.long), ValueError, "idx must have 2 dimensions"),
        (torch.zeros(1, 0, dtype=torch.long), ValueError, "at least one"),
        ([[1, 2]], TypeError, "torch.Tensor"),
    ],
)
def test_forward_errors(idx: object, error: type[Exception], message: str) -> None:
    model = GPT(tiny())
    with pytest.raises(error, match=message):
        model(idx)
    with pytest.raises(error, match=message):
        model.attention_maps(idx)


def test_target_errors() -> None:
    model = GPT(tiny())
    idx = torch.zeros(2, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="targets must have the shape of idx"):
        model(idx, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="targets must be a tensor of integer dtype"):
        model(idx, torch.zeros(2, 3))


def test_constructor_errors() -> None:
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT({"vocab_size": 10})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be an int"):
        GPT(tiny(), seed=1.5)  # type: ignore[arg-type]


def test_dropout_is_off_in_eval_mode() -> None:
    config = tiny(dropout=0.5)
    model = GPT(config)
    idx = random_idx(config, 2, 8)
    model.eval()
    torch.testing.assert_close(model(idx)[0], model(idx)[0])


@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_tiny_model_memorises_a_repeated_sequence(positions: str) -> None:
    config = GPTConfig(
        vocab_size=16,
        block_size=16,
        n_layer=2,
        n_head=2,
        d_model=32,
        positions=positions,
    )
    model = GPT(config, seed=0)
    # "1" is followed by 4 or 5: needs context
    pattern = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6, 5])
    seq = pattern.repeat(2)[:17]
    idx, targets = seq[:-1][None, :], seq[1:][None, :]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    for _ in range(100):
        _, loss = model(idx, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05


def test_config_round_trips_through_a_dict() -> None:
    config = tiny(norm="rmsnorm", positions="rope", d_ff=40, dropout=0.1)
    assert GPTConfig(**dataclasses.asdict(config)) == config


def test_gpt_follows_the_language_model_interface() -> None:
    config = tiny()
    model = GPT(config)
    assert isinstance(model, LanguageModel)
    assert (model.vocab_size, model.block_size) == (
        config.vocab_size,
        config.block_size,
    )


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (torch.tensor([[1, 2, 37]]), r"targets must hold token ids in \[0, 37\) or -1"),
        (torch.tensor([[1, -2, 3]]), r"targets must hold token ids in \[0, 37\) or -1"),
        (torch.tensor([[-1, -1, -1]]), "at least one id other than -1"),
        (torch.tensor([[1.0, 2.0, 3.0]]), "targets must be a tensor of integer dtype"),
        (torch.tensor([[1, 2]]), "targets must have the shape of idx"),
    ],
)
def test_forward_checks_targets(targets, message):
    model = GPT(tiny())
    with pytest.raises(ValueError, match=message):
        model(torch.tensor([[1, 2, 3]]), targets)
