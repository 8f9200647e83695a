"""Training: the loop that turns a randomly initialised model into a language model.

Each step draws a batch of random windows from the training tokens (``get_batch``), measures
the cross-entropy of the model's next-token predictions, back-propagates, clips the gradient
and lets AdamW move the weights, with a learning rate that warms up linearly and then decays
along a cosine (``lr_schedule``). Every ``eval_every`` steps the loss is estimated on held-out
data (``estimate_loss``) so the book can draw training and validation curves side by side.

Everything random is seeded from ``TrainConfig.seed``: the batches, the evaluation batches,
and the global random state used by layers such as dropout (forked for the run, so the
caller's random state is left as it was). Two runs with the same seed on the CPU give
identical losses.

Introduced in chapter 6.
"""

from __future__ import annotations

import inspect
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from stepbytoken.generation.sampling import (
    _eval_mode,  # eval mode, each submodule's own mode restored
)

# ----------------------------------------------------------------------------------------------
# Small checks


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_float(name: str, value: object, *, positive: bool) -> float:
    allowed = "> 0" if positive else ">= 0"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number {allowed}, got {value!r}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be a finite number {allowed}, got {value}")
    return float(value)


def _check_tokens(name: str, data: object, block_size: int) -> torch.Tensor:
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"{name} must be a 1-D tensor of token ids, got {type(data).__name__}")
    if data.dim() != 1 or data.is_floating_point() or data.is_complex():
        raise ValueError(
            f"{name} must be a 1-D integer tensor of token ids, "
            f"got shape {tuple(data.shape)} and dtype {data.dtype}"
        )
    if len(data) <= block_size:
        raise ValueError(
            f"{name} needs more than block_size = {block_size} tokens "
            f"(a window plus its shifted target), got {len(data)}"
        )
    return data


# ----------------------------------------------------------------------------------------------
# The learning-rate schedule


def lr_schedule(
    step: int,
    *,
    max_lr: float,
    warmup_steps: int,
    total_steps: int,
    min_lr: float = 0.0,
) -> float:
    """Learning rate at ``step``: a linear warm-up, then a cosine decay down to ``min_lr``.

    Steps count from 0. During warm-up (``step < warmup_steps``) the rate climbs linearly to
    reach ``max_lr`` at step ``warmup_steps - 1`` (step 0 already gets
    ``max_lr / warmup_steps``, so no step is wasted at zero). It then follows half a cosine
    down to ``min_lr``, reached exactly at the last step, ``total_steps - 1``, and kept
    after that. With ``warmup_steps = 0`` the decay starts from ``max_lr`` at step 0; with
    ``warmup_steps = total_steps`` the whole run is warm-up.

    Parameters
    ----------
    step
        The optimisation step, an int >= 0.
    max_lr
        The peak learning rate, > 0.
    warmup_steps
        Length of the linear warm-up, an int in ``[0, total_steps]``.
    total_steps
        Number of steps in the run, an int >= 1.
    min_lr
        The final learning rate, in ``[0, max_lr]``.

    Returns
    -------
    float
        The learning rate for this step.

    Raises
    ------
    ValueError, TypeError
        If an argument is outside the ranges above.

    Examples
    --------
    >>> [round(lr_schedule(s, max_lr=1.0, warmup_steps=2, total_steps=5), 3) for s in range(6)]
    [0.5, 1.0, 0.75, 0.25, 0.0, 0.0]

    Introduced in chapter 6.
    """
    step = _check_int("step", step, 0)
    total_steps = _check_int("total_steps", total_steps, 1)
    warmup_steps = _check_int("warmup_steps", warmup_steps, 0)
    max_lr = _check_float("max_lr", max_lr, positive=True)
    min_lr = _check_float("min_lr", min_lr, positive=False)
    if warmup_steps > total_steps:
        raise ValueError(f"warmup_steps must be <= total_steps = {total_steps}, got {warmup_steps}")
    if min_lr > max_lr:
        raise ValueError(f"min_lr must be in [0, max_lr = {max_lr}], got {min_lr}")

    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    peak = max(warmup_steps - 1, 0)  # the step at which the rate is max_lr
    span = total_steps - 1 - peak  # steps over which it decays
    if span <= 0:
        return max_lr  # the warm-up fills the run: nothing left to decay
    progress = min((step - peak) / span, 1.0)  # 0 at the peak, 1 at the last step
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (max_lr - min_lr)


