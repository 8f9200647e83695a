"""The one interface every language model of the book follows, and how to run one.

A language model maps token ids ``idx`` of shape ``(B, T)`` to next-token ``logits`` of shape
``(B, T, vocab_size)``; given ``targets`` it also returns the mean cross-entropy ``loss``.
Training, generation and evaluation call every model, from the n-gram counts of chapter 1 to
the GPT, through this one call.

Introduced in chapter 1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

__all__ = [
    "LanguageModel",
    "check_language_model",
    "eval_mode",
    "model_device",
    "restore_modes",
]


@runtime_checkable
class LanguageModel(Protocol):
    """What the book calls a language model: ``model(idx, targets=None) -> (logits, loss)``.

    ``logits`` has shape ``(B, T, vocab_size)``: position ``t`` scores the token that follows
    ``idx[:, : t + 1]``. ``loss`` is the mean cross-entropy against ``targets`` (same shape as
    ``idx``), or ``None`` without targets. ``block_size`` is how many previous tokens a
    prediction reads (callers crop longer inputs to it); ``None`` means no limit.

    Introduced in chapter 1.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 2, 0, 1, 2])
    >>> isinstance(model, LanguageModel), model.block_size, model.vocab_size
    (True, 1, 3)
    >>> logits, loss = model(torch.tensor([[0, 1]]))
    >>> tuple(logits.shape), loss
    ((1, 2, 3), None)
    """

    vocab_size: int
    block_size: int | None

    def __call__(
        self, idx: Tensor, targets: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Logits ``(B, T, vocab_size)`` for ``idx`` ``(B, T)``, and the loss."""
        ...


@contextlib.contextmanager
def restore_modes(model: object) -> Iterator[None]:
    """On exit, put every submodule of ``model`` back in the train/eval mode it had on entry.

    Introduced in chapter 6.

    Examples
    --------
    >>> model = nn.Sequential(nn.Dropout(0.5))
    >>> with restore_modes(model):
    ...     _ = model.eval()
    >>> model.training
    True
    """
    if not isinstance(model, nn.Module):
        yield
        return
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


@contextlib.contextmanager
def eval_mode(model: object) -> Iterator[None]:
    """Put a module and all its submodules in eval mode, then restore each one's own mode.

    Anything that is not an ``nn.Module`` (an n-gram model) is left alone.

    Introduced in chapter 6.

    Examples
    --------
    >>> model = nn.Sequential(nn.Dropout(0.5), nn.Dropout(0.5).eval())
    >>> with eval_mode(model):
    ...     print(model.training)
    False
    >>> model.training, model[1].training
    (True, False)
    """
    with restore_modes(model):
        if isinstance(model, nn.Module):
            model.eval()
        yield


def model_device(model: object) -> torch.device:
    """The device of a model's first parameter (or buffer); the CPU if it has none.

    Introduced in chapter 6.

    Examples
    --------
    >>> model_device(nn.Linear(2, 2))
    device(type='cpu')
    """
    if isinstance(model, nn.Module):
        for tensor in model.parameters():
            return tensor.device
        for tensor in model.buffers():
            return tensor.device
    return torch.device("cpu")


def check_language_model(model: object) -> LanguageModel:
    """Return ``model`` if it follows :class:`LanguageModel`, else raise a ``TypeError``.

    Introduced in chapter 6.

    Examples
    --------
    >>> check_language_model(nn.Linear(2, 2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: model must be a LanguageModel: model(idx, targets=None) -> (logits, loss), ...
    """
    if not isinstance(model, LanguageModel):
        raise TypeError(
            "model must be a LanguageModel: model(idx, targets=None) -> (logits, loss), "
            f"with vocab_size and block_size attributes; got {type(model).__name__}"
        )
    return model
