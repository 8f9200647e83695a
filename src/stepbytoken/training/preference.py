"""Learning from preferences: a reward model's loss, and DPO's.

Both start from pairs of answers to one prompt where one is preferred. The **reward model**
(:class:`~stepbytoken.nn.RewardModel`) is trained with the Bradley-Terry loss
``-log σ(r(chosen) - r(rejected))`` (Ouyang et al., 2022, equation 1). **Direct preference
optimisation** (Rafailov et al., 2023, equation 7) skips the reward model: with ``π`` the
model being trained and ``π_ref`` the frozen fine-tuned model it started from, the implicit
reward of an answer is ``β · (log π(answer) - log π_ref(answer))``, and the loss is the same
Bradley-Terry loss on those implicit rewards. :func:`answer_logprobs` measures the
``log π(answer)`` they need: the sum of the log-probabilities of the answer's tokens.
:func:`train_reward_model` and :func:`train_dpo` run the two trainings; each step draws a
batch of pairs and takes an AdamW step with the schedule of a
:class:`~stepbytoken.training.TrainConfig`, as the other training loops do.

Introduced in chapter 8.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from stepbytoken.checks import check_bool, check_float, check_int, check_tensor
from stepbytoken.nn.gpt import GPT
from stepbytoken.nn.interface import model_device, restore_modes
from stepbytoken.nn.reward_model import RewardModel
from stepbytoken.tokenizers.chat import ChatEncoding
from stepbytoken.training.chat_batches import chat_batch
from stepbytoken.training.config import TrainConfig, TrainResult
from stepbytoken.training.optimizer import configure_optimizer

__all__ = [
    "answer_logprobs",
    "conversation_logprobs",
    "conversation_rewards",
    "dpo_loss",
    "reward_batch",
    "reward_loss",
    "train_dpo",
    "train_reward_model",
]


def answer_logprobs(model: nn.Module, idx: Tensor, targets: Tensor) -> Tensor:
    """Per row, the summed log-probability of the targets that are not ``-1``, ``(B,)``.

    ``idx`` and ``targets`` are a batch of :func:`~stepbytoken.training.chat_batch`: the
    targets keep the assistant's tokens only, so each row's sum is ``log π(answer | prompt)``.
    Follows the caller's gradient mode.

    Examples
    --------
    A model that gives every token the same score gives each answer token ``-ln(V)``:

    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=8, block_size=4, n_layer=1, n_head=1, d_model=4))
    >>> _ = model.lm_head.weight.data.zero_()
    >>> idx, targets = torch.tensor([[1, 2, 3]]), torch.tensor([[-1, 3, 4]])
    >>> with torch.no_grad():
    ...     round(float(answer_logprobs(model, idx, targets)[0]), 4)  # 2 * -ln 8
    -4.1589

    Introduced in chapter 8.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor("idx", idx, dims=2, integer=True)
    check_tensor("targets", targets, dims=2, integer=True)
    if targets.shape != idx.shape:
        raise ValueError(
            f"targets must have the shape of idx {tuple(idx.shape)}, "
            f"got {tuple(targets.shape)}"
        )
    logits, _ = model(idx)
    if int(targets.max()) >= logits.shape[-1]:
        raise ValueError(
            f"targets must be -1 or ids below the vocabulary size {logits.shape[-1]}, "
            f"got {int(targets.max())}"
        )
    logp = F.log_softmax(logits.float(), dim=-1)  # (B, T, V)
    keep = targets >= 0
    picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (B, T)
    return torch.sum(picked * keep, dim=-1)