# ----------------------------------------------------------------------------------------------
# Configuration and results


@dataclass(frozen=True)
class TrainConfig:
    """Settings of a training run (frozen: use ``dataclasses.replace`` to vary one).

    Attributes
    ----------
    steps
        Number of optimisation steps (>= 1).
    batch_size
        Windows per batch (>= 1).
    block_size
        Tokens per window; None takes the model's ``block_size`` (or ``config.block_size``).
    lr
        Peak learning rate of the schedule (> 0).
    warmup_steps
        Linear warm-up length, in ``[0, steps]``; None means ``steps // 10``.
    min_lr
        Learning rate at the last step, in ``[0, lr]``; None means ``lr / 10``.
    weight_decay
        AdamW weight decay (>= 0), applied to weight matrices only (see
        :func:`configure_optimizer`).
    grad_clip
        Clip the global gradient norm to this value (> 0); None disables clipping.
    eval_every
        Estimate the losses every this many steps (>= 1), and after the last step; None
        evaluates only after the last step.
    eval_batches
        Batches averaged by each loss estimate (>= 1).
    seed
        Seed for the batches, the evaluation batches and layers such as dropout (>= 0).
    betas, eps
        AdamW's moment decay rates (each in ``[0, 1)``) and its epsilon (> 0).

    Raises
    ------
    ValueError, TypeError
        When created with a value outside the ranges above.

    Examples
    --------
    >>> config = TrainConfig(steps=200, lr=1e-2)
    >>> config.effective_warmup_steps, config.final_lr  # the defaults: steps // 10 and lr / 10
    (20, 0.001)
    >>> TrainConfig(steps=10, warmup_steps=100)
    Traceback (most recent call last):
    ...
    ValueError: warmup_steps must be <= steps = 10, got 100

    Introduced in chapter 6.
    """

    steps: int = 1000
    batch_size: int = 32
    block_size: int | None = None
    lr: float = 1e-3
    warmup_steps: int | None = None
    min_lr: float | None = None
    weight_decay: float = 0.1
    grad_clip: float | None = 1.0
    eval_every: int | None = 100
    eval_batches: int = 20
    seed: int = 0
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = 1e-8

    def __post_init__(self) -> None:
        _check_int("steps", self.steps, 1)
        _check_int("batch_size", self.batch_size, 1)
        if self.block_size is not None:
            _check_int("block_size", self.block_size, 1)
        _check_float("lr", self.lr, positive=True)
        if self.warmup_steps is not None:
            _check_int("warmup_steps", self.warmup_steps, 0)
        if self.warmup_steps is not None and self.warmup_steps > self.steps:
            raise ValueError(
                f"warmup_steps must be <= steps = {self.steps}, got {self.warmup_steps}"
            )
        if self.min_lr is not None:
            _check_float("min_lr", self.min_lr, positive=False)
            if self.min_lr > self.lr:
                raise ValueError(f"min_lr must be in [0, lr = {self.lr}], got {self.min_lr}")
        _check_float("weight_decay", self.weight_decay, positive=False)
        if self.grad_clip is not None:
            _check_float("grad_clip", self.grad_clip, positive=True)
        if self.eval_every is not None:
            _check_int("eval_every", self.eval_every, 1)
        _check_int("eval_batches", self.eval_batches, 1)
        _check_int("seed", self.seed, 0)
        if (
            not isinstance(self.betas, tuple | list)
            or len(self.betas) != 2
            or not all(
                isinstance(b, numbers.Real) and not isinstance(b, bool) and 0 <= b < 1
                for b in self.betas
            )
        ):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        object.__setattr__(self, "betas", (float(self.betas[0]), float(self.betas[1])))
        _check_float("eps", self.eps, positive=True)

    @property
    def effective_warmup_steps(self) -> int:
        """The warm-up length used: ``warmup_steps``, or ``steps // 10`` if that is None."""
        return self.steps // 10 if self.warmup_steps is None else int(self.warmup_steps)

    @property
    def final_lr(self) -> float:
        """The learning rate at the last step: ``min_lr``, or ``lr / 10`` if that is None."""
        return self.lr / 10 if self.min_lr is None else float(self.min_lr)

    def lr_at(self, step: int) -> float:
        """The learning rate of this run at ``step`` (see :func:`lr_schedule`)."""
        return lr_schedule(
            step,
            max_lr=self.lr,
            warmup_steps=self.effective_warmup_steps,
            total_steps=self.steps,
            min_lr=self.final_lr,
        )


