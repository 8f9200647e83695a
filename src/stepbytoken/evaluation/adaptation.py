"""What specialising a model costs, measured: training memory and the share of an update.

:func:`~stepbytoken.nn.lora.optimizer_memory` predicts by arithmetic the bytes that training
keeps besides the weights; :func:`measured_training_bytes` takes one real AdamW step and
adds up the tensors it kept. :func:`top_rank_energy` reads the singular values of a weight
update (:func:`~stepbytoken.nn.lora.update_spectrum`): how much of it the best rank-``r``
matrix holds.

Introduced in chapter 14.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from stepbytoken.checks import check_instance, check_int
from stepbytoken.training import configure_optimizer, get_batch

__all__ = ["measured_training_bytes", "top_rank_energy"]


def measured_training_bytes(
    model: nn.Module, data: Tensor, *, batch_size: int = 4, block_size: int = 32
) -> int:
    """Take one AdamW step on a copy of ``model`` and count the bytes of what it kept.

    Counted: the gradient of every trainable parameter and the optimizer's state tensors
    with as many numbers as their parameter (AdamW's ``exp_avg`` and ``exp_avg_sq``); the
    one-number step counters are left out. Frozen parameters get neither, which is what
    LoRA saves. ``model`` itself is not changed.

    Introduced in chapter 14.

    Parameters
    ----------
    model : nn.Module
        A language model mapping ``(idx, targets)`` to ``(logits, loss)``.
    data : Tensor
        Token ids to draw one batch from (1-D, longer than ``block_size``).
    batch_size, block_size : int
        Shape of the batch (each >= 1).

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not an ``nn.Module``, has no trainable parameters, or an argument
        is out of range.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> from stepbytoken.nn.lora import optimizer_memory, trainable_share
    >>> model = GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=2, d_model=8))
    >>> data = torch.arange(40) % 10
    >>> measured = measured_training_bytes(model, data, block_size=8)
    >>> measured == optimizer_memory(trainable_share(model)[0])
    True
    """
    check_instance("model", model, nn.Module)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    block_size = check_int("block_size", block_size, minimum=1)
    copied = copy.deepcopy(model).train()
    if not any(p.requires_grad for p in copied.parameters()):
        raise ValueError("model has no trainable parameters")
    optimizer = configure_optimizer(copied, lr=1e-3, weight_decay=0.0)
    x, y = get_batch(data, batch_size, block_size, torch.Generator().manual_seed(0))
    _, loss = copied(x, y)
    loss.backward()
    optimizer.step()
    total = 0
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                total += p.grad.numel() * p.grad.element_size()
            for state in optimizer.state[p].values():
                if isinstance(state, Tensor) and state.numel() == p.numel():
                    total += state.numel() * state.element_size()
    return total


def top_rank_energy(singular_values: Tensor, rank: int) -> float:
    """Return the share of a matrix's squared size that its best rank-``rank`` copy keeps.

    For singular values ``s`` (largest first), ``sum(s[:rank]**2) / sum(s**2)``: by the
    Eckart-Young theorem, no matrix of rank ``rank`` comes closer (in the Frobenius norm).

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If ``singular_values`` is not a non-empty 1-D tensor of numbers >= 0 with a
        positive sum, or ``rank`` is not an int >= 1.

    Examples
    --------
    >>> top_rank_energy(torch.tensor([3.0, 1.0, 0.0]), 1)  # 9 / (9 + 1)
    0.9
    """
    if not isinstance(singular_values, Tensor):
        raise TypeError(
            f"singular_values must be a torch.Tensor, got {type(singular_values).__name__}"
        )
    rank = check_int("rank", rank, minimum=1)
    s = singular_values.detach().double()
    if s.dim() != 1 or s.numel() == 0 or not bool((s >= 0).all()):
        raise ValueError(
            "singular_values must be a non-empty 1-D tensor of numbers >= 0"
        )
    energy = s.pow(2)
    if not float(energy.sum()) > 0:
        raise ValueError("singular_values must not all be zero")
    s_sorted = energy.sort(descending=True).values
    return float(s_sorted[:rank].sum() / s_sorted.sum())