def reward_loss(chosen: Tensor, rejected: Tensor) -> Tensor:
    """Bradley-Terry loss of a reward model: mean ``-log σ(r_chosen - r_rejected)``.

    >>> round(float(reward_loss(torch.tensor([0.0]), torch.tensor([0.0]))), 4)  # ln 2
    0.6931

    Introduced in chapter 8.
    """
    check_tensor("chosen", chosen, dims=1)
    check_tensor("rejected", rejected, dims=1)
    if chosen.shape != rejected.shape:
        raise ValueError(
            f"chosen and rejected must have the same shape, got {tuple(chosen.shape)} "
            f"and {tuple(rejected.shape)}"
        )
    return -F.logsigmoid(chosen - rejected).mean()


def dpo_loss(
    policy_chosen: Tensor,
    policy_rejected: Tensor,
    ref_chosen: Tensor,
    ref_rejected: Tensor,
    beta: float,
) -> tuple[Tensor, Tensor]:
    """DPO's loss and the implicit reward margin of each pair.

    Parameters
    ----------
    policy_chosen, policy_rejected
        ``log π(answer)`` of the preferred and the other answer under the trained model,
        ``(B,)`` each (:func:`answer_logprobs`).
    ref_chosen, ref_rejected
        The same under the frozen reference model (no gradient needed).
    beta
        How strongly the model is held to the reference (> 0): the KL penalty's weight in
        the objective DPO optimises.

    Returns
    -------
    loss, margins : Tensor
        The mean loss, and per pair ``β · [(log π - log π_ref)(chosen) - (same)(rejected)]``.

    Examples
    --------
    At the start, the policy is the reference: every margin is 0 and the loss is ln 2.

    >>> lp = torch.tensor([-3.0, -5.0])
    >>> loss, margins = dpo_loss(lp, lp - 1, lp, lp - 1, beta=0.1)
    >>> round(float(loss), 4), margins.tolist()
    (0.6931, [0.0, 0.0])

    Introduced in chapter 8.
    """
    beta = check_float("beta", beta, minimum=0, open_minimum=True)
    parts = (policy_chosen, policy_rejected, ref_chosen, ref_rejected)
    names = ("policy_chosen", "policy_rejected", "ref_chosen", "ref_rejected")
    for name, part in zip(names, parts, strict=True):
        check_tensor(name, part, dims=1)
        if part.shape != policy_chosen.shape:
            raise ValueError(f"{name} must have the shape of policy_chosen")
    margins = beta * (
        (policy_chosen - ref_chosen.detach())
        - (policy_rejected - ref_rejected.detach())
    )
    return -F.logsigmoid(margins).mean(), margins


def reward_batch(
    encodings: Sequence[ChatEncoding], *, pad_id: int
) -> tuple[Tensor, Tensor]:
    """Whole conversations padded into ``idx`` ``(B, T)``, and each one's length ``(B,)``.

    The input of a :class:`~stepbytoken.nn.RewardModel`, which reads every token up to and
    including the answer's ``<|end|>``.

    >>> idx, lengths = reward_batch([ChatEncoding([5, 6, 7], [0, 1, 1]),
    ...                              ChatEncoding([5, 8], [0, 1])], pad_id=0)
    >>> idx.tolist(), lengths.tolist()
    ([[5, 6, 7], [5, 8, 0]], [3, 2])

    Introduced in chapter 8.
    """
    check_int("pad_id", pad_id, minimum=0)
    if isinstance(encodings, ChatEncoding) or not encodings:
        raise ValueError("encodings must be a non-empty sequence of ChatEncoding")
    for i, enc in enumerate(encodings):
        if not isinstance(enc, ChatEncoding) or not enc.token_ids:
            raise TypeError(f"encodings[{i}] must be a non-empty ChatEncoding")
    width = max(len(enc.token_ids) for enc in encodings)
    idx = torch.full((len(encodings), width), pad_id, dtype=torch.long)
    for b, enc in enumerate(encodings):
        idx[b, : len(enc.token_ids)] = torch.tensor(enc.token_ids)
    return idx, torch.tensor([len(enc.token_ids) for enc in encodings])


