"""Training: data batches, the optimiser, learning-rate schedules, the loop."""

from __future__ import annotations

from stepbytoken.training.landscape import (
    DescentPath,
    Valley,
    gradient_descent,
    loss_grid,
    mlp_gradients_by_hand,
    mlp_loss,
)
from stepbytoken.training.loop import (
    StepRecord,
    TrainConfig,
    TrainResult,
    configure_optimizer,
    estimate_loss,
    get_batch,
    lr_schedule,
    train,
)

__all__ = [
    "DescentPath",
    "StepRecord",
    "TrainConfig",
    "TrainResult",
    "Valley",
    "configure_optimizer",
    "estimate_loss",
    "get_batch",
    "gradient_descent",
    "loss_grid",
    "lr_schedule",
    "mlp_gradients_by_hand",
    "mlp_loss",
    "train",
]