class StepRecord(NamedTuple):
    """One row of a training history (see :attr:`TrainResult.history`).

    ``step``, the batch ``train_loss``, the ``val_loss`` estimated at this step (None if
    none was), the ``lr`` used and the ``grad_norm`` before clipping.

    Introduced in chapter 6.
    """

    step: int
    train_loss: float
    val_loss: float | None
    lr: float
    grad_norm: float


@dataclass
class TrainResult:
    """What a training run measured.

    Step ``s`` means "after ``s`` updates": ``train_loss[s]`` is the loss of the batch used
    by update ``s`` (before it is applied), and an evaluation at step ``s`` sees the same
    weights. The last evaluation is at step ``config.steps``, after the final update.

    Attributes
    ----------
    config
        The settings of the run.
    steps, train_loss, lr, grad_norm
        One entry per update: its index, the batch loss, the learning rate used, and the
        global gradient norm *before* clipping.
    eval_steps, eval_train_loss, eval_val_loss
        One entry per evaluation: the step, and the loss estimated on training and
        validation data (None when no validation data was given).
    elapsed_s
        Wall-clock duration of the run, in seconds.

    Introduced in chapter 6.
    """

    config: TrainConfig
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_train_loss: list[float] = field(default_factory=list)
    eval_val_loss: list[float | None] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def final_train_loss(self) -> float:
        """The training loss estimated after the last update."""
        return self.eval_train_loss[-1]

    @property
    def final_val_loss(self) -> float | None:
        """The validation loss estimated after the last update (None without val data)."""
        return self.eval_val_loss[-1]

    @property
    def history(self) -> list[StepRecord]:
        """One :class:`StepRecord` per update, with ``val_loss`` set where one was estimated.

        The evaluation after the final update has no update of its own; read it from
        :attr:`final_val_loss`.
        """
        val_at = dict(zip(self.eval_steps, self.eval_val_loss, strict=True))
        return [
            StepRecord(step, loss, val_at.get(step), lr, norm)
            for step, loss, lr, norm in zip(
                self.steps, self.train_loss, self.lr, self.grad_norm, strict=True
            )
        ]


# ----------------------------------------------------------------------------------------------
# Batches, losses and the optimiser


