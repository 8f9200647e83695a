"""Past the trained length: the loss at each position of windows longer than training's.

A GPT trained on windows of ``block_size`` tokens has only seen positions ``0`` to
``block_size - 1``. With a learned position table there is no row for position
``block_size``: the model cannot read further, and a longer text must be cropped. Sinusoidal
and rotary positions are formulas, so :func:`with_block_size` can build the same model with
a longer window, and :func:`loss_by_position` shows what it does with positions it never
trained on.

Introduced in chapter 9.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from stepbytoken.checks import check_int, check_tensor
from stepbytoken.nn.gpt import GPT
from stepbytoken.nn.interface import (
    LanguageModel,
    check_language_model,
    eval_mode,
    model_device,
)

__all__ = ["loss_by_position", "with_block_size"]


def with_block_size(model: GPT, block_size: int) -> GPT:
    """The same GPT (same weights, eval mode) reading windows of ``block_size`` tokens.

    Parameters
    ----------
    model
        A GPT with sinusoidal or rotary positions (any ``block_size``), or with a learned
        table (a shorter window only: its first ``block_size`` rows).
    block_size
        The new window, in tokens (>= 1).

    Returns
    -------
    GPT
        A new model; ``model`` is unchanged.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a learned table asked for more rows than it has.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> config = GPTConfig(vocab_size=9, block_size=4, n_layer=1, n_head=1, d_model=8,
    ...                    positions="rope")
    >>> with_block_size(GPT(config), 8).block_size
    8

    Introduced in chapter 9.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    block_size = check_int("block_size", block_size, minimum=1)
    config = model.config
    state = model.state_dict()
    if config.positions == "learned":
        if block_size > config.block_size:
            raise ValueError(
                f"block_size must be at most {config.block_size} for a learned position "
                f"table (one row per trained position), got {block_size}; crop the text "
                "instead"
            )
        state["wpe.weight"] = state["wpe.weight"][:block_size]
    longer = GPT(dataclasses.replace(config, block_size=block_size))
    longer.load_state_dict(
        state
    )  # sinusoidal and rotary tables are rebuilt, not loaded
    return longer.to(model_device(model)).eval()


def loss_by_position(
    model: LanguageModel, ids: torch.Tensor, length: int
) -> torch.Tensor:
    """The mean next-token loss at each position of windows of ``length`` tokens.

    ``ids`` is cut into consecutive, non-overlapping windows of ``length + 1`` tokens (the
    last one for the target); the model reads each window from its first token, and the
    losses are averaged over windows position by position.

    Parameters
    ----------
    model
        Any model of the book; a GPT's ``block_size`` must be at least ``length``.
    ids
        A 1-D tensor of token ids, at least ``length + 1`` long.
    length
        Tokens the model reads in each window (>= 1).

    Returns
    -------
    torch.Tensor
        Shape ``(length,)``: entry ``t`` is the mean loss (nats) of predicting token
        ``t + 1`` of a window from tokens ``0..t``.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, a text shorter than one window, or a window longer than the
        model reads (use :func:`with_block_size`, which a learned table refuses).

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> model = NGramModel(order=2, vocab_size=3).fit([0, 1, 2] * 5)
    >>> loss_by_position(model, torch.tensor([0, 1, 2] * 3), 4)
    tensor([0.2513, 0.2513, 0.2513, 0.2513])

    Introduced in chapter 9.
    """
    check_language_model(model)
    check_tensor("ids", ids, dims=1, integer=True)
    length = check_int("length", length, minimum=1)
    if isinstance(model, GPT) and length > model.block_size:
        raise ValueError(
            f"the model reads at most block_size={model.block_size} tokens, got "
            f"length={length}; build a longer model with with_block_size"
        )
    n = (len(ids) - 1) // length  # windows; each needs length + 1 tokens
    if n == 0:
        raise ValueError(
            f"ids must hold at least length + 1 = {length + 1} tokens, got {len(ids)}"
        )
    starts = torch.arange(n) * length
    rows = starts[:, None] + torch.arange(length + 1)  # (n, length + 1)
    windows = ids.long().cpu()[rows].to(model_device(model))
    with eval_mode(model), torch.no_grad():
        logits, _ = model(windows[:, :-1])  # (n, length, V)
    loss = F.cross_entropy(
        logits.float().transpose(1, 2), windows[:, 1:], reduction="none"
    )  # (n, length)
    return loss.mean(dim=0).cpu()
