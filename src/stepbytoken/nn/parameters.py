"""Counting parameters: worked out from a configuration, and counted on a real model.

Introduced in chapter 5.
"""

from __future__ import annotations

from torch import nn

from stepbytoken.nn.gpt import GPTConfig

__all__ = ["parameter_breakdown", "parameter_count", "count_parameters"]


def parameter_breakdown(config: GPTConfig) -> dict[str, int]:
    """Return the parameters of ``GPT(config)`` per part, worked out term by term.

    With ``C = d_model``, ``F = d_ff``, ``V = vocab_size``, ``L = n_layer`` and ``b`` = 1 with
    biases, 0 without::

        token embedding   V * C
        positions         block_size * C                  (learned positions only)
        attention         L * (C * 3C + 3bC  +  C * C + bC)   c_attn and c_proj
        MLP               L * (C * F + bF  +  F * C + bC)     c_fc and c_proj (GELU)
                          L * (2 * (C * F + bF)  +  F * C + bC)  c_gate, c_fc, c_proj (SwiGLU)
        norms             (2L + 1) * (C + bC)  for LayerNorm, (2L + 1) * C for RMSNorm
        output head       V * C                           (0 when tied to the embedding)

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        The model configuration.

    Returns
    -------
    dict of str to int
        ``{"token embedding", "positions", "attention", "MLP", "norms", "output head"}`` to
        their number of distinct trainable parameters (tied weights counted once).

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`~stepbytoken.nn.gpt.GPTConfig`.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, d_model=2)
    >>> parameter_breakdown(config)  # doctest: +NORMALIZE_WHITESPACE
    {'token embedding': 20, 'positions': 8, 'attention': 24, 'MLP': 42, 'norms': 12,
     'output head': 0}
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    C, V, L = config.d_model, config.vocab_size, config.n_layer
    F_ = config.d_ff
    assert F_ is not None  # set by GPTConfig.__post_init__
    b = 1 if config.bias else 0
    # SwiGLU widens twice: the gate and the values
    widen = 2 if config.mlp == "swiglu" else 1
    if not config.use_norm:
        norm = 0
    elif config.norm == "layernorm":
        norm = C + b * C  # gain, and a bias when bias=True
    else:
        norm = C  # RMSNorm: gain only
    return {
        "token embedding": V * C,
        "positions": config.block_size * C if config.positions == "learned" else 0,
        "attention": L * ((C * 3 * C + b * 3 * C) + (C * C + b * C)),
        "MLP": L * (widen * (C * F_ + b * F_) + (F_ * C + b * C)),
        "norms": (2 * L + 1) * norm,  # two per block and the final one
        "output head": 0 if config.tie_weights else V * C,
    }


def parameter_count(config: GPTConfig) -> int:
    """Return the number of parameters of ``GPT(config)``: the sum of :func:`parameter_breakdown`.

    Introduced in chapter 5.

    Examples
    --------
    >>> parameter_count(GPTConfig.gpt2_small())
    124439808
    """
    return sum(parameter_breakdown(config).values())


def count_parameters(model: nn.Module) -> int:
    """Count the distinct parameters of ``model`` (a tensor shared by two layers counts once).

    Introduced in chapter 5.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.

    Examples
    --------
    >>> count_parameters(nn.Linear(3, 2))  # 3 * 2 weights + 2 biases
    8
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    unique = {id(p): p for p in model.parameters()}
    return sum(p.numel() for p in unique.values())
