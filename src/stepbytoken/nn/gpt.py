"""The GPT model: a stack of attention and MLP blocks on a residual stream.

This module is chapter 5 in code, read top to bottom:

1. :class:`GPTConfig`, every size and switch of the model in one validated dataclass;
2. the parts of a block: :class:`RMSNorm` (next to PyTorch's ``LayerNorm``), :class:`MLP`
   and :class:`Block`, which adds attention (from :mod:`stepbytoken.nn.attention`) and the MLP
   onto the residual stream;
3. :class:`GPT`, which embeds tokens and positions, runs the blocks, and reads out logits;
4. :func:`parameter_count`, the number of parameters worked out on paper, and
   :func:`count_parameters`, the same number counted on a real model.

Switches that a real GPT never turns off (``residual``, ``use_norm``) exist so that chapter 5
can show what goes wrong without them.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.nn.attention import MultiHeadAttention, RotaryEmbedding, sinusoidal_positions

__all__ = [
    "GPTConfig",
    "RMSNorm",
    "MLP",
    "Block",
    "GPT",
    "parameter_count",
    "count_parameters",
]

NORMS = ("layernorm", "rmsnorm")
POSITIONS = ("learned", "sinusoidal", "rope")


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


@dataclass
class GPTConfig:
    """Sizes and switches of a GPT model.

    Introduced in chapter 5.

    Parameters
    ----------
    vocab_size : int
        Number of distinct token ids.
    block_size : int
        Longest sequence (context length) the model accepts.
    n_layer : int
        Number of blocks.
    n_head : int
        Attention heads per block; must divide ``d_model``.
    d_model : int
        Width of the residual stream.
    d_ff : int, optional
        Hidden width of the MLP; defaults to ``4 * d_model``.
    norm : {"layernorm", "rmsnorm"}, default "layernorm"
        Which normalisation to use before each sub-layer and at the end.
    positions : {"learned", "sinusoidal", "rope"}, default "learned"
        How the model knows token order: a learned table, fixed sinusoids added to the token
        embeddings, or rotary embeddings applied to queries and keys.
    bias : bool, default True
        Biases in the linear layers and in LayerNorm (RMSNorm never has one).
    tie_weights : bool, default True
        Whether the output head reuses the token embedding matrix.
    residual : bool, default True
        Whether blocks add to the residual stream (``False`` replaces it: an ablation).
    use_norm : bool, default True
        Whether to normalise at all (``False`` removes every norm: an ablation).
    dropout : float, default 0.0
        Dropout probability in ``[0, 1)``, applied only in training mode.

    Raises
    ------
    TypeError
        If a field has the wrong type.
    ValueError
        If a size is not positive, ``n_head`` does not divide ``d_model``, a string option is
        not one of the allowed values, or ``dropout`` is outside ``[0, 1)``.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=100, block_size=16, n_layer=2, n_head=2, d_model=32)
    >>> config.d_ff, config.d_head
    (128, 16)
    >>> GPTConfig(vocab_size=100, block_size=16, n_layer=2, n_head=3, d_model=32)
    Traceback (most recent call last):
        ...
    ValueError: d_model must be divisible by n_head, got d_model=32 and n_head=3
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    d_model: int
    d_ff: int | None = None
    norm: str = "layernorm"
    positions: str = "learned"
    bias: bool = True
    tie_weights: bool = True
    residual: bool = True
    use_norm: bool = True
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.d_ff is None:
            self.d_ff = 4 * self.d_model if isinstance(self.d_model, int) else self.d_ff
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "d_model", "d_ff"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value}")
        if self.d_model % self.n_head != 0:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={self.d_model} "
                f"and n_head={self.n_head}"
            )
        for name, allowed in (("norm", NORMS), ("positions", POSITIONS)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        if self.positions == "rope" and self.d_head % 2 != 0:
            raise ValueError(
                f"positions='rope' needs an even d_head = d_model // n_head, got {self.d_head}"
            )
        for name in ("bias", "tie_weights", "residual", "use_norm"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, numbers.Real):
            raise TypeError(f"dropout must be a float, got {type(self.dropout).__name__}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    @property
    def d_head(self) -> int:
        """Width of one attention head, ``d_model // n_head``."""
        return self.d_model // self.n_head

    @classmethod
    def gpt2_small(cls, **overrides: object) -> GPTConfig:
        """Return the configuration of GPT-2 small (124M parameters).

        Introduced in chapter 5.

        Parameters
        ----------
        **overrides
            Fields to change, e.g. ``block_size=256``.

        Returns
        -------
        GPTConfig
            50257 tokens, context 1024, 12 layers, 12 heads, width 768, learned positions,
            LayerNorm with biases, tied embeddings.

        Raises
        ------
        TypeError, ValueError
            If an override is invalid (see :class:`GPTConfig`).

        Examples
        --------
        >>> parameter_count(GPTConfig.gpt2_small())
        124439808
        """
        fields = dict(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, d_model=768)
        fields.update(overrides)
        return cls(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The parts of a block
# ---------------------------------------------------------------------------------------------


class RMSNorm(nn.Module):
    """Root-mean-square normalisation: rescale each vector to unit RMS, then by a gain.

    ``y = x / sqrt(mean(x**2) + eps) * weight``. Unlike LayerNorm it does not subtract the
    mean and has no bias, so it is a little cheaper; Llama-style models use it.

    Introduced in chapter 5.

    Parameters
    ----------
    d_model : int
        Size of the last dimension.
    eps : float, default 1e-5
        Keeps the division safe for an all-zero vector.

    Raises
    ------
    TypeError, ValueError
        If ``d_model`` is not a positive int or ``eps`` is not a positive number.

    Examples
    --------
    >>> norm = RMSNorm(2)
    >>> norm(torch.tensor([[3.0, 4.0]]))  # RMS of (3, 4) is sqrt(12.5)
    tensor([[0.8485, 1.1314]], grad_fn=<MulBackward0>)
    """

    def __init__(self, d_model: int, eps: float = 1e-5) -> None:
        super().__init__()
        if isinstance(d_model, bool) or not isinstance(d_model, int):
            raise TypeError(f"d_model must be a positive int, got {type(d_model).__name__}")
        if d_model <= 0:
            raise ValueError(f"d_model must be a positive int, got {d_model}")
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        self.eps = float(eps)
        self.weight = nn.Parameter(torch.ones(d_model))

    def forward(self, x: Tensor) -> Tensor:
        """Normalise ``x`` of shape ``(..., d_model)``; the shape is unchanged."""
        rms_inv = torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps)  # (..., 1)
        return x * rms_inv * self.weight


class MLP(nn.Module):
    """The feed-forward part of a block: widen, apply GELU, project back.

    ``(B, T, d_model) -> (B, T, d_ff) -> GELU -> (B, T, d_model)``. It acts on every position
    separately; attention is the only place where positions exchange information.

    Introduced in chapter 5.

    Parameters
    ----------
    d_model : int
        Input and output width.
    d_ff : int
        Hidden width (usually ``4 * d_model``).
    bias : bool, default True
        Whether the two linear layers have biases.
    dropout : float, default 0.0
        Dropout on the output (training mode only).

    Examples
    --------
    >>> mlp = MLP(d_model=8, d_ff=32)
    >>> mlp(torch.zeros(2, 3, 8)).shape
    torch.Size([2, 3, 8])
    """

    def __init__(self, d_model: int, d_ff: int, bias: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        self.c_fc = nn.Linear(d_model, d_ff, bias=bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the MLP to ``x`` of shape ``(..., d_model)``."""
        x = self.gelu(self.c_fc(x))  # (..., d_model) -> (..., d_ff)
        return self.dropout(self.c_proj(x))  # (..., d_ff) -> (..., d_model)


def _make_norm(config: GPTConfig) -> nn.Module:
    """The norm layer that ``config`` asks for (an identity when norms are switched off)."""
    if not config.use_norm:
        return nn.Identity()
    if config.norm == "rmsnorm":
        return RMSNorm(config.d_model)
    return nn.LayerNorm(config.d_model, bias=config.bias)


class Block(nn.Module):
    """One transformer block in the pre-norm arrangement of GPT-2.

    ``x = x + attn(norm_1(x))`` then ``x = x + mlp(norm_2(x))``: each sub-layer reads a
    normalised copy of the residual stream and adds its result back. With
    ``config.residual=False`` the additions become replacements (an ablation).

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        Model sizes and switches.
    rope : RotaryEmbedding, optional
        Shared rotary embedding when ``config.positions == "rope"``.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=2, d_model=8)
    >>> Block(config)(torch.zeros(1, 4, 8)).shape
    torch.Size([1, 4, 8])
    """

    def __init__(self, config: GPTConfig, rope: RotaryEmbedding | None = None) -> None:
        super().__init__()
        self.residual = config.residual
        self.norm_1 = _make_norm(config)
        self.attn = MultiHeadAttention(
            config.d_model, config.n_head, bias=config.bias, rope=rope, dropout=config.dropout
        )
        self.norm_2 = _make_norm(config)
        assert config.d_ff is not None  # set by GPTConfig.__post_init__
        self.mlp = MLP(config.d_model, config.d_ff, bias=config.bias, dropout=config.dropout)

    def forward(self, x: Tensor, return_weights: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """Run the block on ``x`` of shape ``(B, T, d_model)``.

        With ``return_weights=True`` returns ``(x, weights)``, the weights having shape
        ``(B, n_head, T, T)``.
        """
        weights = None
        if return_weights:
            a, weights = self.attn(self.norm_1(x), return_weights=True)
        else:
            a = self.attn(self.norm_1(x))
        x = x + a if self.residual else a
        m = self.mlp(self.norm_2(x))
        x = x + m if self.residual else m
        if return_weights:
            return x, weights
        return x


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


class GPT(nn.Module):
    """A GPT language model: token ids in, next-token logits out.

    ``idx (B, T)`` -> token embedding (+ positions) -> ``n_layer`` blocks -> final norm ->
    ``lm_head`` -> ``logits (B, T, vocab_size)``. The logits at position ``t`` are the model's
    prediction for the token at ``t + 1``, computed from tokens ``0..t`` only.

    Weights are initialised as in GPT-2, from their own random generator seeded with
    ``seed`` (the global random state is neither read nor changed): every weight matrix and
    embedding from a normal distribution with standard deviation 0.02, biases at zero, norm
    gains at one, and the projections that write into the residual stream (``c_proj``) scaled
    down by ``1 / sqrt(2 * n_layer)`` so the stream does not grow with depth.

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        Model sizes and switches.
    seed : int, default 0
        Seed of the initialisation; the same seed gives the same weights.

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`GPTConfig` or ``seed`` is not an int.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=50, block_size=8, n_layer=2, n_head=2, d_model=16)
    >>> model = GPT(config, seed=0)
    >>> idx = torch.tensor([[1, 2, 3, 4]])
    >>> logits, loss = model(idx, targets=torch.tensor([[2, 3, 4, 5]]))
    >>> logits.shape
    torch.Size([1, 4, 50])
    >>> round(loss.item(), 1)  # close to ln(50) = 3.9 before training
    3.9
    """

    def __init__(self, config: GPTConfig, seed: int = 0) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        self.config = config
        # nn.Linear and nn.Embedding draw default weights from the global generator; build them
        # inside fork_rng so that state is restored, then overwrite them in _init_weights.
        with torch.random.fork_rng(devices=[]):
            self.wte = nn.Embedding(config.vocab_size, config.d_model)  # token embedding
            self.wpe: nn.Embedding | None = None
            rope = None
            if config.positions == "learned":
                self.wpe = nn.Embedding(config.block_size, config.d_model)
            elif config.positions == "sinusoidal":
                pe = sinusoidal_positions(config.block_size, config.d_model)
                self.register_buffer("pos_sinusoid", pe, persistent=False)
            else:  # "rope": one table of rotations shared by every block
                rope = RotaryEmbedding(config.d_head, config.block_size)
            self.drop = nn.Dropout(config.dropout)
            self.blocks = nn.ModuleList([Block(config, rope) for _ in range(config.n_layer)])
            self.norm_f = _make_norm(config)
            self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.wte.weight  # one matrix reads tokens in and out
        self._init_weights(seed)

    @torch.no_grad()
    def _init_weights(self, seed: int) -> None:
        """GPT-2 initialisation from a private generator (see the class docstring)."""
        generator = torch.Generator().manual_seed(seed)
        std = 0.02
        proj_std = std / math.sqrt(2 * self.config.n_layer)
        for name, p in self.named_parameters():  # tied weights are listed once
            if name.endswith("c_proj.weight"):
                p.copy_(torch.randn(p.shape, generator=generator) * proj_std)
            elif name.endswith("bias"):
                p.zero_()
            elif p.ndim == 1:  # norm gains
                p.fill_(1.0)
            else:  # embeddings, c_attn, c_fc, untied lm_head
                p.copy_(torch.randn(p.shape, generator=generator) * std)

    def _embed(self, idx: Tensor) -> Tensor:
        """Check ``idx`` and return the input of the first block, shape ``(B, T, d_model)``."""
        if not isinstance(idx, Tensor):
            raise TypeError(f"idx must be a torch.Tensor of token ids, got {type(idx).__name__}")
        if idx.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
            raise TypeError(f"idx must hold integer token ids, got dtype {idx.dtype}")
        if idx.ndim != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        B, T = idx.shape
        if T == 0 or B == 0:
            raise ValueError(f"idx must have at least one sequence and one token, got {(B, T)}")
        if T > self.config.block_size:
            raise ValueError(
                f"sequence length {T} is longer than block_size={self.config.block_size}; "
                f"crop idx to at most {self.config.block_size} tokens"
            )
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= self.config.vocab_size:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"token id {bad} is out of range; ids must be in [0, {self.config.vocab_size - 1}]"
            )
        x = self.wte(idx.long())  # (B, T) -> (B, T, d_model)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T, device=idx.device))  # + (T, d_model)
        elif self.config.positions == "sinusoidal":
            x = x + self.pos_sinusoid[:T].to(x.dtype)
        return self.drop(x)

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Compute next-token logits and, given targets, the mean cross-entropy loss.

        Parameters
        ----------
        idx : Tensor
            Token ids, integer tensor of shape ``(B, T)`` with ``T <= block_size``.
        targets : Tensor, optional
            The tokens that should come next, shape ``(B, T)``; entries equal to ``-1`` are
            ignored in the loss.

        Returns
        -------
        logits : Tensor
            Shape ``(B, T, vocab_size)``.
        loss : Tensor or None
            Scalar mean cross-entropy (in nats) if ``targets`` is given, else ``None``.

        Raises
        ------
        TypeError
            If ``idx`` or ``targets`` is not an integer tensor.
        ValueError
            If ``idx`` is not 2-D, is longer than ``block_size``, holds ids outside
            ``[0, vocab_size)``, or ``targets`` does not have the shape of ``idx``.
        """
        if targets is not None:
            if not isinstance(targets, Tensor) or targets.is_floating_point():
                raise TypeError("targets must be an integer tensor of token ids (or None)")
            if targets.shape != getattr(idx, "shape", None):
                raise ValueError(
                    f"targets must have the shape of idx {tuple(idx.shape)}, "
                    f"got {tuple(targets.shape)}"
                )
        x = self._embed(idx)
        for block in self.blocks:
            x = block(x)
        x = self.norm_f(x)
        logits = self.lm_head(x)  # (B, T, d_model) -> (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)), targets.reshape(-1).long(), ignore_index=-1
            )
        return logits, loss

    @torch.no_grad()
    def attention_maps(self, idx: Tensor) -> list[Tensor]:
        """Return every layer's attention weights for ``idx``, for plotting.

        Runs without gradients, through the explicit attention path.

        Introduced in chapter 4.

        Parameters
        ----------
        idx : Tensor
            Token ids, shape ``(B, T)``.

        Returns
        -------
        list of Tensor
            ``n_layer`` tensors of shape ``(B, n_head, T, T)``; entry ``[b, h, i, j]`` is how
            much token ``i`` attends to token ``j`` in head ``h`` (zero for ``j > i``).

        Raises
        ------
        TypeError, ValueError
            As for :meth:`forward`.

        Examples
        --------
        >>> config = GPTConfig(vocab_size=50, block_size=8, n_layer=2, n_head=2, d_model=16)
        >>> maps = GPT(config).attention_maps(torch.tensor([[1, 2, 3]]))
        >>> len(maps), maps[0].shape
        (2, torch.Size([1, 2, 3, 3]))
        >>> maps[0][0, 0].sum(dim=-1)  # each row is a distribution over earlier tokens
        tensor([1.0000, 1.0000, 1.0000])
        """
        x = self._embed(idx)
        maps = []
        for block in self.blocks:
            x, weights = block(x, return_weights=True)
            maps.append(weights)
        return maps

    def hidden_states(self, idx: Tensor, include_embeddings: bool = False) -> list[Tensor]:
        """Return the residual stream after each block.

        Follows the caller's gradient mode (wrap it in ``torch.no_grad()`` for inspection
        only). The final norm is not applied.

        Introduced in chapter 5.

        Parameters
        ----------
        idx : Tensor
            Token ids, shape ``(B, T)``.
        include_embeddings : bool, default False
            If ``True``, the first entry is the block input (embeddings plus positions).

        Returns
        -------
        list of Tensor
            ``n_layer`` tensors (``n_layer + 1`` with embeddings) of shape
            ``(B, T, d_model)``.

        Raises
        ------
        TypeError, ValueError
            As for :meth:`forward`.

        Examples
        --------
        >>> config = GPTConfig(vocab_size=50, block_size=8, n_layer=2, n_head=2, d_model=16)
        >>> states = GPT(config).hidden_states(torch.tensor([[1, 2, 3]]), include_embeddings=True)
        >>> [tuple(h.shape) for h in states]
        [(1, 3, 16), (1, 3, 16), (1, 3, 16)]
        """
        x = self._embed(idx)
        states = [x] if include_embeddings else []
        for block in self.blocks:
            x = block(x)
            states.append(x)
        return states


# ---------------------------------------------------------------------------------------------
# Counting parameters
# ---------------------------------------------------------------------------------------------


def parameter_count(config: GPTConfig) -> int:
    """Return the number of parameters of ``GPT(config)``, worked out term by term.

    With ``C = d_model``, ``F = d_ff``, ``V = vocab_size``::

        token embedding      V * C
        learned positions    block_size * C        (sinusoidal and rope have none)
        per block:
          2 norms            2 * C (RMSNorm, or LayerNorm without bias) or 2 * 2C
          attention c_attn   C * 3C + 3C           (the bias terms only when bias=True)
          attention c_proj   C * C  + C
          MLP c_fc           C * F  + F
          MLP c_proj         F * C  + C
        final norm           C or 2C
        lm_head              V * C                 (0 when tied to the token embedding)

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        The model configuration.

    Returns
    -------
    int
        The number of distinct trainable parameters (tied weights counted once).

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`GPTConfig`.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=1, d_model=2)
    >>> parameter_count(config)  # 20 + 8 + block 74 + final norm 4
    106
    """
    if not isinstance(config, GPTConfig):
        raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
    C, V = config.d_model, config.vocab_size
    F_ = config.d_ff
    assert F_ is not None  # set by GPTConfig.__post_init__
    b = 1 if config.bias else 0

    embeddings = V * C
    positions = config.block_size * C if config.positions == "learned" else 0

    if not config.use_norm:
        norm = 0
    elif config.norm == "layernorm":
        norm = C + b * C  # gain, and a bias when bias=True
    else:
        norm = C  # RMSNorm: gain only

    attention = (C * 3 * C + b * 3 * C) + (C * C + b * C)  # c_attn + c_proj
    mlp = (C * F_ + b * F_) + (F_ * C + b * C)  # c_fc + c_proj
    per_block = 2 * norm + attention + mlp

    head = 0 if config.tie_weights else V * C
    return embeddings + positions + config.n_layer * per_block + norm + head


def count_parameters(model: nn.Module) -> int:
    """Count the distinct parameters of ``model`` (a tensor shared by two layers counts once).

    Introduced in chapter 5.

    Parameters
    ----------
    model : torch.nn.Module
        Any module.

    Returns
    -------
    int
        Total number of elements over the unique parameter tensors.

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
