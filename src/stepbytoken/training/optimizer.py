"""The optimiser: AdamW, with weight decay on weight matrices only.

Introduced in chapter 6.
"""

from __future__ import annotations

import torch
from torch import nn

from stepbytoken.checks import check_float

__all__ = ["configure_optimizer"]


def configure_optimizer(
    model: nn.Module,
    *,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.95),
    eps: float = 1e-8,
) -> torch.optim.AdamW:
    """AdamW over the model's trainable parameters, with weight decay on weight matrices only.

    Parameters with 2 or more dimensions are decayed, except those of an ``nn.Embedding``
    (and an output layer tied to one); biases and norm gains are not. Shrinking embeddings
    hurts rare tokens; nanoGPT, for instance, decays them anyway.

    Introduced in chapter 6.

    Parameters
    ----------
    model : nn.Module
        The module to train.
    lr : float
        Learning rate (> 0); :func:`~stepbytoken.training.loop.train` sets it at every step.
    weight_decay : float
        Decoupled weight decay of the decayed group (>= 0).
    betas, eps
        Passed to ``torch.optim.AdamW``.

    Returns
    -------
    torch.optim.AdamW
        ``param_groups[0]`` the decayed parameters, ``param_groups[1]`` the others; an empty
        group is left out.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a module, has no trainable parameters, or ``lr`` or
        ``weight_decay`` is out of range.

    Examples
    --------
    >>> model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10))
    >>> optimizer = configure_optimizer(model, lr=1e-3, weight_decay=0.1)
    >>> [(g["weight_decay"], [tuple(p.shape) for p in g["params"]]) for g in optimizer.param_groups]
    [(0.1, [(10, 4)]), (0.0, [(10, 4), (10,)])]
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lr = check_float("lr", lr, minimum=0, open_minimum=True)
    weight_decay = check_float("weight_decay", weight_decay, minimum=0)
    in_embedding = {
        id(p) for m in model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()
    }
    decay, no_decay = [], []
    for p in model.parameters():  # each shared (tied) parameter once
        if not p.requires_grad:
            continue
        if p.dim() >= 2 and id(p) not in in_embedding:
            decay.append(p)
        else:
            no_decay.append(p)
    if not decay and not no_decay:
        raise ValueError("the model has no trainable parameters (requires_grad=True)")
    groups = [
        {"params": params, "weight_decay": wd}
        for params, wd in ((decay, weight_decay), (no_decay, 0.0))
        if params
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)
