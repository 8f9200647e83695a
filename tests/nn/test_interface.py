"""Tests for stepbytoken.nn.interface: every model of the book follows one interface."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from stepbytoken.nn import (
    GPT,
    GPTConfig,
    LanguageModel,
    MLPLanguageModel,
    NGramModel,
    check_language_model,
    eval_mode,
    model_device,
    restore_modes,
)

V = 7


def every_model() -> dict[str, LanguageModel]:
    config = GPTConfig(vocab_size=V, block_size=8, n_layer=1, n_head=2, d_model=8)
    return {
        "gpt": GPT(config),
        "mlp": MLPLanguageModel(V, context=2, d_embed=4, d_hidden=8),
        "ngram": NGramModel(3, V).fit([0, 1, 2, 3, 4, 5, 6] * 3),
    }


@pytest.mark.parametrize("name", ["gpt", "mlp", "ngram"])
def test_every_model_follows_the_interface(name: str) -> None:
    model = every_model()[name]
    assert isinstance(model, LanguageModel) and check_language_model(model) is model
    assert model.vocab_size == V and isinstance(model.block_size, int)
    idx = torch.tensor([[0, 1, 2], [3, 4, 5]])
    logits, loss = model(idx)
    assert logits.shape == (2, 3, V) and logits.is_floating_point() and loss is None
    targets = torch.tensor([[1, 2, 3], [4, 5, 6]])
    logits, loss = model(idx, targets=targets)
    expected = torch.nn.functional.cross_entropy(
        logits.reshape(-1, V), targets.reshape(-1)
    )
    assert loss.shape == () and loss.item() == pytest.approx(expected.item(), rel=1e-6)


@pytest.mark.parametrize(
    "thing", [nn.Linear(2, 2), lambda idx: idx, "not a model", torch.nn.Embedding(4, 4)]
)
def test_anything_else_is_refused_with_an_explanation(thing: object) -> None:
    assert not isinstance(thing, LanguageModel)
    with pytest.raises(TypeError, match=r"model must be a LanguageModel: model\(idx"):
        check_language_model(thing)


def test_eval_mode_restores_each_submodule_even_after_an_error() -> None:
    model = nn.Sequential(nn.Dropout(0.5), nn.Dropout(0.5))
    model[1].eval()
    with pytest.raises(RuntimeError), eval_mode(model):
        assert not model.training and not model[0].training
        raise RuntimeError
    assert model.training and model[0].training and not model[1].training
    with eval_mode("an n-gram model is left alone"):
        pass


def test_restore_modes_undoes_any_change() -> None:
    model = nn.Sequential(nn.Dropout(0.5), nn.Dropout(0.5).eval())
    with restore_modes(model):
        model.train()
        assert model[1].training
    assert model.training and not model[1].training


def test_model_device() -> None:
    assert model_device(nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(NGramModel(2, 3)) == torch.device("cpu")
    buffers_only = nn.Module()
    buffers_only.register_buffer("table", torch.zeros(2, device="meta"))
    assert model_device(buffers_only) == torch.device("meta")
