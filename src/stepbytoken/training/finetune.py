"""Supervised fine-tuning: the training loop of chapter 6, on conversations instead of windows.

A pre-trained model reads token streams; an assistant is trained on whole conversations. Each
step of :func:`fine_tune` draws ``batch_size`` conversations at random, pads them into one batch
(:func:`~stepbytoken.training.chat_batches.chat_batch`, whose targets keep the assistant's
tokens only), and takes the same AdamW step as :func:`~stepbytoken.training.loop.train`: the
learning rate of the schedule, back-propagation, gradient clipping. :func:`conversation_loss`
measures the mean loss per assistant token over a set of conversations.

Introduced in chapter 8.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import torch
from torch import nn

from stepbytoken.checks import check_int
from stepbytoken.nn.interface import (
    check_language_model,
    eval_mode,
    model_device,
    restore_modes,
)
from stepbytoken.tokenizers.chat import ChatEncoding
from stepbytoken.training.batches import check_token_stream, get_batch
from stepbytoken.training.chat_batches import chat_batch
from stepbytoken.training.config import TrainConfig, TrainResult
from stepbytoken.training.optimizer import configure_optimizer

__all__ = ["conversation_loss", "fine_tune"]


def _check(
    model: nn.Module, conversations: Sequence[ChatEncoding], name: str
) -> tuple[int, list[ChatEncoding]]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    block_size = check_language_model(model).block_size
    if block_size is None:
        raise ValueError("the model must have a finite block_size to be fine-tuned")
    if isinstance(conversations, ChatEncoding) or not isinstance(
        conversations, Sequence
    ):
        raise TypeError(
            f"{name} must be a sequence of ChatEncoding, got {type(conversations).__name__}"
        )
    if not conversations:
        raise ValueError(f"{name} must hold at least one conversation")
    return block_size, list(conversations)


def conversation_loss(
    model: nn.Module,
    conversations: Sequence[ChatEncoding],
    *,
    pad_id: int,
    batch_size: int = 32,
) -> float:
    """Mean cross-entropy per assistant token over ``conversations``, in nats.

    Every conversation is read once, in order, in eval mode and without gradients; tokens
    outside the assistant's messages are not scored.

    Parameters
    ----------
    model
        A :class:`~stepbytoken.nn.interface.LanguageModel` with a finite ``block_size``.
    conversations
        Encoded conversations (:func:`~stepbytoken.tokenizers.encode_chat`), each at most
        ``block_size + 1`` tokens long.
    pad_id
        The id written in the padding.
    batch_size
        Conversations per forward pass (>= 1).

    Raises
    ------
    TypeError, ValueError
        For a model that is not a language model, an empty or malformed set of
        conversations, or bad sizes.

    Introduced in chapter 8.
    """
    block_size, conversations = _check(model, conversations, "conversations")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = model_device(model)
    total, count = 0.0, 0
    with eval_mode(model), torch.no_grad():
        for start in range(0, len(conversations), batch_size):
            idx, targets = chat_batch(
                conversations[start : start + batch_size], block_size, pad_id=pad_id
            )
            logits, _ = model(idx.to(device))
            scored = targets.to(device) >= 0
            total += float(
                nn.functional.cross_entropy(
                    logits[scored], targets.to(device)[scored], reduction="sum"
                )
            )
            count += int(scored.sum())
    if count == 0:
        raise ValueError("the conversations hold no assistant token to score")
    return total / count


def fine_tune(
    model: nn.Module,
    conversations: Sequence[ChatEncoding],
    config: TrainConfig,
    *,
    pad_id: int,
    val_conversations: Sequence[ChatEncoding] | None = None,
    replay: torch.Tensor | None = None,
    replay_batch_size: int = 8,
    progress: bool = False,
    callback: Callable[[int, nn.Module], object] | None = None,
) -> TrainResult:
    """Fine-tune ``model`` in place on conversations, with the loss on assistant tokens only.

    Parameters
    ----------
    model
        A :class:`~stepbytoken.nn.interface.LanguageModel` with a finite ``block_size`` and
        the chat tokens in its vocabulary (:func:`~stepbytoken.nn.grow_vocab`).
    conversations
        The training conversations (:func:`~stepbytoken.tokenizers.encode_chat`), each at
        most ``block_size + 1`` tokens.
    config
        ``steps``, ``batch_size`` (conversations per step), the learning-rate schedule,
        weight decay, clipping, ``eval_every`` and ``seed`` are used; ``block_size`` and
        ``eval_batches`` are not (conversations are whole).
    pad_id
        The id written in the padding (its targets are ignored).
    val_conversations
        Held-out conversations whose loss is measured at every evaluation; the training
        loss of an evaluation is measured on the first 256 training conversations.
    replay
        Pre-training token ids (a 1-D tensor) to keep practising on: each step adds the
        next-token loss of ``replay_batch_size`` random windows of ``block_size`` tokens to
        the conversations' loss, so that fine-tuning forgets less of what pre-training taught.
        None (the default) trains on the conversations alone.
    replay_batch_size
        Windows of ``replay`` per step (>= 1).
    progress
        Show a tqdm progress bar.
    callback
        Called as ``callback(step, model)`` for ``step = 0, ..., config.steps``.

    Returns
    -------
    TrainResult
        Per-step losses, learning rates and gradient norms, and the evaluations.

    Raises
    ------
    TypeError, ValueError
        For bad arguments.
    FloatingPointError
        If the loss becomes NaN or infinite.

    Examples
    --------
    A tiny GPT learns to answer "5" after the prompt ``[9]``:

    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=12, block_size=8, n_layer=1, n_head=1, d_model=16))
    >>> data = [ChatEncoding([9, 5, 11], [False, True, True])]
    >>> config = TrainConfig(steps=40, batch_size=2, lr=0.05, eval_every=None)
    >>> result = fine_tune(model, data, config, pad_id=11)
    >>> conversation_loss(model, data, pad_id=11) < 0.05
    True

    Introduced in chapter 8.
    """
    block_size, conversations = _check(model, conversations, "conversations")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    check_int("pad_id", pad_id, minimum=0)
    if val_conversations is not None:
        _, val_conversations = _check(model, val_conversations, "val_conversations")
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable (or None), got {type(callback).__name__}"
        )
    for i, enc in enumerate(conversations):  # fail now, not at the step that draws it
        if not isinstance(enc, ChatEncoding) or not 2 <= len(enc.token_ids) <= (
            block_size + 1
        ):
            raise ValueError(
                f"conversations[{i}] must be a ChatEncoding of 2 to block_size + 1 = "
                f"{block_size + 1} tokens"
            )
    if replay is not None:
        replay = check_token_stream("replay", replay, block_size)
    replay_batch_size = check_int("replay_batch_size", replay_batch_size, minimum=1)
    device = model_device(model)
    optimizer = configure_optimizer(
        model,
        lr=config.lr,
        weight_decay=config.weight_decay,
        betas=config.betas,
        eps=config.eps,
    )
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    generator = torch.Generator().manual_seed(config.seed)
    eval_at = set(range(0, config.steps, config.eval_every or config.steps + 1))
    eval_at.add(config.steps)
    result = TrainResult(config=config)

    def evaluate(step: int) -> None:
        result.eval_steps.append(step)
        result.eval_train_loss.append(
            conversation_loss(model, conversations[:256], pad_id=pad_id)
        )
        result.eval_val_loss.append(
            None
            if val_conversations is None
            else conversation_loss(model, val_conversations, pad_id=pad_id)
        )

    bar = None
    if progress:
        from tqdm.auto import tqdm  # imported only when asked for

        bar = tqdm(total=config.steps, desc="fine-tuning", unit="step")
    start = time.perf_counter()
    try:
        with restore_modes(model), torch.random.fork_rng():
            torch.manual_seed(config.seed)
            model.train()
            for step in range(config.steps + 1):
                if step in eval_at:
                    evaluate(step)
                if callback is not None:
                    with torch.random.fork_rng():
                        callback(step, model)
                    model.train()
                if step == config.steps:
                    break

                lr = config.lr_at(step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                rows = torch.randint(
                    len(conversations), (config.batch_size,), generator=generator
                )
                x, y = chat_batch(
                    [conversations[int(i)] for i in rows], block_size, pad_id=pad_id
                )  # (B, T) each, y = -1 outside the assistant's messages
                _, loss = model(x.to(device), targets=y.to(device))
                if replay is not None:  # and some pre-training text, not to forget it
                    xr, yr = get_batch(
                        replay, replay_batch_size, block_size, generator, device=device
                    )
                    loss = loss + model(xr, targets=yr)[1]
                loss_value = float(loss.detach())
                if not math.isfinite(loss_value):
                    raise FloatingPointError(
                        f"the loss became {loss_value} at step {step}; "
                        f"try a lower learning rate (lr = {config.lr})"
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip is not None:
                    norm = torch.nn.utils.clip_grad_norm_(parameters, config.grad_clip)
                else:
                    norm = torch.nn.utils.clip_grad_norm_(parameters, math.inf)
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
