"""The GPT model: a stack of attention and MLP blocks on a residual stream.

Read top to bottom, as nanoGPT's ``model.py``: :class:`GPTConfig` (every size and switch),
:class:`MLP` or :class:`SwiGLU`, and :class:`Block` (attention from
:mod:`stepbytoken.nn.attention`, norms from :mod:`stepbytoken.nn.norms`), then :class:`GPT`.
The switches ``residual`` and ``use_norm``, which a real GPT never turns off, let chapter 5
show what goes wrong without them.

Introduced in chapter 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import (
    check_bool,
    check_choice,
    check_features,
    check_float,
    check_int,
    check_targets,
    check_tensor,
    check_token_ids,
)
from stepbytoken.nn.attention import MultiHeadAttention
from stepbytoken.nn.norms import NORMS, make_norm
from stepbytoken.nn.positions import POSITIONS, RotaryEmbedding, sinusoidal_positions

__all__ = ["MLPS", "GPTConfig", "MLP", "SwiGLU", "Block", "GPT"]

#: The feed-forward networks a block can use: GPT-2's GELU MLP, or Llama's SwiGLU.
MLPS = ("gelu", "swiglu")


@dataclass
class GPTConfig:
    """Sizes and switches of a GPT model.

    Introduced in chapter 5.

    Parameters
    ----------
    vocab_size, block_size, n_layer, n_head, d_model : int
        Number of token ids, longest sequence, blocks, heads per block (must divide
        ``d_model``) and width of the residual stream; each >= 1.
    d_ff : int, optional
        Hidden width of the MLP; defaults to ``4 * d_model``.
    mlp : {"gelu", "swiglu"}, default "gelu"
        The feed-forward network: :class:`MLP` (two matrices and a GELU, as GPT-2) or
        :class:`SwiGLU` (three matrices and a gate, as Llama).
    norm : {"layernorm", "rmsnorm"}, default "layernorm"
        The normalisation before each sub-layer and at the end.
    positions : {"learned", "sinusoidal", "rope"}, default "learned"
        A learned table, fixed sinusoids added to the embeddings, or rotary embeddings.
    bias : bool, default True
        Biases in the linear layers and LayerNorm.
    tie_weights : bool, default True
        Whether the output head reuses the token embedding matrix.
    residual, use_norm : bool, default True
        Ablations: ``False`` replaces the residual stream instead of adding to it, or removes
        every norm.
    dropout : float, default 0.0
        Dropout probability in ``[0, 1)``, applied only in training mode.

    Raises
    ------
    TypeError, ValueError
        If a field has the wrong type or an allowed value is broken.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=100, block_size=16, n_layer=2, n_head=2, d_model=32)
    >>> config.d_ff, config.d_head
    (128, 16)
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    d_model: int
    d_ff: int | None = None
    mlp: str = "gelu"
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
        for name in (
            "vocab_size",
            "block_size",
            "n_layer",
            "n_head",
            "d_model",
            "d_ff",
        ):
            check_int(name, getattr(self, name), minimum=1)
        if self.d_model % self.n_head != 0:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={self.d_model} "
                f"and n_head={self.n_head}"
            )
        check_choice("mlp", self.mlp, MLPS)
        check_choice("norm", self.norm, NORMS)
        check_choice("positions", self.positions, POSITIONS)
        if self.positions == "rope" and self.d_head % 2 != 0:
            raise ValueError(
                f"positions='rope' needs an even d_head = d_model // n_head, got {self.d_head}"
            )
        for name in ("bias", "tie_weights", "residual", "use_norm"):
            check_bool(name, getattr(self, name))
        check_float("dropout", self.dropout, minimum=0, maximum=1, open_maximum=True)

    @property
    def d_head(self) -> int:
        """Width of one attention head, ``d_model // n_head``."""
        return self.d_model // self.n_head

    @classmethod
    def gpt2_small(cls, **overrides: object) -> GPTConfig:
        """Return the configuration of GPT-2 small (124M parameters), with ``overrides``.

        Introduced in chapter 5.

        Examples
        --------
        >>> config = GPTConfig.gpt2_small(block_size=256)
        >>> config.vocab_size, config.block_size, config.n_layer, config.d_model
        (50257, 256, 12, 768)
        """
        fields = dict(
            vocab_size=50257, block_size=1024, n_layer=12, n_head=12, d_model=768
        )
        fields.update(overrides)
        return cls(**fields)  # type: ignore[arg-type]


def _check_ffn(d_model: object, d_ff: object, bias: object, dropout: object) -> None:
    """Check the arguments of :class:`MLP` and :class:`SwiGLU`."""
    check_int("d_model", d_model, minimum=1)
    check_int("d_ff", d_ff, minimum=1)
    check_bool("bias", bias)
    check_float("dropout", dropout, minimum=0, maximum=1, open_maximum=True)