def get_batch(
    data: torch.Tensor,
    batch_size: int,
    block_size: int,
    generator: torch.Generator,
    *,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``batch_size`` random windows of ``block_size`` tokens, and their targets.

    Each window starts at a uniformly random position; its target ``y`` is the same window
    shifted one token to the right, so ``y[b, t]`` is the token that follows ``x[b, : t + 1]``.

    Parameters
    ----------
    data
        The token stream, a 1-D integer tensor longer than ``block_size``.
    batch_size
        Number of windows, >= 1.
    block_size
        Tokens per window, >= 1.
    generator
        Where the start positions come from (a CPU ``torch.Generator``).
    device
        Where to put ``x`` and ``y`` (default: the device of ``data``).

    Returns
    -------
    tuple[torch.Tensor, torch.Tensor]
        ``x`` and ``y``, int64 tensors of shape ``(batch_size, block_size)``.

    Raises
    ------
    ValueError, TypeError
        If ``data`` is not a long enough 1-D integer tensor, or a size is not an int >= 1.

    Examples
    --------
    >>> data = torch.arange(100)
    >>> x, y = get_batch(data, 2, 4, torch.Generator().manual_seed(0))
    >>> x.shape, y.shape
    (torch.Size([2, 4]), torch.Size([2, 4]))
    >>> torch.equal(y, x + 1)  # with data = 0, 1, 2, ... the next token is always one more
    True

    Introduced in chapter 6.
    """
    batch_size = _check_int("batch_size", batch_size, 1)
    block_size = _check_int("block_size", block_size, 1)
    data = _check_tokens("data", data, block_size)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    starts = torch.randint(
        len(data) - block_size, (batch_size,), generator=generator, device=generator.device
    )  # (B,)
    positions = starts.to(data.device)[:, None] + torch.arange(block_size, device=data.device)
    x = data[positions].long()  # (B, T)
    y = data[positions + 1].long()  # (B, T)
    if device is not None:
        x, y = x.to(device), y.to(device)
    return x, y


def _accepts_targets(model: Callable[..., object]) -> bool:
    """Whether ``model(x, targets=y)`` is allowed by the model's signature."""
    forward = model.forward if isinstance(model, nn.Module) else model
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "targets" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _loss(
    model: Callable[..., object], x: torch.Tensor, y: torch.Tensor, pass_targets: bool
) -> torch.Tensor:
    """Mean cross-entropy of the model's predictions of ``y`` from ``x``."""
    out = model(x, targets=y) if pass_targets else model(x)
    if isinstance(out, tuple):
        logits, loss = out[0], (out[1] if len(out) > 1 else None)
    else:
        logits, loss = out, None
    if loss is None:  # a model that returns only logits: score them ourselves
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))  # (B*T, V)
    return loss


def _model_block_size(model: object, block_size: int | None) -> int:
    if block_size is None:
        block_size = getattr(model, "block_size", None)
        if block_size is None:
            block_size = getattr(getattr(model, "config", None), "block_size", None)
        if block_size is None:
            raise ValueError(
                "block_size is unknown: give it (TrainConfig.block_size or block_size=) "
                "or use a model with a block_size or config.block_size attribute"
            )
    return _check_int("block_size", block_size, 1)


def _model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    return torch.device("cpu")