def _in_batches(
    model: nn.Module,
    encodings: list[ChatEncoding],
    batch_size: int,
    score: Callable[[list[ChatEncoding]], Tensor],
) -> list[float]:
    """``score`` of each slice of ``encodings``, concatenated; eval mode, no gradients."""
    check_int("batch_size", batch_size, minimum=1)
    if not isinstance(encodings, list):
        raise TypeError(
            f"encodings must be a list of ChatEncoding, got {type(encodings).__name__}"
        )
    out: list[float] = []
    with restore_modes(model), torch.no_grad():
        model.eval()
        for start in range(0, len(encodings), batch_size):
            out += score(encodings[start : start + batch_size]).tolist()
    return out


def conversation_rewards(
    reward_model: RewardModel,
    encodings: list[ChatEncoding],
    *,
    pad_id: int,
    batch_size: int = 64,
) -> list[float]:
    """The reward of each conversation, in eval mode (the model's mode is restored).

    Introduced in chapter 8.
    """
    if not isinstance(reward_model, RewardModel):
        raise TypeError(
            f"reward_model must be a RewardModel, got {type(reward_model).__name__}"
        )
    check_int("pad_id", pad_id, minimum=0)

    def score(rows: list[ChatEncoding]) -> Tensor:
        return reward_model(*reward_batch(rows, pad_id=pad_id))

    return _in_batches(reward_model, encodings, batch_size, score)


def conversation_logprobs(
    model: GPT, encodings: list[ChatEncoding], *, pad_id: int, batch_size: int = 64
) -> list[float]:
    """``log π(answer | prompt)`` of each conversation's assistant tokens, in eval mode.

    Introduced in chapter 8.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    check_int("pad_id", pad_id, minimum=0)

    def score(rows: list[ChatEncoding]) -> Tensor:
        idx, targets = chat_batch(rows, model.config.block_size, pad_id=pad_id)
        return answer_logprobs(model, idx, targets)

    return _in_batches(model, encodings, batch_size, score)


def _check_pairs(
    chosen: Sequence[ChatEncoding], rejected: Sequence[ChatEncoding], limit: int
) -> None:
    for name, side in (("chosen", chosen), ("rejected", rejected)):
        if isinstance(side, ChatEncoding) or not isinstance(side, Sequence) or not side:
            raise TypeError(f"{name} must be a non-empty sequence of ChatEncoding")
        for i, enc in enumerate(side):
            if (
                not isinstance(enc, ChatEncoding)
                or not 2 <= len(enc.token_ids) <= limit
            ):
                raise ValueError(
                    f"{name}[{i}] must be a ChatEncoding of 2 to {limit} tokens"
                )
    if len(chosen) != len(rejected):
        raise ValueError(
            f"chosen and rejected must pair up, got {len(chosen)} and {len(rejected)}"
        )


def _pair_loop(
    model: nn.Module,
    n_pairs: int,
    config: TrainConfig,
    pair_loss: Callable[[list[int]], Tensor],
    *,
    progress: bool,
    desc: str,
) -> TrainResult:
    """The shared loop: draw pair indices, compute ``pair_loss(rows)``, take an AdamW step."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    check_bool("progress", progress)
    optimizer = configure_optimizer(
        model,
        lr=config.lr,
        weight_decay=config.weight_decay,
        betas=config.betas,
        eps=config.eps,
    )
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    generator = torch.Generator().manual_seed(config.seed)
    result = TrainResult(config=config)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # imported only when asked for

        bar = tqdm(total=config.steps, desc=desc, unit="step")
    start = time.perf_counter()
    try:
        with restore_modes(model), torch.random.fork_rng():
            torch.manual_seed(config.seed)
            model.train()
            for step in range(config.steps):
                lr = config.lr_at(step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                rows = torch.randint(n_pairs, (config.batch_size,), generator=generator)
                loss = pair_loss(rows.tolist())
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"the loss became {value} at step {step}; try a lower learning "
                        f"rate (lr = {config.lr})"
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                clip = math.inf if config.grad_clip is None else config.grad_clip
                norm = torch.nn.utils.clip_grad_norm_(parameters, clip)
                optimizer.step()
                result.steps.append(step)
                result.train_loss.append(value)
                result.lr.append(lr)
                result.grad_norm.append(float(norm))
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.3f}")
    finally:
        if bar is not None:
            bar.close()
    result.elapsed_s = time.perf_counter() - start
    return result