class MLP(nn.Module):
    """The feed-forward part of a block: widen, apply GELU, project back.

    ``(B, T, d_model) -> (B, T, d_ff) -> GELU -> (B, T, d_model)``, on every position
    separately.

    Introduced in chapter 5.

    Examples
    --------
    >>> mlp = MLP(d_model=8, d_ff=32)
    >>> mlp(torch.zeros(2, 3, 8)).shape
    torch.Size([2, 3, 8])
    """

    def __init__(
        self, d_model: int, d_ff: int, bias: bool = True, dropout: float = 0.0
    ) -> None:
        super().__init__()
        _check_ffn(d_model, d_ff, bias, dropout)
        self.c_fc = nn.Linear(d_model, d_ff, bias=bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the MLP to ``x`` of shape ``(..., d_model)``."""
        check_features("x", x, self.c_fc.in_features)
        x = self.gelu(self.c_fc(x))  # (..., d_model) -> (..., d_ff)
        return self.dropout(self.c_proj(x))  # (..., d_ff) -> (..., d_model)


class SwiGLU(nn.Module):
    """The gated feed-forward network of Llama: ``(silu(x W1) * (x W3)) W2``.

    Two matrices widen ``x`` to ``d_ff``: one (``c_gate``, W1) goes through the SiLU,
    ``silu(z) = z * sigmoid(z)``, and multiplies the other (``c_fc``, W3) number by number;
    ``c_proj`` (W2) projects the product back. Three matrices instead of two, so Llama takes
    ``d_ff`` about ``2/3 * 4 * d_model`` to keep the parameter count of a ``4 * d_model`` MLP.
    ``(B, T, d_model) -> 2 x (B, T, d_ff) -> gate -> (B, T, d_model)``, on every position
    separately.

    Introduced in chapter 5.

    Examples
    --------
    >>> swiglu = SwiGLU(d_model=8, d_ff=20, bias=False)
    >>> swiglu(torch.zeros(2, 3, 8)).shape
    torch.Size([2, 3, 8])
    >>> sum(p.numel() for p in swiglu.parameters())  # 3 * d_model * d_ff
    480
    """

    def __init__(
        self, d_model: int, d_ff: int, bias: bool = True, dropout: float = 0.0
    ) -> None:
        super().__init__()
        _check_ffn(d_model, d_ff, bias, dropout)
        self.c_gate = nn.Linear(d_model, d_ff, bias=bias)  # W1, through the SiLU
        self.c_fc = nn.Linear(d_model, d_ff, bias=bias)  # W3
        self.c_proj = nn.Linear(d_ff, d_model, bias=bias)  # W2
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the gated MLP to ``x`` of shape ``(..., d_model)``."""
        check_features("x", x, self.c_fc.in_features)
        h = F.silu(self.c_gate(x)) * self.c_fc(x)  # (..., d_model) -> (..., d_ff)
        return self.dropout(self.c_proj(h))  # (..., d_ff) -> (..., d_model)


def _make_norm(config: GPTConfig) -> nn.Module:
    """The norm layer that ``config`` asks for (an identity when norms are switched off)."""
    return make_norm(
        config.norm if config.use_norm else None, config.d_model, bias=config.bias
    )


class Block(nn.Module):
    """One transformer block, pre-norm as in GPT-2: ``x + attn(norm_1(x))``, ``x + mlp(norm_2(x))``.

    With ``config.residual=False`` the additions become replacements (an ablation).

    Introduced in chapter 5.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=2, d_model=8)
    >>> Block(config)(torch.zeros(1, 4, 8)).shape
    torch.Size([1, 4, 8])
    """

    def __init__(self, config: GPTConfig, rope: RotaryEmbedding | None = None) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
        if rope is not None and not isinstance(rope, RotaryEmbedding):
            raise TypeError(
                f"rope must be a RotaryEmbedding or None, got {type(rope).__name__}"
            )
        self.d_model = config.d_model
        self.residual = config.residual
        self.norm_1 = _make_norm(config)
        self.attn = MultiHeadAttention(
            config.d_model,
            config.n_head,
            bias=config.bias,
            rope=rope,
            dropout=config.dropout,
        )
        self.norm_2 = _make_norm(config)
        assert config.d_ff is not None  # set by GPTConfig.__post_init__
        mlp = SwiGLU if config.mlp == "swiglu" else MLP
        self.mlp = mlp(
            config.d_model, config.d_ff, bias=config.bias, dropout=config.dropout
        )

    def forward(
        self, x: Tensor, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """The block on ``x`` ``(B, T, d_model)``; ``(x, weights)`` with the weights."""
        check_features("x", x, self.d_model, dims=3)
        return_weights = check_bool("return_weights", return_weights)
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


class GPT(nn.Module):
    """A GPT language model: ``idx (B, T)`` in, next-token ``logits (B, T, vocab_size)`` out.

    Token embedding (+ positions), ``n_layer`` blocks, a final norm and ``lm_head``. Follows
    :class:`~stepbytoken.nn.interface.LanguageModel`. Weights start as in GPT-2, drawn from a
    generator seeded with ``seed`` (the global random state is neither read nor changed):
    normal with std 0.02, the ``c_proj`` layers that write into the residual stream scaled by
    ``1 / sqrt(2 * n_layer)``, biases 0 and norm gains 1.

    Introduced in chapter 5.

    Parameters
    ----------
    config : GPTConfig
        Model sizes and switches.
    seed : int, default 0
        Seed of the initialisation.

    Raises
    ------
    TypeError
        If ``config`` is not a :class:`GPTConfig` or ``seed`` is not an int.

    Examples
    --------
    >>> config = GPTConfig(vocab_size=50, block_size=8, n_layer=2, n_head=2, d_model=16)
    >>> model = GPT(config, seed=0)
    >>> logits, loss = model(torch.tensor([[1, 2, 3, 4]]), targets=torch.tensor([[2, 3, 4, 5]]))
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
            # token embedding
            self.wte = nn.Embedding(config.vocab_size, config.d_model)
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
            self.blocks = nn.ModuleList(
                [Block(config, rope) for _ in range(config.n_layer)]
            )
            self.norm_f = _make_norm(config)
            self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        if config.tie_weights:
            self.lm_head.weight = self.wte.weight  # one matrix reads tokens in and out
        self._init_weights(seed)

    @property
    def vocab_size(self) -> int:
        """Number of token ids, ``config.vocab_size``."""
        return self.config.vocab_size

    @property
    def block_size(self) -> int:
        """Longest sequence the model reads, ``config.block_size``."""
        return self.config.block_size

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
            else:  # embeddings, c_attn, c_fc, c_gate, untied lm_head
                p.copy_(torch.randn(p.shape, generator=generator) * std)

    def _embed(self, idx: Tensor) -> Tensor:
        """Check ``idx`` and return the input of the first block, shape ``(B, T, d_model)``."""
        check_tensor("idx", idx, dims=2, integer=True)
        B, T = idx.shape
        if T == 0 or B == 0:
            raise ValueError(
                f"idx must have at least one sequence and one token, got {(B, T)}"
            )
        if T > self.config.block_size:
            raise ValueError(
                f"sequence length {T} is longer than block_size={self.config.block_size}; "
                f"crop idx to at most {self.config.block_size} tokens"
            )
        check_token_ids("idx", idx, self.config.vocab_size)
        x = self.wte(idx.long())  # (B, T) -> (B, T, d_model)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T, device=idx.device))  # + (T, d_model)
        elif self.config.positions == "sinusoidal":
            x = x + self.pos_sinusoid[:T].to(x.dtype)
        return self.drop(x)

    def forward(
        self, idx: Tensor, targets: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Return next-token logits ``(B, T, vocab_size)`` and, given targets, the mean loss.

        ``targets`` has the shape of ``idx``; entries equal to ``-1`` are left out of the
        cross-entropy (in nats), and at least one must not be. Raises ``TypeError``/``ValueError``
        for ids that are not an integer ``(B, T)`` tensor within ``block_size`` and
        ``[0, vocab_size)``, or targets that are not of that shape with ids in
        ``[-1, vocab_size)``.
        """
        x = self._embed(idx)
        if targets is not None:
            check_targets(targets, idx.shape, self.config.vocab_size)
        for block in self.blocks:
            x = block(x)
        x = self.norm_f(x)
        logits = self.lm_head(x)  # (B, T, d_model) -> (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)),
                targets.reshape(-1).long(),
                ignore_index=-1,
            )
        return logits, loss

    @torch.no_grad()
    def attention_maps(self, idx: Tensor) -> list[Tensor]:
        """Return every layer's attention weights for ``idx``, ``n_layer`` of ``(B, n_head, T, T)``.

        Entry ``[b, h, i, j]`` is how much token ``i`` attends to token ``j`` in head ``h``.

        Introduced in chapter 4.

        Examples
        --------
        >>> config = GPTConfig(vocab_size=50, block_size=8, n_layer=2, n_head=2, d_model=16)
        >>> maps = GPT(config).attention_maps(torch.tensor([[1, 2, 3]]))
        >>> len(maps), maps[0].shape
        (2, torch.Size([1, 2, 3, 3]))
        """
        x = self._embed(idx)
        maps = []
        for block in self.blocks:
            x, weights = block(x, return_weights=True)
            maps.append(weights)
        return maps

    def hidden_states(
        self, idx: Tensor, include_embeddings: bool = False
    ) -> list[Tensor]:
        """Return the residual stream after each block (before the final norm), ``(B, T, C)`` each.

        With ``include_embeddings`` the first entry is the input of the first block. Follows
        the caller's gradient mode.

        Introduced in chapter 5.

        Examples
        --------
        >>> config = GPTConfig(vocab_size=50, block_size=8, n_layer=2, n_head=2, d_model=16)
        >>> states = GPT(config).hidden_states(torch.tensor([[1, 2, 3]]), include_embeddings=True)
        >>> [tuple(h.shape) for h in states]
        [(1, 3, 16), (1, 3, 16), (1, 3, 16)]
        """
        include_embeddings = check_bool("include_embeddings", include_embeddings)
        x = self._embed(idx)
        states = [x] if include_embeddings else []
        for block in self.blocks:
            x = block(x)
            states.append(x)
        return states
