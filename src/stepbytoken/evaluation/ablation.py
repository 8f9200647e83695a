"""Ablations: take a part out of the transformer and measure what breaks.

Chapter 5 removes the residual connections, the norms, or both (``GPTConfig.residual`` and
``use_norm``). :func:`depth_profile` measures an untrained model's signal and gradient at every
depth; :func:`compare_variants` trains each variant on the same batches; :func:`unigram_loss`
is the yardstick, a model that ignores context.

Introduced in chapter 5.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from stepbytoken.checks import check_choice, check_int, check_tensor, check_token_ids
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.training import TrainConfig, TrainResult, train

__all__ = [
    "VARIANTS",
    "DepthProfile",
    "ablated_config",
    "depth_profile",
    "compare_variants",
    "unigram_loss",
]

#: The ablations of chapter 5: a name, and the :class:`GPTConfig` switches it changes.
VARIANTS: dict[str, dict[str, bool]] = {
    "full": {},
    "no residual": {"residual": False},
    "no norm": {"use_norm": False},
    "neither": {"residual": False, "use_norm": False},
}


def ablated_config(config: GPTConfig, variant: str) -> GPTConfig:
    """Return a copy of ``config`` with the parts named by ``variant`` taken out.

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        The complete model.
    variant : str
        One of the keys of :data:`VARIANTS`: ``"full"`` (nothing removed), ``"no residual"``,
        ``"no norm"`` or ``"neither"`` (both removed).

    Returns
    -------
    GPTConfig
        A new configuration; ``config`` itself is not changed.

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`GPTConfig`.
    ValueError
        If ``variant`` is not one of the names in :data:`VARIANTS`.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=10, block_size=8, n_layer=2, n_head=2, d_model=8)
    >>> small = ablated_config(config, "no norm")
    >>> small.use_norm, small.residual, config.use_norm
    (False, True, True)
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    check_choice("variant", variant, tuple(VARIANTS))
    return dataclasses.replace(config, **VARIANTS[variant])


@dataclass(frozen=True)
class DepthProfile:
    """What flows through a freshly initialised model, block by block.

    Introduced in chapter 5.

    Attributes
    ----------
    loss : float
        Cross-entropy of the untrained model on the batch, in nats per token.
    stream_rms : list of float
        Root-mean-square size of the residual stream: first after the embeddings (the input of
        block 1), then after each block; ``n_layer + 1`` entries.
    grad_norms : list of float
        Norm of the gradient of the loss with respect to all parameters of each block, from
        block 1 (next to the embeddings) to block ``n_layer`` (next to the output head).
    """

    loss: float
    stream_rms: list[float]
    grad_norms: list[float]


