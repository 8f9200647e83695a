"""Tests for stepbytoken.training.optimizer: which parameters AdamW decays."""

from __future__ import annotations

import pytest
from torch import nn

from stepbytoken.training import configure_optimizer


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
