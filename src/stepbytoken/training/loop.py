"""The training loop: turn a randomly initialised model into a language model.

Each step draws a batch of random windows (:func:`~stepbytoken.training.batches.get_batch`),
measures the cross-entropy of the model's next-token predictions, back-propagates, clips the
gradient and lets AdamW move the weights, with the learning rate of
:func:`~stepbytoken.training.schedule.lr_schedule`. Every ``eval_every`` steps
:func:`estimate_loss` measures training and held-out loss. Everything random is seeded from
``TrainConfig.seed``; two runs with the same seed on the CPU give identical losses. Under
``torchrun`` the same loop trains on several processes with DistributedDataParallel (see
:mod:`stepbytoken.training.distributed`): the same global batch, split over the processes.

Introduced in chapter 6.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from stepbytoken.checks import check_int
from stepbytoken.nn.interface import (
    check_language_model,
    eval_mode,
    model_device,
    restore_modes,
)
from stepbytoken.training.batches import check_token_stream, get_batch
from stepbytoken.training.config import TrainConfig, TrainResult
from stepbytoken.training.distributed import all_reduce_mean, shard, world
from stepbytoken.training.optimizer import configure_optimizer

__all__ = ["estimate_loss", "train"]


def _block_size(model: nn.Module, block_size: int | None) -> int:
    """The window length: ``block_size`` if given, else the model's (which must be finite)."""
    if block_size is None:
        block_size = check_language_model(model).block_size
        if block_size is None:
            raise ValueError(
                "block_size is unknown: the model reads any length, so give one "
                "(TrainConfig.block_size or block_size=)"
            )
    return check_int("block_size", block_size, minimum=1)


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

    The model runs in eval mode without gradients (each module's mode is restored); the
    batches depend only on ``seed``, so repeated estimates compare the same windows.

    Introduced in chapter 6.

    Parameters
    ----------
    model : nn.Module
        A :class:`~stepbytoken.nn.interface.LanguageModel`.
    data : torch.Tensor
        Token ids, a 1-D integer tensor longer than ``block_size``.
    batch_size, eval_batches : int
        Size and number of the batches, each >= 1.
    block_size : int, optional
        Window length; None takes the model's.
    seed : int, default 0
        Seed of the batch positions (>= 0).

    Returns
    -------
    float
        The mean loss in nats per token.

    Raises
    ------
    TypeError, ValueError
        For a model that is not a language model, bad sizes, or data that is too short.

    Examples
    --------
    A model that gives every token the same score loses ``ln(vocab_size)``:

    >>> from stepbytoken.nn import MLPLanguageModel
    >>> model = MLPLanguageModel(vocab_size=8, context=1)
    >>> _ = model.output.weight.data.zero_()
    >>> round(estimate_loss(model, torch.arange(40) % 8, batch_size=4, block_size=5), 4)
    2.0794
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_language_model(model)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    eval_batches = check_int("eval_batches", eval_batches, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    block_size = _block_size(model, block_size)
    data = check_token_stream("data", data, block_size)
    generator = torch.Generator().manual_seed(seed)
    device = model_device(model)
    total = 0.0
    with eval_mode(model), torch.no_grad():
        for _ in range(eval_batches):
            x, y = get_batch(data, batch_size, block_size, generator, device=device)
            _, loss = model(x, targets=y)
            total += float(loss)
    return total / eval_batches


def _global_norm(parameters: list[torch.Tensor]) -> torch.Tensor:
    norms = [p.grad.detach().norm() for p in parameters if p.grad is not None]
    if not norms:
        return torch.tensor(0.0)
    return torch.linalg.vector_norm(torch.stack(norms))


def train(
    model: nn.Module,
    train_data: torch.Tensor,
    val_data: torch.Tensor | None = None,
    config: TrainConfig | None = None,
    *,
    progress: bool = False,
    callback: Callable[[int, nn.Module], object] | None = None,
    autocast_dtype: torch.dtype | None = None,
) -> TrainResult:
    """Train ``model`` on next-token prediction over ``train_data``.

    Each update sets the learning rate (:meth:`TrainConfig.lr_at`), draws a batch, computes
    ``model(x, targets=y)``'s loss, back-propagates, records and clips the gradient norm, and
    takes an AdamW step. The losses are estimated at step 0, every ``config.eval_every``
    steps and after the last update. The global random state (dropout) is seeded for the run
    and restored afterwards; ``callback`` runs on a forked random state, so sampling in it
    does not change training.

    Under ``torchrun`` (a process group of ``W`` processes, see
    :func:`~stepbytoken.training.distributed.init_distributed`) the model is wrapped in
    DistributedDataParallel: every process draws the same global batch of
    ``config.batch_size`` windows and trains on its ``batch_size / W`` rows, the gradients
    are averaged, and the recorded loss is the mean over the processes, so the run follows
    the one-process run up to rounding. Dropout is seeded with ``config.seed + rank``;
    evaluations run whole on every process; only rank 0 shows progress.

    Introduced in chapter 6.

    Parameters
    ----------
    model : nn.Module
        The :class:`~stepbytoken.nn.interface.LanguageModel` to train, in place; it is left in
        the train/eval mode it came in.
    train_data, val_data : torch.Tensor
        1-D integer tensors of token ids, each longer than the block size.
    config : TrainConfig, optional
        The settings; ``TrainConfig()`` if None.
    progress : bool, default False
        Show a tqdm progress bar.
    callback : callable, optional
        Called as ``callback(step, model)`` for ``step = 0, 1, ..., config.steps``, after
        ``step`` updates and that step's evaluation (on every process).
    autocast_dtype : torch.dtype, optional
        ``torch.bfloat16`` runs the forward passes under :func:`torch.autocast` in bfloat16
        (mixed precision, e.g. on a GPU); None (the default) computes in float32.

    Returns
    -------
    TrainResult
        Per-step losses, learning rates and gradient norms, and the evaluations.

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or a batch size that does not split evenly over the processes.
    FloatingPointError
        If the loss becomes NaN or infinite (try a lower learning rate).

    Examples
    --------
    A neural bigram model learns a repeating sequence:

    >>> from stepbytoken.nn import MLPLanguageModel
    >>> data = torch.arange(400) % 8
    >>> config = TrainConfig(steps=60, batch_size=8, block_size=8, lr=0.1, warmup_steps=5,
    ...                      eval_every=20, eval_batches=2)
    >>> result = train(MLPLanguageModel(8, context=1), data[:300], data[300:], config)
    >>> result.eval_steps
    [0, 20, 40, 60]
    >>> result.final_val_loss < 0.1 < result.eval_val_loss[0]
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_language_model(model)
    if config is None:
        config = TrainConfig()
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"config must be a TrainConfig (or None), got {type(config).__name__}"
        )
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable (or None), got {type(callback).__name__}"
        )
    if autocast_dtype not in (None, torch.bfloat16):
        raise ValueError(
            f"autocast_dtype must be torch.bfloat16 or None, got {autocast_dtype!r}"
        )
    block_size = _block_size(model, config.block_size)
    train_data = check_token_stream("train_data", train_data, block_size)
    if val_data is not None:
        val_data = check_token_stream("val_data", val_data, block_size)
    rank, world_size = world()
    if config.batch_size % world_size:
        raise ValueError(
            f"batch_size = {config.batch_size} must be a multiple of the {world_size} "
            "processes, so that each takes an equal share of the global batch"
        )

    device = model_device(model)

    def precision() -> contextlib.AbstractContextManager:
        if autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=autocast_dtype)

    net: nn.Module = model
    if world_size > 1:
        net = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    optimizer = configure_optimizer(
        model,
        lr=config.lr,
        weight_decay=config.weight_decay,
        betas=config.betas,
        eps=config.eps,
    )
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    batch_generator = torch.Generator().manual_seed(config.seed)
    eval_seed = config.seed + 1  # the same evaluation windows at every evaluation
    eval_at = (
        set(range(0, config.steps, config.eval_every)) if config.eval_every else set()
    )
    eval_at.add(config.steps)
    cuda_devices = []
    if device.type == "cuda":
        cuda_devices = [
            torch.cuda.current_device() if device.index is None else device.index
        ]
    result = TrainResult(config=config)

    def evaluate(step: int) -> None:
        kwargs = dict(
            batch_size=config.batch_size,
            block_size=block_size,
            eval_batches=config.eval_batches,
            seed=eval_seed,
        )
        result.eval_steps.append(step)
        with precision():
            result.eval_train_loss.append(estimate_loss(model, train_data, **kwargs))
            result.eval_val_loss.append(
                None if val_data is None else estimate_loss(model, val_data, **kwargs)
            )

    bar = None
    if progress and rank == 0:
        from tqdm.auto import tqdm  # imported only when asked for

        bar = tqdm(total=config.steps, desc="training", unit="step")
    start = time.perf_counter()
    try:
        with restore_modes(model), torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(config.seed + rank)
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
                    train_data,
                    config.batch_size,
                    block_size,
                    batch_generator,
                    device=device,
                )  # (B, T) each
                # under torchrun: this process's rows of the batch
                x, y = shard(x), shard(y)
                with precision():  # float32, or bfloat16 autocast if asked for
                    # net: the model (in DDP under torchrun)
                    _, loss = net(x, targets=y)
                # the mean over the processes
                loss_value = all_reduce_mean(loss.detach())
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
        if bar is not None:
            bar.close()
    result.elapsed_s = time.perf_counter() - start
    return result