def estimate_loss(
    model: nn.Module,
    data: torch.Tensor,
    *,
    batch_size: int,
    block_size: int | None = None,
    eval_batches: int = 20,
    seed: int = 0,
) -> float:
    """Average cross-entropy of the model over ``eval_batches`` random batches of ``data``.

    The model runs in eval mode (no dropout) without gradients; each module's mode is
    restored afterwards. The batches depend only on ``seed``, so repeated estimates during a
    run compare the model on the same windows.

    Parameters
    ----------
    model
        A module mapping ``(B, T)`` ids to logits, or ``(x, targets=y)`` to ``(logits, loss)``.
    data
        Token ids, a 1-D integer tensor longer than ``block_size``.
    batch_size, eval_batches
        Size and number of the batches, each >= 1.
    block_size
        Window length; None takes the model's ``block_size`` (or ``config.block_size``).
    seed
        Seed of the batch positions (>= 0).

    Returns
    -------
    float
        The mean loss in nats per token.

    Raises
    ------
    ValueError, TypeError
        For bad arguments or data that is too short.

    Examples
    --------
    An untrained model that gives every token the same score loses ``ln(vocab_size)``:

    >>> model = torch.nn.Embedding(8, 8)
    >>> _ = torch.nn.init.zeros_(model.weight)
    >>> round(estimate_loss(model, torch.arange(40) % 8, batch_size=4, block_size=5), 4)
    2.0794

    Introduced in chapter 6.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    batch_size = _check_int("batch_size", batch_size, 1)
    eval_batches = _check_int("eval_batches", eval_batches, 1)
    seed = _check_int("seed", seed, 0)
    block_size = _model_block_size(model, block_size)
    data = _check_tokens("data", data, block_size)
    generator = torch.Generator().manual_seed(seed)
    device = _model_device(model)
    pass_targets = _accepts_targets(model)
    total = 0.0
    with _eval_mode(model), torch.no_grad():
        for _ in range(eval_batches):
            x, y = get_batch(data, batch_size, block_size, generator, device=device)
            total += float(_loss(model, x, y, pass_targets))
    return total / eval_batches


def configure_optimizer(
    model: nn.Module,
    *,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.95),
    eps: float = 1e-8,
) -> torch.optim.AdamW:
    """AdamW over the model's trainable parameters, with weight decay on weight matrices only.

    Weight decay pulls weights towards zero. It is applied to the matrices of linear (and
    other) layers, parameters with 2 or more dimensions, and *not* to biases, normalisation
    gains (1-D) or embedding tables (any parameter owned by an ``nn.Embedding``, including a
    output layer tied to one): shrinking those does not regularise anything useful and
    hurts rare tokens' embeddings. This is the book's documented choice; nanoGPT, for
    instance, also decays the embeddings.

    Parameters
    ----------
    model
        The module to train.
    lr
        Learning rate (> 0); :func:`train` overwrites it at each step with the schedule.
    weight_decay
        Decoupled weight decay of the decayed group (>= 0).
    betas, eps
        Passed to ``torch.optim.AdamW``.

    Returns
    -------
    torch.optim.AdamW
        With ``param_groups[0]`` the decayed parameters and ``param_groups[1]`` the others
        (weight decay 0); an empty group is left out.

    Raises
    ------
    ValueError
        If the model has no trainable parameters or ``lr``/``weight_decay`` are out of range.

    Examples
    --------
    >>> model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10))
    >>> optimizer = configure_optimizer(model, lr=1e-3, weight_decay=0.1)
    >>> [(g["weight_decay"], [tuple(p.shape) for p in g["params"]]) for g in optimizer.param_groups]
    [(0.1, [(10, 4)]), (0.0, [(10, 4), (10,)])]

    Introduced in chapter 6.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lr = _check_float("lr", lr, positive=True)
    weight_decay = _check_float("weight_decay", weight_decay, positive=False)
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


def _global_norm(parameters: list[torch.Tensor]) -> torch.Tensor:
    norms = [p.grad.detach().norm() for p in parameters if p.grad is not None]
    if not norms:
        return torch.tensor(0.0)
    return torch.linalg.vector_norm(torch.stack(norms))


# ----------------------------------------------------------------------------------------------
# The loop


