"""Reading and editing a GPT's MLP layers with forward hooks.

Three context managers and one function, all working on a :class:`~stepbytoken.nn.GPT`
without changing its code:

- :func:`mlp_activations` returns what one block's MLP computes: its hidden neurons
  (``site="hidden"``, after the GELU) or its output (``site="out"``, what it adds to the
  residual stream);
- :func:`steer` adds ``scale * direction`` to one block's MLP output at every position
  (activation addition, Turner et al. 2023);
- :func:`replace_mlp_output` swaps one block's MLP output for ``fn(output)``, e.g. a sparse
  autoencoder's reconstruction;
- :func:`ablate_heads` sets chosen attention heads' outputs to zero or to given means.

Introduced in chapter 20.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import torch
from torch import Tensor

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_int,
    check_ints,
    check_tensor,
)
from stepbytoken.nn import GPT

__all__ = [
    "ablate_heads",
    "mlp_activations",
    "replace_mlp_output",
    "steer",
    "steered_probability",
]


@contextmanager
def _hooked(handles: list) -> Iterator[None]:
    """Keep the registered hooks for the ``with`` block, then remove them."""
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _block(model: object, layer: object):
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    n = model.config.n_layer
    layer = check_int("layer", layer, minimum=0, maximum=n - 1)
    return model.blocks[layer]


@torch.no_grad()
def mlp_activations(model: GPT, idx: Tensor, layer: int, site: str = "out") -> Tensor:
    """Run ``model`` on ``idx`` and return block ``layer``'s MLP activations.

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    idx : Tensor
        ``(B, T)`` token ids.
    layer : int
        Which block (from 0).
    site : {"out", "hidden"}, default "out"
        The MLP's output ``(B, T, d_model)`` or its neurons after the GELU ``(B, T, d_ff)``.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> model = load_reference().model
    >>> mlp_activations(model, torch.tensor([[1, 2, 3]]), 1, "hidden").shape
    torch.Size([1, 3, 512])
    """
    block = _block(model, layer)
    site = check_choice("site", site, ("out", "hidden"))
    module = block.mlp if site == "out" else block.mlp.gelu
    captured: list[Tensor] = []
    handle = module.register_forward_hook(lambda m, i, out: captured.append(out))
    try:
        model(idx)
    finally:
        handle.remove()
    return captured[0]


def replace_mlp_output(
    model: GPT, layer: int, fn: Callable[[Tensor], Tensor]
) -> AbstractContextManager[None]:
    """Inside the block, block ``layer``'s MLP output ``x`` is replaced by ``fn(x)``.

    Introduced in chapter 20.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> model = load_reference().model
    >>> idx = torch.tensor([[5, 6, 7]])
    >>> with replace_mlp_output(model, 0, lambda x: x):
    ...     same = model(idx)[0]
    >>> bool(torch.equal(same, model(idx)[0]))
    True
    """
    block = _block(model, layer)
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    return _hooked([block.mlp.register_forward_hook(lambda m, i, out: fn(out))])


def steer(
    model: GPT, layer: int, direction: Tensor, scale: float
) -> AbstractContextManager[None]:
    """Inside the block, ``scale * direction`` is added to block ``layer``'s MLP output.

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    layer : int
        Which block (from 0).
    direction : Tensor
        ``(d_model,)`` vector, e.g. a sparse autoencoder feature's decoder column.
    scale : float
        How much of it to add.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> model = load_reference().model
    >>> idx = torch.tensor([[5, 6, 7]])
    >>> with steer(model, 2, torch.ones(128), 0.0):
    ...     same = model(idx)[0]
    >>> bool(torch.allclose(same, model(idx)[0]))
    True
    """
    block = _block(model, layer)
    check_tensor("direction", direction, dims=1, integer=False)
    if direction.shape[0] != model.config.d_model:
        raise ValueError(
            f"direction must have {model.config.d_model} entries, "
            f"got {direction.shape[0]}"
        )
    scale = check_float("scale", scale)
    added = scale * direction.detach()
    return _hooked([block.mlp.register_forward_hook(lambda m, i, out: out + added)])


def ablate_heads(
    model: GPT,
    heads: Iterable[tuple[int, int]],
    means: Tensor | None = None,
) -> AbstractContextManager[None]:
    """Inside the block, the chosen heads' outputs are replaced by zeros or by ``means``.

    A head's output is its slice of the input of the attention's ``c_proj``; with ``means``
    ``(n_layer, T, d_model)`` (e.g. the average over a batch, per position) the slice takes
    its mean value instead of zero (mean ablation).

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    heads : iterable of (layer, head)
        The heads to ablate.
    means : Tensor, optional
        Per-layer, per-position means of ``c_proj``'s input; None ablates to zero.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> model = load_reference().model
    >>> idx = torch.tensor([[5, 6, 7]])
    >>> with ablate_heads(model, [(0, 1)]):
    ...     changed = model(idx)[0]
    >>> bool(torch.equal(changed, model(idx)[0]))
    False
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    n_layer, n_head = model.config.n_layer, model.config.n_head
    d = model.config.d_model // n_head
    if isinstance(heads, (str, bytes)) or not isinstance(heads, Iterable):
        raise TypeError(
            f"heads must be an iterable of (layer, head) pairs, got {heads!r}"
        )
    chosen: dict[int, list[int]] = {}
    for pair in heads:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"heads must hold (layer, head) pairs, got {pair!r}")
        layer = check_int("layer", pair[0], minimum=0, maximum=n_layer - 1)
        head = check_int("head", pair[1], minimum=0, maximum=n_head - 1)
        chosen.setdefault(layer, []).append(head)
    if means is not None:
        check_tensor("means", means, dims=3, integer=False)
        if means.shape[0] != n_layer or means.shape[2] != model.config.d_model:
            raise ValueError(
                f"means must have shape ({n_layer}, T, {model.config.d_model}), "
                f"got {tuple(means.shape)}"
            )

    def hook_for(layer: int) -> Callable:
        def hook(module, inputs):
            (y,) = inputs  # (B, T, C): the heads side by side
            y = y.clone()
            T = y.shape[1]
            for h in chosen[layer]:
                cols = slice(h * d, (h + 1) * d)
                y[:, :, cols] = 0.0 if means is None else means[layer, :T, cols]
            return (y,)

        return hook

    return _hooked(
        [
            model.blocks[layer].attn.c_proj.register_forward_pre_hook(hook_for(layer))
            for layer in chosen
        ]
    )


