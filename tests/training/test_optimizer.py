"""Tests for stepbytoken.training.optimizer: which parameters AdamW decays, and AdamW by hand."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stepbytoken.training import adamw_by_hand, configure_optimizer


class TinyLM(nn.Module):
    """Embedding, LayerNorm and a linear head: one parameter of each kind."""

    def __init__(self) -> None:
        super().__init__()
        self.wte = nn.Embedding(8, 16)
        self.ln = nn.LayerNorm(16)
        self.head = nn.Linear(16, 8)


def test_weight_decay_only_on_weight_matrices():
    model = TinyLM()
    model.tied = nn.Linear(16, 8, bias=False)
    # a tied output layer is an embedding: no decay
    model.tied.weight = model.wte.weight
    optimizer = configure_optimizer(model, lr=1e-3, weight_decay=0.1)
    decay, no_decay = optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert {id(p) for p in decay["params"]} == {id(model.head.weight)}
    expected = {
        id(model.wte.weight),
        id(model.ln.weight),
        id(model.ln.bias),
        id(model.head.bias),
    }
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


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("betas", [(0.9, 0.95), (0.5, 0.999)])
def test_adamw_by_hand_matches_torch(weight_decay, betas):
    g = torch.Generator().manual_seed(0)
    start = torch.randn(4, 3, generator=g, dtype=torch.float64)
    grads = [torch.randn(4, 3, generator=g, dtype=torch.float64) for _ in range(6)]
    by_hand = adamw_by_hand(
        start, grads, lr=0.05, weight_decay=weight_decay, betas=betas
    )

    w = start.clone().requires_grad_(True)
    optimizer = torch.optim.AdamW(
        [w], lr=0.05, weight_decay=weight_decay, betas=betas, eps=1e-8
    )
    for grad in grads:
        w.grad = grad.clone()
        optimizer.step()
    torch.testing.assert_close(by_hand, w.detach(), rtol=0, atol=1e-12)
    assert not torch.equal(by_hand, start)  # it moved
    assert torch.equal(start, start.clone())  # and the start tensor was left alone


def test_adamw_by_hand_first_step_is_lr_against_the_sign():
    grad = torch.tensor([1e3, -1e-3, 2.0])
    w = adamw_by_hand(torch.zeros(3), [grad], lr=0.01, weight_decay=0.0, eps=1e-12)
    torch.testing.assert_close(w, -0.01 * grad.sign())


def test_adamw_by_hand_decay_shrinks_weights_without_gradient():
    w = adamw_by_hand(torch.ones(2), [torch.zeros(2)] * 3, lr=0.1, weight_decay=0.5)
    torch.testing.assert_close(w, torch.full((2,), 0.95**3))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"weight": torch.zeros(2, dtype=torch.long)}, ValueError, "floating"),
        ({"grads": [torch.zeros(3)]}, ValueError, "shape"),
        ({"lr": 0.0}, ValueError, "lr must be"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay"),
        ({"betas": (0.9, 1.0)}, ValueError, "betas"),
        ({"betas": (0.9,)}, ValueError, "two numbers"),
        ({"eps": 0.0}, ValueError, "eps"),
        ({"weight": [0.0, 0.0]}, TypeError, "torch.Tensor"),
    ],
)
def test_adamw_by_hand_rejects_bad_arguments(kwargs, error, match):
    args = {
        "weight": torch.zeros(2),
        "grads": [torch.ones(2)],
        "lr": 0.1,
        "weight_decay": 0.1,
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        adamw_by_hand(**args)


def test_configured_adamw_updates_exactly_as_the_per_tensor_loop():
    # configure_optimizer asks for foreach=True (one call for all tensors); on the CPU it must
    # give bit for bit the weights of PyTorch's default there, a loop over the tensors.
    def run(make):
        model = torch.nn.Sequential(torch.nn.Embedding(7, 4), torch.nn.Linear(4, 7))
        torch.manual_seed(0)
        for p in model.parameters():
            p.data.normal_()
        optimizer = make(model)
        x = torch.arange(7)
        for _ in range(5):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), (x + 1) % 7).backward()
            optimizer.step()
        return [p.detach().clone() for p in model.parameters()]

    configured = run(lambda m: configure_optimizer(m, lr=0.1, weight_decay=0.1))
    assert configure_optimizer(
        torch.nn.Linear(2, 2), lr=0.1, weight_decay=0.1
    ).defaults["foreach"]
    looped = run(
        lambda m: torch.optim.AdamW(
            [
                {"params": [m[1].weight], "weight_decay": 0.1},
                {"params": [m[0].weight, m[1].bias], "weight_decay": 0.0},
            ],
            lr=0.1,
            betas=(0.9, 0.95),
            eps=1e-8,
            foreach=False,
        )
    )
    assert all(torch.equal(a, b) for a, b in zip(configured, looped, strict=True))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"betas": None}, TypeError, "betas must be two numbers in"),
        ({"betas": "ab"}, TypeError, "betas must be two numbers in"),
        ({"betas": []}, ValueError, "betas must be two numbers in"),
        (
            {"betas": (0.9, float("nan"))},
            ValueError,
            r"betas\[1\] must be a finite number",
        ),
        ({"betas": (0.9, None)}, TypeError, r"betas\[1\] must be a finite number"),
        (
            {"betas": (1.0, 0.9)},
            ValueError,
            r"betas\[0\] must be a finite number in \[0, 1\)",
        ),
        ({"eps": None}, TypeError, "eps must be a finite number > 0"),
        ({"eps": True}, TypeError, "eps must be a finite number > 0"),
        ({"eps": -1}, ValueError, "eps must be a finite number > 0"),
        ({"eps": float("nan")}, ValueError, "eps must be a finite number > 0"),
        ({"eps": float("inf")}, ValueError, "eps must be a finite number > 0"),
    ],
)
def test_configure_optimizer_refuses_bad_betas_and_eps(kwargs, error, match):
    with pytest.raises(error, match=match):
        configure_optimizer(nn.Linear(2, 2), lr=1e-3, weight_decay=0.1, **kwargs)


def test_configure_optimizer_passes_betas_and_eps_on():
    opt = configure_optimizer(
        nn.Linear(2, 2), lr=1e-3, weight_decay=0.1, betas=[0.8, 0.9], eps=1
    )
    assert opt.defaults["betas"] == (0.8, 0.9) and opt.defaults["eps"] == 1.0
