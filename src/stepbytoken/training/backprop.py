"""Backpropagation by hand: the gradients of a two-layer network, worked out with the chain rule.

:func:`mlp_loss` is a small network with a softmax and cross-entropy, differentiable with
autograd; :func:`mlp_gradients_by_hand` derives the same gradients without it, so the two can
be compared.

Introduced in chapter 6.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from stepbytoken.checks import check_tensor

__all__ = ["mlp_loss", "mlp_gradients_by_hand"]


def _check_mlp(
    x: object, targets: object, w1: object, b1: object, w2: object, b2: object
) -> None:
    tensors = {"x": x, "targets": targets, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    for name, t in tensors.items():
        check_tensor(name, t)
    if x.dim() != 2 or targets.dim() != 1 or len(targets) != len(x):
        raise ValueError(
            f"x must have shape (N, d_in) and targets shape (N,), got {tuple(x.shape)} "
            f"and {tuple(targets.shape)}"
        )
    check_tensor("targets", targets, integer=True)
    d_in, d_hidden, n_out = x.shape[1], w1.shape[-1], w2.shape[-1]
    expected = {
        "w1": (d_in, d_hidden),
        "b1": (d_hidden,),
        "w2": (d_hidden, n_out),
        "b2": (n_out,),
    }
    for name, shape in expected.items():
        if tuple(tensors[name].shape) != shape:
            raise ValueError(
                f"{name} must have shape {shape}, got {tuple(tensors[name].shape)}"
            )
    if len(targets) and (targets.min() < 0 or targets.max() >= n_out):
        raise ValueError(f"targets must be class ids in [0, {n_out - 1}]")


def mlp_loss(
    x: torch.Tensor,
    targets: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> torch.Tensor:
    """Mean cross-entropy of a two-layer network: ``softmax(tanh(x w1 + b1) w2 + b2)``.

    Introduced in chapter 6.

    Parameters
    ----------
    x
        Inputs, shape ``(N, d_in)``.
    targets
        The right class of each input, integer ids of shape ``(N,)`` in ``[0, n_out)``.
    w1, b1
        First layer, shapes ``(d_in, d_hidden)`` and ``(d_hidden,)``.
    w2, b2
        Second layer, shapes ``(d_hidden, n_out)`` and ``(n_out,)``.

    Returns
    -------
    torch.Tensor
        The scalar loss, in nats (differentiable with autograd).

    Raises
    ------
    TypeError, ValueError
        If an argument is not a tensor or the shapes do not fit together.

    Examples
    --------
    With every weight at zero the network gives each of the 4 classes probability 1/4:

    >>> z = torch.zeros
    >>> loss = mlp_loss(torch.ones(2, 3), torch.tensor([0, 3]), z(3, 5), z(5), z(5, 4), z(4))
    >>> round(loss.item(), 4)  # ln 4
    1.3863
    """
    _check_mlp(x, targets, w1, b1, w2, b2)
    h = torch.tanh(x @ w1 + b1)  # (N, d_in) -> (N, d_hidden)
    logits = h @ w2 + b2  # (N, d_hidden) -> (N, n_out)
    return F.cross_entropy(logits, targets)


def mlp_gradients_by_hand(
    x: torch.Tensor,
    targets: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The gradients of :func:`mlp_loss`, worked out with the chain rule, without autograd.

    A forward pass keeps what the backward pass needs (``h`` and ``probs``); the backward
    pass then goes through the layers in reverse, turning the gradient with respect to each
    layer's output into gradients for its weights and for its input:

    * softmax with cross-entropy: ``dlogits = (probs - one_hot(targets)) / N``;
    * a linear layer ``out = h w2 + b2``: ``dw2 = h.T dlogits``, ``db2`` = column sums of
      ``dlogits``, and ``dh = dlogits w2.T``;
    * ``tanh``: its derivative is ``1 - tanh**2``, so ``dpre = dh * (1 - h**2)``;
    * the first layer like the second: ``dw1 = x.T dpre``, ``db1`` = column sums of ``dpre``.

    Introduced in chapter 6.

    Parameters
    ----------
    x, targets, w1, b1, w2, b2
        As in :func:`mlp_loss`.

    Returns
    -------
    dict[str, torch.Tensor]
        ``{"w1": ..., "b1": ..., "w2": ..., "b2": ...}``, each of its parameter's shape.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a tensor or the shapes do not fit together.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> x, t = torch.randn(4, 3, generator=g), torch.tensor([0, 1, 1, 0])
    >>> grads = mlp_gradients_by_hand(x, t, torch.randn(3, 5, generator=g), torch.zeros(5),
    ...                               torch.randn(5, 2, generator=g), torch.zeros(2))
    >>> {name: tuple(grad.shape) for name, grad in grads.items()}
    {'w1': (3, 5), 'b1': (5,), 'w2': (5, 2), 'b2': (2,)}
    """
    _check_mlp(x, targets, w1, b1, w2, b2)
    with torch.no_grad():
        # forward, keeping the intermediate values
        h = torch.tanh(x @ w1 + b1)  # (N, d_hidden)
        probs = torch.softmax(h @ w2 + b2, dim=-1)  # (N, n_out)
        # backward, from the loss to the inputs of each layer
        dlogits = (probs - F.one_hot(targets, probs.shape[-1]).to(probs.dtype)) / len(x)
        dw2 = h.T @ dlogits  # (d_hidden, N) @ (N, n_out)
        db2 = dlogits.sum(dim=0)
        dh = dlogits @ w2.T  # (N, n_out) @ (n_out, d_hidden)
        dpre = dh * (1 - h**2)  # through tanh
        dw1 = x.T @ dpre  # (d_in, N) @ (N, d_hidden)
        db1 = dpre.sum(dim=0)
    return {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