@torch.no_grad()
def steered_probability(
    model: GPT,
    layer: int,
    direction: Tensor,
    prompts: Sequence[Tensor],
    target_ids: Sequence[int],
    scales: Iterable[float],
) -> list[float]:
    """Probability that the next token is one of ``target_ids``, steered at each scale.

    For each scale, :func:`steer` adds ``scale * direction`` to block ``layer``'s MLP
    output at every position; the result is the total probability of ``target_ids`` after
    the last token of each prompt, averaged over the prompts.

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    layer : int
        Which block's MLP output to steer.
    direction : Tensor
        ``(d_model,)`` direction.
    prompts : sequence of Tensor
        1-D tensors of token ids, of any lengths.
    target_ids : sequence of int
        The ids whose probabilities are summed.
    scales : iterable of float
        The steering scales.

    Returns
    -------
    list of float

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> model = load_reference().model
    >>> p = steered_probability(model, 1, torch.ones(128), [torch.tensor([5, 6])],
    ...                         [7, 8], [0.0, 1.0])
    >>> len(p), all(0 <= v <= 1 for v in p)
    (2, True)
    """
    if not isinstance(prompts, Sequence) or not prompts:
        raise TypeError("prompts must be a non-empty sequence of 1-D id tensors")
    for prompt in prompts:
        check_tensor("prompt", prompt, dims=1, integer=True)
    targets = torch.tensor(
        check_ints("target_ids", target_ids, minimum=0), dtype=torch.long
    )
    if targets.numel() == 0:
        raise ValueError("target_ids must hold at least one id")
    result = []
    for scale in scales:
        total = 0.0
        with steer(model, layer, direction, scale):
            for prompt in prompts:
                logits, _ = model(prompt[None])
                total += float(logits[0, -1].softmax(-1)[targets].sum())
        result.append(total / len(prompts))
    return result
