"""LoRA: train a small low-rank update next to each frozen weight matrix.

Hu et al. (2021), "LoRA: Low-Rank Adaptation of Large Language Models", §4.1: a frozen
weight ``W`` (``out x in``) gets an update ``ΔW = B A`` of rank ``r``, with ``A`` (``r x in``)
random and ``B`` (``out x r``) zero at the start, so the adapted model starts exactly as the
base model; the update is scaled by ``alpha / r``. Only ``A`` and ``B`` are trained: for a
square ``d x d`` matrix that is ``2 d r`` numbers instead of ``d²``. After training,
``W + (alpha / r) B A`` is one ordinary matrix again (:func:`merge_lora`), so the adapted
model runs as fast as the base.

Read top to bottom: :class:`LoRALinear` (one adapted layer), :func:`block_linears` (which
layers of a GPT to adapt), :func:`add_lora` and :func:`merge_lora` (a whole model), then
what it costs and what it changed: :func:`trainable_share`, :func:`adapter_state_dict`,
:func:`optimizer_memory` and :func:`update_spectrum`.

Introduced in chapter 14.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import (
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_tensor,
)
from stepbytoken.nn.attention import MultiHeadAttention
from stepbytoken.nn.gpt import Block

__all__ = [
    "TARGETS",
    "OPTIMIZERS",
    "LoRALinear",
    "block_linears",
    "add_lora",
    "merge_lora",
    "lora_parameters",
    "trainable_share",
    "adapter_state_dict",
    "optimizer_memory",
    "update_spectrum",
]

#: Which linear layers of a GPT :func:`add_lora` adapts (see :func:`block_linears`).
TARGETS = ("attention", "all")
#: Optimizers whose memory :func:`optimizer_memory` counts.
OPTIMIZERS = ("adam", "sgd")


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update: ``base(x) + scale * x Aᵀ Bᵀ``.

    ``A`` (``lora_A``, ``rank x in_features``) starts Gaussian with standard deviation
    ``1 / sqrt(in_features)`` (the LoRA paper's "random Gaussian", scaled so that ``A x`` is
    about as large as one input feature); ``B`` (``lora_B``, ``out_features x rank``) starts
    at zero, so at first the layer computes exactly what ``base`` computes.
    ``scale = alpha / rank`` (Hu et al., 2021, §4.1). The base weight and bias are frozen
    (``requires_grad=False``); the layer wraps ``base`` itself, not a copy.

    Introduced in chapter 14.

    Parameters
    ----------
    base : nn.Linear
        The layer to adapt.
    rank : int
        Rank ``r`` of the update, from 1 to ``min(in_features, out_features)`` (a larger rank
        could not make a larger update).
    alpha : float, optional
        Numerator of the scale, > 0; defaults to ``rank`` (scale 1).
    generator : torch.Generator, optional
        Source of the random ``A``; a generator seeded with 0 if not given (the global
        random state is not used).

    Raises
    ------
    TypeError, ValueError
        If ``base`` is not an ``nn.Linear``, ``rank`` is outside
        ``[1, min(in_features, out_features)]`` or ``alpha`` is not > 0.

    Examples
    --------
    >>> layer = LoRALinear(nn.Linear(8, 4), rank=2)
    >>> layer.lora_A.shape, layer.lora_B.shape, layer.scale
    (torch.Size([2, 8]), torch.Size([4, 2]), 1.0)
    >>> x = torch.randn(3, 8)
    >>> torch.equal(layer(x), layer.base(x))  # B = 0: the update starts at zero
    True
    """

    def __init__(
        self,
        base: nn.Linear,
        rank: int,
        alpha: float | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        check_instance("base", base, nn.Linear)
        largest = min(base.in_features, base.out_features)
        rank = check_int("rank", rank, minimum=1, maximum=largest)
        alpha = rank if alpha is None else alpha
        alpha = check_float("alpha", alpha, minimum=0, open_minimum=True)
        if generator is None:
            generator = torch.Generator().manual_seed(0)
        check_instance("generator", generator, torch.Generator)
        self.base = base.requires_grad_(False)
        self.in_features, self.out_features = base.in_features, base.out_features
        self.rank, self.alpha = rank, alpha
        std = 1.0 / math.sqrt(base.in_features)
        a = torch.randn(rank, base.in_features, generator=generator) * std
        w = base.weight
        self.lora_A = nn.Parameter(a.to(device=w.device, dtype=w.dtype))
        self.lora_B = nn.Parameter(w.new_zeros(base.out_features, rank))

    @property
    def scale(self) -> float:
        """How much of ``B A`` is added to the weight: ``alpha / rank``."""
        return self.alpha / self.rank

    def forward(self, x: Tensor) -> Tensor:
        """Apply the layer to ``x`` of shape ``(..., in_features)``."""
        # (..., in) -> (..., r) -> (..., out): never forms the out x in matrix B A
        update = F.linear(F.linear(x, self.lora_A), self.lora_B)
        return self.base(x) + self.scale * update

    @torch.no_grad()
    def merged(self) -> nn.Linear:
        """A plain ``nn.Linear`` with weight ``W + scale * B A`` and the same bias.

        Introduced in chapter 14.
        """
        w = self.base.weight
        # nn.Linear's own init draws from the global generator: keep its state
        with torch.random.fork_rng(devices=[]):
            linear = nn.Linear(
                self.in_features,
                self.out_features,
                bias=self.base.bias is not None,
                device=w.device,
                dtype=w.dtype,
            )
        linear.weight.copy_(w + self.scale * self.lora_B @ self.lora_A)
        if self.base.bias is not None:
            linear.bias.copy_(self.base.bias)
        return linear

    def extra_repr(self) -> str:
        return f"rank={self.rank}, alpha={self.alpha:g}"


def _qualified(prefix: str, name: str) -> str:
    """``"blocks.0.attn" + "c_attn"``, without a leading dot for the top-level module."""
    return f"{prefix}.{name}" if prefix else name


def block_linears(model: nn.Module, targets: str = "all") -> dict[str, nn.Linear]:
    """Return the linear layers of the transformer blocks of ``model``, by qualified name.

    ``"attention"``: each attention layer's ``c_attn`` (queries, keys and values in one
    ``3C x C`` matrix) and ``c_proj`` (the output projection): ``W_q, W_k, W_v, W_o`` in the
    LoRA paper's names. The paper adapts attention weights only (Hu et al., 2021, §4.2), in
    most experiments ``W_q`` and ``W_v``; from its §7.1 (Table 5, a fixed budget) it
    concludes that adapting more weight matrices at a lower rank is preferable to one type
    at a larger rank. Our ``c_attn`` holds ``W_q, W_k, W_v`` in one matrix, so we adapt it
    whole (one ``A`` shared by queries, keys and values). ``"all"``: every ``nn.Linear`` inside a
    :class:`~stepbytoken.nn.gpt.Block`, the MLP's too, as QLoRA does (Dettmers et al., 2023,
    §4). The embedding and the output head are never included. A layer already wrapped by
    :class:`LoRALinear` is not an ``nn.Linear`` and is left out; its ``base`` is not.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not an ``nn.Module`` or ``targets`` is not one of :data:`TARGETS`.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=2, d_model=8)
    >>> list(block_linears(GPT(config), "attention"))
    ['blocks.0.attn.c_attn', 'blocks.0.attn.c_proj']
    >>> list(block_linears(GPT(config), "all"))[2:]
    ['blocks.0.mlp.c_fc', 'blocks.0.mlp.c_proj']
    """
    check_instance("model", model, nn.Module)
    check_choice("targets", targets, TARGETS)
    found: dict[str, nn.Linear] = {}
    for name, module in model.named_modules():
        if targets == "attention" and isinstance(module, MultiHeadAttention):
            for leaf in ("c_attn", "c_proj"):
                layer = getattr(module, leaf)
                if isinstance(layer, nn.Linear):
                    found[_qualified(name, leaf)] = layer
        elif targets == "all" and isinstance(module, Block):
            for sub, layer in module.named_modules():
                if isinstance(layer, nn.Linear):
                    found[_qualified(name, sub)] = layer
    return found


def add_lora(
    model: nn.Module,
    rank: int,
    *,
    alpha: float | None = None,
    targets: str = "attention",
    seed: int = 0,
) -> nn.Module:
    """Return a copy of ``model`` (same class) whose block linear layers are :class:`LoRALinear`.

    Every parameter of the copy is frozen except the adapters' ``A`` and ``B``; ``model``
    itself is not changed. ``alpha`` defaults to ``rank``, a scale of 1 at every rank. The
    LoRA paper instead sets ``alpha`` to the first rank it tries and keeps it when trying
    other ranks (Hu et al., 2021, §4.1): to follow it across ranks, pass the same ``alpha``
    each time.

    Introduced in chapter 14.

    Parameters
    ----------
    model : nn.Module
        A GPT (or a module holding GPT blocks, such as a reward model) without adapters.
    rank : int
        Rank of every adapter, from 1 to the smaller side of each adapted matrix.
    alpha : float, optional
        Numerator of the scale ``alpha / rank``, > 0; defaults to ``rank``.
    targets : {"attention", "all"}, default "attention"
        Which layers to adapt, as :func:`block_linears` defines them.
    seed : int, default 0
        Seed of the random ``A`` matrices (>= 0).

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or value, ``model`` has no linear layers in
        transformer blocks, or it already has LoRA adapters.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=2, d_model=8)
    >>> adapted = add_lora(GPT(config), rank=2)
    >>> trainable_share(adapted)  # 2 * (8 + 24) for c_attn, 2 * (8 + 8) for c_proj
    (96, 1096)
    """
    check_instance("model", model, nn.Module)
    check_int("rank", rank, minimum=1)
    if alpha is not None:
        check_float("alpha", alpha, minimum=0, open_minimum=True)
    check_choice("targets", targets, TARGETS)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    if any(isinstance(m, LoRALinear) for m in model.modules()):
        raise ValueError("model already has LoRA adapters; merge_lora(model) first")
    if not block_linears(model, targets):
        raise ValueError(
            f"model has no linear layers to adapt for targets={targets!r} "
            "(add_lora adapts the attention and MLP layers of GPT blocks)"
        )
    adapted = copy.deepcopy(model)
    adapted.requires_grad_(False)
    for name, layer in block_linears(adapted, targets).items():
        parent, _, leaf = name.rpartition(".")
        lora = LoRALinear(layer, rank, alpha, generator=generator)
        setattr(adapted.get_submodule(parent), leaf, lora)
    return adapted


def merge_lora(model: nn.Module) -> nn.Module:
    """Return a plain copy of an adapted ``model``: every :class:`LoRALinear` merged.

    The copy has the class and the state-dict keys of the model before :func:`add_lora`,
    computes the same logits, and has every parameter trainable again, as a freshly built
    model has. ``model`` itself is not changed.

    Introduced in chapter 14.

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not an ``nn.Module`` or has no LoRA adapters.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=2, d_model=8)
    >>> model = GPT(config)
    >>> merged = merge_lora(add_lora(model, rank=2))
    >>> type(merged).__name__, merged.state_dict().keys() == model.state_dict().keys()
    ('GPT', True)
    """
    check_instance("model", model, nn.Module)
    if not any(isinstance(m, LoRALinear) for m in model.modules()):
        raise ValueError("model has no LoRA adapters to merge (see add_lora)")
    if isinstance(model, LoRALinear):
        return model.merged()
    plain = copy.deepcopy(model)
    for name, lora in list(plain.named_modules()):
        if isinstance(lora, LoRALinear):
            parent, _, leaf = name.rpartition(".")
            setattr(plain.get_submodule(parent), leaf, lora.merged())
    return plain.requires_grad_(True)


def lora_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Return the ``A`` and ``B`` matrices of every adapter of ``model``, for an optimizer.

    Introduced in chapter 14.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.

    Examples
    --------
    >>> [tuple(p.shape) for p in lora_parameters(LoRALinear(nn.Linear(8, 4), rank=2))]
    [(2, 8), (4, 2)]
    """
    check_instance("model", model, nn.Module)
    params: list[nn.Parameter] = []
    for module in model.modules():
        if isinstance(module, LoRALinear):
            params += [module.lora_A, module.lora_B]
    return params


def trainable_share(model: nn.Module) -> tuple[int, int]:
    """Return ``(trainable, total)`` numbers of distinct parameters of ``model``.

    A tensor shared by two layers (a tied embedding and head) counts once. For an adapted
    model, ``trainable`` is ``rank * (in_features + out_features)`` summed over the adapted
    layers and ``total`` counts the frozen base and the adapters.

    Introduced in chapter 14.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.

    Examples
    --------
    >>> trainable_share(LoRALinear(nn.Linear(8, 4), rank=2))  # 2 * (8 + 4); 8 * 4 + 4 more
    (24, 60)
    """
    check_instance("model", model, nn.Module)
    unique = {id(p): p for p in model.parameters()}.values()
    trainable = sum(p.numel() for p in unique if p.requires_grad)
    return trainable, sum(p.numel() for p in unique)


def adapter_state_dict(model: nn.Module) -> dict[str, Tensor]:
    """Return what a saved adapter holds: every ``lora_A`` and ``lora_B``, by state-dict name.

    The tensors are detached copies. With the base model, they are all it takes to rebuild
    the adapted model.

    Introduced in chapter 14.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.

    Examples
    --------
    >>> list(adapter_state_dict(LoRALinear(nn.Linear(8, 4), rank=2)))
    ['lora_A', 'lora_B']
    """
    check_instance("model", model, nn.Module)
    return {
        name: tensor.detach().clone()
        for name, tensor in model.state_dict().items()
        if name.rpartition(".")[2] in ("lora_A", "lora_B")
    }


def optimizer_memory(
    n_trainable: int, *, bytes_per_value: int = 4, optimizer: str = "adam"
) -> int:
    """Return the bytes that training keeps besides the weights: gradients and optimizer state.

    Every trainable parameter has a gradient (1 value). Adam also keeps two running
    averages per parameter, of the gradient and of its square (``exp_avg`` and
    ``exp_avg_sq`` in PyTorch): 3 values in all. Plain SGD without momentum keeps no state:
    1 value. Frozen parameters need neither, which is where LoRA saves most memory.

    Introduced in chapter 14.

    Parameters
    ----------
    n_trainable : int
        Number of trainable parameters (>= 0).
    bytes_per_value : int, default 4
        Bytes of one stored number (>= 1): 4 for float32, 2 for bfloat16.
    optimizer : {"adam", "sgd"}, default "adam"

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or value.

    Examples
    --------
    >>> optimizer_memory(1_000_000)  # (1 gradient + 2 moments) * 4 bytes
    12000000
    >>> optimizer_memory(1_000_000, optimizer="sgd")
    4000000
    """
    n_trainable = check_int("n_trainable", n_trainable, minimum=0)
    bytes_per_value = check_int("bytes_per_value", bytes_per_value, minimum=1)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    values = 3 if optimizer == "adam" else 1
    return values * n_trainable * bytes_per_value


def update_spectrum(before: nn.Module, after: nn.Module) -> dict[str, Tensor]:
    """Return the singular values of ``W_after - W_before`` for each weight matrix of the blocks.

    Only the 2-D parameters inside transformer blocks are compared (attention and MLP
    matrices, by state-dict name). ``after`` may still hold adapters: it is merged first. An
    update made by a rank-``r`` adapter has at most ``r`` singular values above rounding
    error (float32 weights leave the others near ``1e-7`` of the largest); full fine-tuning
    may change every direction. Computed in float64.

    Introduced in chapter 14.

    Returns
    -------
    dict of str to Tensor
        Name -> 1-D float64 tensor of singular values, largest first
        (:func:`torch.linalg.svdvals`).

    Raises
    ------
    TypeError, ValueError
        If either model is not an ``nn.Module``, ``before`` has no transformer blocks or
        ``after`` lacks one of their weights or has it with another shape.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> config = GPTConfig(vocab_size=10, block_size=4, n_layer=1, n_head=2, d_model=8)
    >>> model = GPT(config)
    >>> adapted = add_lora(model, rank=2)
    >>> with torch.no_grad():
    ...     _ = [b.normal_() for name, b in adapted.named_parameters() if "lora_B" in name]
    >>> s = update_spectrum(model, adapted)["blocks.0.attn.c_proj.weight"]
    >>> s.shape, int((s > 1e-4 * s[0]).sum())  # 8 singular values, 2 above rounding
    (torch.Size([8]), 2)
    """
    check_instance("before", before, nn.Module)
    check_instance("after", after, nn.Module)
    if any(isinstance(m, LoRALinear) for m in before.modules()):
        raise ValueError("before must be a plain model; merge_lora(before) first")
    if any(isinstance(m, LoRALinear) for m in after.modules()):
        after = merge_lora(after)
    new = after.state_dict()
    spectra: dict[str, Tensor] = {}
    for block_name, block in before.named_modules():
        if not isinstance(block, Block):
            continue
        for pname, old in block.named_parameters():
            if old.ndim != 2:
                continue
            name = _qualified(block_name, pname)
            if name not in new or new[name].shape != old.shape:
                raise ValueError(
                    f"after must have a weight {name} of shape {tuple(old.shape)}, "
                    f"got {tuple(new[name].shape) if name in new else 'none'}"
                )
            check_tensor(name, new[name], dims=2, integer=False)
            delta = new[name].detach().double() - old.detach().double()
            spectra[name] = torch.linalg.svdvals(delta.cpu())
    if not spectra:
        raise ValueError("before has no weight matrices in transformer blocks")
    return spectra
