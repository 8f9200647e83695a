"""The optimiser: AdamW, with weight decay on weight matrices only, and its update by hand.

Introduced in chapter 6.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from stepbytoken.checks import check_float, check_tensor

__all__ = ["adamw_by_hand", "configure_optimizer"]


def _check_betas_eps(betas: object, eps: object) -> tuple[tuple[float, float], float]:
    """``betas`` as two floats in ``[0, 1)`` and ``eps`` as a finite float > 0, or raise."""
    if isinstance(betas, str | bytes) or not isinstance(betas, Sequence):
        raise TypeError(f"betas must be two numbers in [0, 1), got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
    beta1, beta2 = (
        check_float(f"betas[{i}]", b, minimum=0, maximum=1, open_maximum=True)
        for i, b in enumerate(betas)
    )
    return (beta1, beta2), check_float("eps", eps, minimum=0, open_minimum=True)


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
    betas : tuple of float, default (0.9, 0.95)
        Decay rates of AdamW's two moving averages, each in ``[0, 1)``.
    eps : float, default 1e-8
        Added to AdamW's denominator (> 0, finite).

    Returns
    -------
    torch.optim.AdamW
        ``param_groups[0]`` the decayed parameters, ``param_groups[1]`` the others; an empty
        group is left out.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a module, has no trainable parameters, or ``lr``,
        ``weight_decay``, ``betas`` or ``eps`` is out of range.

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
    betas, eps = _check_betas_eps(betas, eps)
    in_embedding = {
        id(p)
        for m in model.modules()
        if isinstance(m, nn.Embedding)
        for p in m.parameters()
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
    # foreach: one call updates every tensor, on the CPU too (its default there is a Python loop
    # over the tensors); the same arithmetic, so the same weights, in less time for small models
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps, foreach=True)


def adamw_by_hand(
    weight: torch.Tensor,
    grads: Sequence[torch.Tensor],
    *,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.95),
    eps: float = 1e-8,
) -> torch.Tensor:
    """Apply AdamW's update to ``weight`` once per gradient in ``grads``, written out by hand.

    The moments ``m`` and ``v`` start at zero; step ``t = 1, 2, ...`` updates them, corrects
    their bias towards zero, shrinks the weight by ``lr * weight_decay`` (decoupled weight
    decay, as ``torch.optim.AdamW`` applies it) and moves it by ``lr * m_hat / (sqrt(v_hat) +
    eps)``. With the same arguments the result matches ``torch.optim.AdamW`` to rounding error.

    Introduced in chapter 6.

    Parameters
    ----------
    weight : torch.Tensor
        The starting weight, a floating-point tensor (not changed).
    grads : sequence of torch.Tensor
        One gradient per step, each of ``weight``'s shape.
    lr : float
        Learning rate (> 0), the same at every step.
    weight_decay : float
        Decoupled weight decay (>= 0).
    betas : tuple of float, default (0.9, 0.95)
        Decay rates of the two moving averages, each in ``[0, 1)``.
    eps : float, default 1e-8
        Added to the denominator (> 0).

    Returns
    -------
    torch.Tensor
        The weight after ``len(grads)`` steps.

    Raises
    ------
    TypeError, ValueError
        If a tensor has the wrong type, dtype or shape, or a number is out of range.

    Examples
    --------
    The first step moves every entry by about ``lr`` against the sign of its gradient:

    >>> w = adamw_by_hand(torch.zeros(2), [torch.tensor([3.0, -0.5])], lr=0.1, weight_decay=0.0)
    >>> [round(v, 4) for v in w.tolist()]
    [-0.1, 0.1]
    """
    weight = check_tensor("weight", weight, integer=False)
    lr = check_float("lr", lr, minimum=0, open_minimum=True)
    weight_decay = check_float("weight_decay", weight_decay, minimum=0)
    (beta1, beta2), eps = _check_betas_eps(betas, eps)
    for g in grads:
        check_tensor("a gradient", g, integer=False)
        if g.shape != weight.shape:
            raise ValueError(
                f"each gradient must have the weight's shape {tuple(weight.shape)}, "
                f"got {tuple(g.shape)}"
            )

    theta = weight.detach().clone()
    m = torch.zeros_like(theta)  # running average of the gradient
    v = torch.zeros_like(theta)  # running average of its square
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)  # both averages start at zero: undo that bias
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * weight_decay * theta  # decoupled weight decay
        theta = theta - lr * m_hat / (v_hat.sqrt() + eps)
    return theta