def depth_profile(
    config: GPTConfig, idx: Tensor, targets: Tensor, *, seed: int = 0
) -> DepthProfile:
    """Measure the signal and the gradient at every depth of an untrained ``GPT(config)``.

    One forward pass on ``idx`` and one backward pass from the loss on ``targets``, without
    training and without the global random state.

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        The model to build (e.g. from :func:`ablated_config`).
    idx : Tensor
        Token ids, shape ``(B, T)`` with ``T <= config.block_size``.
    targets : Tensor
        The next tokens, same shape as ``idx``.
    seed : int, default 0
        Seed of the model's initialisation.

    Returns
    -------
    DepthProfile
        The loss, the size of the residual stream after each block, and the gradient norm of
        each block.

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`GPTConfig`, or ``idx``/``targets`` are not integer
        tensors.
    ValueError
        If ``idx`` and ``targets`` do not fit the model (see :meth:`GPT.forward`).

    Examples
    --------
    >>> config = GPTConfig(vocab_size=20, block_size=8, n_layer=3, n_head=2, d_model=16)
    >>> idx = torch.arange(16).view(2, 8) % 20
    >>> profile = depth_profile(config, idx, (idx + 1) % 20)
    >>> len(profile.stream_rms), len(profile.grad_norms)
    (4, 3)
    >>> dead = depth_profile(ablated_config(config, "neither"), idx, (idx + 1) % 20)
    >>> dead.stream_rms[-1] < 1e-6 < profile.stream_rms[-1]  # the signal dies on the way up
    True
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    if targets is None:
        raise TypeError("targets must be a tensor of next-token ids, got None")
    model = GPT(config, seed=seed)
    _, loss = model(idx, targets)
    assert loss is not None  # targets were given
    loss.backward()
    with torch.no_grad():
        # n_layer + 1 of (B, T, C)
        states = model.hidden_states(idx, include_embeddings=True)
    stream_rms = [float(h.pow(2).mean().sqrt()) for h in states]
    grad_norms = []
    for block in model.blocks:
        squares = [
            p.grad.pow(2).sum() for p in block.parameters() if p.grad is not None
        ]
        grad_norms.append(float(torch.stack(squares).sum().sqrt()) if squares else 0.0)
    return DepthProfile(
        loss=float(loss.detach()), stream_rms=stream_rms, grad_norms=grad_norms
    )


def compare_variants(
    config: GPTConfig,
    train_data: Tensor,
    val_data: Tensor,
    train_config: TrainConfig,
    *,
    variants: Sequence[str] = ("full", "no residual", "no norm"),
    seed: int = 0,
) -> dict[str, TrainResult]:
    """Train one model per variant on the same data, batches and seeds; return the runs.

    Every variant starts from ``GPT(ablated_config(config, variant), seed=seed)`` and is
    trained by :func:`~stepbytoken.training.loop.train` with ``train_config``: the runs see
    the same batches in the same order and differ only in the parts that were removed.

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        The complete model.
    train_data, val_data : Tensor
        1-D integer tensors of token ids, each longer than the block size.
    train_config : TrainConfig
        Steps, batch size, learning rate and the other settings, shared by all runs.
    variants : sequence of str, default ("full", "no residual", "no norm")
        Names from :data:`VARIANTS`, trained in this order.
    seed : int, default 0
        Seed of every model's initialisation.

    Returns
    -------
    dict of str to TrainResult
        One training history per variant, in the order given.

    Raises
    ------
    TypeError
        If ``config`` or ``train_config`` has the wrong type.
    ValueError
        If ``variants`` is empty, repeats a name, or names an unknown variant (and as
        :func:`~stepbytoken.training.loop.train` for bad data).

    Examples
    --------
    >>> config = GPTConfig(vocab_size=8, block_size=8, n_layer=2, n_head=2, d_model=16)
    >>> data = torch.arange(400) % 8
    >>> settings = TrainConfig(steps=10, batch_size=4, lr=1e-2, eval_every=10, eval_batches=1)
    >>> runs = compare_variants(
    ...     config, data[:300], data[300:], settings, variants=["full", "no norm"]
    ... )
    >>> list(runs)
    ['full', 'no norm']
    >>> runs["full"].final_val_loss < runs["full"].eval_val_loss[0]  # it learned something
    True
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    if not isinstance(train_config, TrainConfig):
        raise TypeError(
            f"train_config must be a TrainConfig, got {type(train_config).__name__}"
        )
    if isinstance(variants, str):
        raise TypeError("variants must be a sequence of names, not a single str")
    variants = list(variants)
    if not variants:
        raise ValueError(f"variants must name at least one of {', '.join(VARIANTS)}")
    if len(set(variants)) != len(variants):
        raise ValueError(f"variants must not repeat a name, got {variants}")
    # checks the names
    configs = {name: ablated_config(config, name) for name in variants}
    return {
        name: train(GPT(variant_config, seed=seed), train_data, val_data, train_config)
        for name, variant_config in configs.items()
    }


def unigram_loss(train_data: Tensor, val_data: Tensor, vocab_size: int) -> float:
    """Cross-entropy on ``val_data`` of a model that ignores context: token frequencies only.

    Each token's probability is its count in ``train_data`` plus one (add-one smoothing, so
    that no token gets probability zero), divided by the total. A language model that has
    learned nothing about context cannot do better than this on average.

    Introduced in chapter 5.

    Parameters
    ----------
    train_data, val_data : Tensor
        1-D integer tensors of token ids in ``[0, vocab_size)``; neither may be empty.
    vocab_size : int
        Number of distinct token ids.

    Returns
    -------
    float
        The mean negative log-probability of the ``val_data`` tokens, in nats per token.

    Raises
    ------
    TypeError
        If the data are not integer tensors or ``vocab_size`` is not an int.
    ValueError
        If the data are empty, not 1-D, or hold ids outside ``[0, vocab_size)``.

    Examples
    --------
    >>> train_data = torch.tensor([0, 0, 0, 1])  # counts 3 and 1, plus one: p = 4/6 and 2/6
    >>> round(unigram_loss(train_data, torch.tensor([0, 1]), vocab_size=2), 4)
    0.752
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    for name, data in (("train_data", train_data), ("val_data", val_data)):
        check_tensor(name, data, dims=1, integer=True)
        if data.numel() == 0:
            raise ValueError(f"{name} must hold at least one token id")
        check_token_ids(name, data, vocab_size)
    # (V,)
    counts = torch.bincount(train_data.long(), minlength=vocab_size).double() + 1.0
    log_probs = counts.log() - math.log(float(counts.sum()))  # (V,)
    return float(-log_probs[val_data.long()].mean())
