"""Training: data batches, the optimiser, learning-rate schedules, the loop."""

from __future__ import annotations

from stepbytoken.training.backprop import mlp_gradients_by_hand, mlp_loss
from stepbytoken.training.batches import check_token_stream, get_batch
from stepbytoken.training.chat_batches import chat_batch
from stepbytoken.training.config import StepRecord, TrainConfig, TrainResult
from stepbytoken.training.distributed import (
    all_reduce_mean,
    barrier,
    close_distributed,
    init_distributed,
    is_main_process,
    process_group,
    shard,
    world,
)
from stepbytoken.training.finetune import conversation_loss, fine_tune
from stepbytoken.training.landscape import (
    DescentPath,
    Valley,
    gradient_descent,
    loss_grid,
)
from stepbytoken.training.loop import estimate_loss, train
from stepbytoken.training.optimizer import adamw_by_hand, configure_optimizer
from stepbytoken.training.preference import (
    answer_logprobs,
    conversation_logprobs,
    conversation_rewards,
    dpo_loss,
    reward_batch,
    reward_loss,
    train_dpo,
    train_reward_model,
)
from stepbytoken.training.schedule import lr_schedule
from stepbytoken.training.word2vec import train_word_vectors

__all__ = [
    "DescentPath",
    "StepRecord",
    "TrainConfig",
    "TrainResult",
    "Valley",
    "adamw_by_hand",
    "all_reduce_mean",
    "answer_logprobs",
    "barrier",
    "chat_batch",
    "check_token_stream",
    "close_distributed",
    "configure_optimizer",
    "conversation_logprobs",
    "conversation_loss",
    "conversation_rewards",
    "dpo_loss",
    "estimate_loss",
    "fine_tune",
    "get_batch",
    "gradient_descent",
    "init_distributed",
    "is_main_process",
    "loss_grid",
    "lr_schedule",
    "mlp_gradients_by_hand",
    "mlp_loss",
    "process_group",
    "reward_batch",
    "reward_loss",
    "shard",
    "train",
    "train_dpo",
    "train_reward_model",
    "train_word_vectors",
    "world",
]
