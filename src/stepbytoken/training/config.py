"""The settings of a training run, and what a run measured.

Introduced in chapter 6.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import NamedTuple

from stepbytoken.checks import check_float, check_int
from stepbytoken.training.schedule import lr_schedule

__all__ = ["TrainConfig", "StepRecord", "TrainResult"]


@dataclass(frozen=True)
class TrainConfig:
    """Settings of a training run (frozen: use ``dataclasses.replace`` to vary one).

    Introduced in chapter 6.

    Attributes
    ----------
    steps, batch_size : int
        Number of optimisation steps and windows per batch (>= 1).
    block_size : int, optional
        Tokens per window; None takes the model's ``block_size``.
    lr : float
        Peak learning rate of the schedule (> 0).
    warmup_steps : int, optional
        Linear warm-up length in ``[0, steps]``; None means ``steps // 10``.
    min_lr : float, optional
        Learning rate at the last step, in ``[0, lr]``; None means ``lr / 10``.
    weight_decay : float
        AdamW weight decay on weight matrices (>= 0).
    grad_clip : float, optional
        Clip the global gradient norm to this value (> 0); None disables clipping.
    eval_every : int, optional
        Estimate the losses every this many steps and after the last; None: only after the last.
    eval_batches : int
        Batches averaged by each loss estimate (>= 1).
    seed : int
        Seed of the batches, the evaluation batches and dropout (>= 0).
    betas, eps
        AdamW's moment decay rates (each in ``[0, 1)``) and epsilon (> 0).

    Raises
    ------
    TypeError, ValueError
        When created with a value outside the ranges above.

    Examples
    --------
    >>> config = TrainConfig(steps=200, lr=1e-2)
    >>> config.effective_warmup_steps, config.final_lr  # the defaults: steps // 10 and lr / 10
    (20, 0.001)
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
        check_int("steps", self.steps, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        if self.block_size is not None:
            check_int("block_size", self.block_size, minimum=1)
        check_float("lr", self.lr, minimum=0, open_minimum=True)
        if self.warmup_steps is not None:
            check_int("warmup_steps", self.warmup_steps, minimum=0)
            if self.warmup_steps > self.steps:
                raise ValueError(
                    f"warmup_steps must be <= steps = {self.steps}, got {self.warmup_steps}"
                )
        if self.min_lr is not None:
            check_float("min_lr", self.min_lr, minimum=0, maximum=self.lr)
        check_float("weight_decay", self.weight_decay, minimum=0)
        if self.grad_clip is not None:
            check_float("grad_clip", self.grad_clip, minimum=0, open_minimum=True)
        if self.eval_every is not None:
            check_int("eval_every", self.eval_every, minimum=1)
        check_int("eval_batches", self.eval_batches, minimum=1)
        check_int("seed", self.seed, minimum=0)
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
        check_float("eps", self.eps, minimum=0, open_minimum=True)

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
    """One row of a training history: the step, batch loss, ``val_loss`` (or None), lr, grad norm.

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

    Step ``s`` means "after ``s`` updates": ``train_loss[s]`` is the loss of the batch used by
    update ``s`` (before it is applied); an evaluation at step ``s`` sees the same weights.
    The last evaluation is at step ``config.steps``.

    Introduced in chapter 6.

    Attributes
    ----------
    config : TrainConfig
        The settings of the run.
    steps, train_loss, lr, grad_norm : list
        One entry per update: its index, the batch loss, the learning rate, and the global
        gradient norm *before* clipping.
    eval_steps, eval_train_loss, eval_val_loss : list
        One entry per evaluation: the step and the estimated training and validation losses
        (None without validation data).
    elapsed_s : float
        Wall-clock duration of the run, in seconds.
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
        """One :class:`StepRecord` per update, ``val_loss`` set where one was estimated."""
        val_at = dict(zip(self.eval_steps, self.eval_val_loss, strict=True))
        return [
            StepRecord(step, loss, val_at.get(step), lr, norm)
            for step, loss, lr, norm in zip(
                self.steps, self.train_loss, self.lr, self.grad_norm, strict=True
            )
        ]