def train_reward_model(
    reward_model: RewardModel,
    chosen: Sequence[ChatEncoding],
    rejected: Sequence[ChatEncoding],
    config: TrainConfig,
    *,
    pad_id: int,
    progress: bool = False,
) -> TrainResult:
    """Train ``reward_model`` in place to score ``chosen[i]`` above ``rejected[i]``.

    Each step draws ``config.batch_size`` pairs and minimises :func:`reward_loss`; the
    learning-rate schedule, weight decay, clipping and seed come from ``config``.

    Returns
    -------
    TrainResult
        Per-step losses, learning rates and gradient norms (no evaluations).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or pairs that do not match up.

    Introduced in chapter 8.
    """
    if not isinstance(reward_model, RewardModel):
        raise TypeError(
            f"reward_model must be a RewardModel, got {type(reward_model).__name__}"
        )
    check_int("pad_id", pad_id, minimum=0)
    _check_pairs(chosen, rejected, reward_model.block_size)
    device = model_device(reward_model)

    def pair_loss(rows: list[int]) -> Tensor:
        idx, lengths = reward_batch(
            [chosen[i] for i in rows] + [rejected[i] for i in rows], pad_id=pad_id
        )
        rewards = reward_model(idx.to(device), lengths)
        return reward_loss(rewards[: len(rows)], rewards[len(rows) :])

    return _pair_loop(
        reward_model, len(chosen), config, pair_loss, progress=progress, desc="reward"
    )


def train_dpo(
    policy: nn.Module,
    reference: nn.Module,
    chosen: Sequence[ChatEncoding],
    rejected: Sequence[ChatEncoding],
    config: TrainConfig,
    *,
    beta: float,
    pad_id: int,
    progress: bool = False,
) -> TrainResult:
    """Train ``policy`` in place with DPO against the frozen ``reference``.

    Each step draws ``config.batch_size`` pairs, measures ``log π(answer)`` of both answers
    under both models (:func:`answer_logprobs`) and minimises :func:`dpo_loss`.

    Returns
    -------
    TrainResult
        Per-step losses, learning rates and gradient norms (no evaluations).

    Raises
    ------
    TypeError, ValueError
        For bad arguments, or pairs that do not match up.

    Introduced in chapter 8.
    """
    for name, model in (("policy", policy), ("reference", reference)):
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"{name} must be a torch.nn.Module, got {type(model).__name__}"
            )
    if policy is reference:
        raise ValueError("reference must be a separate, frozen copy of the policy")
    beta = check_float("beta", beta, minimum=0, open_minimum=True)
    check_int("pad_id", pad_id, minimum=0)
    block_size = policy.block_size
    _check_pairs(chosen, rejected, block_size + 1)
    device = model_device(policy)

    def pair_loss(rows: list[int]) -> Tensor:
        idx, targets = chat_batch(
            [chosen[i] for i in rows] + [rejected[i] for i in rows],
            block_size,
            pad_id=pad_id,
        )
        idx, targets = idx.to(device), targets.to(device)
        logp = answer_logprobs(policy, idx, targets)
        with torch.no_grad(), restore_modes(reference):
            reference.eval()
            ref = answer_logprobs(reference, idx, targets)
        n = len(rows)
        loss, _ = dpo_loss(logp[:n], logp[n:], ref[:n], ref[n:], beta)
        return loss

    return _pair_loop(
        policy, len(chosen), config, pair_loss, progress=progress, desc="dpo"
    )