def train(
    model: nn.Module,
    train_data: torch.Tensor,
    val_data: torch.Tensor | None = None,
    config: TrainConfig | None = None,
    *,
    progress: bool = False,
    callback: Callable[[int, nn.Module], object] | None = None,
) -> TrainResult:
    """Train ``model`` on next-token prediction over ``train_data``.

    Each of the ``config.steps`` updates: set the learning rate from the schedule
    (:meth:`TrainConfig.lr_at`), draw a batch (:func:`get_batch`), compute the loss, back-
    propagate, record the gradient norm and clip it to ``config.grad_clip``, and take an AdamW
    step (:func:`configure_optimizer`). The losses on training (and validation) data are
    estimated at step 0, every ``config.eval_every`` steps and after the last update.

    The model's forward is called as ``model(x, targets=y)`` and should return
    ``(logits, loss)``; a model whose forward takes no ``targets`` may return logits alone,
    and the cross-entropy is computed here.

    The run is deterministic on the CPU: batches come from generators seeded by
    ``config.seed``, and the global random state (dropout) is forked and seeded for the run,
    then restored, so the caller's random state is unchanged. ``callback`` also runs on a
    forked random state, so sampling from the model in a callback does not change training.

    Parameters
    ----------
    model
        The module to train, in place; it is left in the train/eval mode it came in.
    train_data, val_data
        1-D integer tensors of token ids, each longer than the block size.
    config
        The settings; ``TrainConfig()`` if None.
    progress
        Show a tqdm progress bar (off by default, to keep book pages quiet).
    callback
        Called as ``callback(step, model)`` for ``step = 0, 1, ..., config.steps``, after
        ``step`` updates (and after that step's evaluation, if any); e.g. to take samples
        at chosen steps. Its return value is ignored.

    Returns
    -------
    TrainResult
        Per-step losses, learning rates and gradient norms, and the evaluations.

    Raises
    ------
    ValueError, TypeError
        For bad arguments.
    FloatingPointError
        If the loss becomes NaN or infinite (try a lower learning rate).

    Examples
    --------
    A bigram model (a table of next-token logits) learns a repeating sequence:

    >>> data = torch.arange(400) % 8
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Embedding(8, 8)
    >>> config = TrainConfig(steps=60, batch_size=8, block_size=8, lr=0.1, warmup_steps=5,
    ...                      eval_every=20, eval_batches=2)
    >>> result = train(model, data[:300], data[300:], config)
    >>> result.eval_steps
    [0, 20, 40, 60]
    >>> result.final_val_loss < 0.1 < result.eval_val_loss[0]
    True

    Introduced in chapter 6.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if config is None:
        config = TrainConfig()
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig (or None), got {type(config).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (or None), got {type(callback).__name__}")
    block_size = _model_block_size(model, config.block_size)
    train_data = _check_tokens("train_data", train_data, block_size)
    if val_data is not None:
        val_data = _check_tokens("val_data", val_data, block_size)

    device = _model_device(model)
    optimizer = configure_optimizer(
        model, lr=config.lr, weight_decay=config.weight_decay, betas=config.betas, eps=config.eps
    )
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    pass_targets = _accepts_targets(model)
    batch_generator = torch.Generator().manual_seed(config.seed)
    eval_seed = config.seed + 1  # the same evaluation windows at every evaluation
    eval_at = set(range(0, config.steps, config.eval_every)) if config.eval_every else set()
    eval_at.add(config.steps)
    cuda_devices = []
    if device.type == "cuda":
        cuda_devices = [torch.cuda.current_device() if device.index is None else device.index]
    result = TrainResult(config=config)

    def evaluate(step: int) -> None:
        kwargs = dict(
            batch_size=config.batch_size,
            block_size=block_size,
            eval_batches=config.eval_batches,
            seed=eval_seed,
        )
        result.eval_steps.append(step)
        result.eval_train_loss.append(estimate_loss(model, train_data, **kwargs))
        result.eval_val_loss.append(
            None if val_data is None else estimate_loss(model, val_data, **kwargs)
        )

    bar = None
    if progress:
        from tqdm.auto import tqdm  # imported only when asked for

        bar = tqdm(total=config.steps, desc="training", unit="step")
    modes = [(module, module.training) for module in model.modules()]
    start = time.perf_counter()
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(config.seed)
            model.train()
            for step in range(config.steps + 1):
                if step in eval_at:
                    evaluate(step)
                if callback is not None:
                    with torch.random.fork_rng(devices=cuda_devices):
                        callback(step, model)
                    model.train()
                if step == config.steps:
                    break

                lr = config.lr_at(step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                x, y = get_batch(
                    train_data, config.batch_size, block_size, batch_generator, device=device
                )  # (B, T) each
                loss = _loss(model, x, y, pass_targets)
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    raise FloatingPointError(
                        f"the loss became {loss_value} at step {step}; "
                        f"try a lower learning rate (lr = {config.lr}) or gradient clipping"
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip is not None:
                    norm = torch.nn.utils.clip_grad_norm_(parameters, config.grad_clip)
                else:
                    norm = _global_norm(parameters)
                optimizer.step()

                result.steps.append(step)
                result.train_loss.append(loss_value)
                result.lr.append(lr)
                result.grad_norm.append(float(norm))
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss_value:.3f}", lr=f"{lr:.2e}")
    finally:
        for module, training in modes:  # leave every module in the mode it came in
            module.training = training
        if bar is not None:
            bar.close()
    result.elapsed_s = time.perf_counter() - start
    return result
