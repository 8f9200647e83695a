"""The learning-rate schedule: a linear warm-up, then a cosine decay.

Introduced in chapter 6.
"""

from __future__ import annotations

import math

from stepbytoken.checks import check_float, check_int

__all__ = ["lr_schedule"]


def lr_schedule(
    step: int,
    *,
    max_lr: float,
    warmup_steps: int,
    total_steps: int,
    min_lr: float = 0.0,
) -> float:
    """Learning rate at ``step``: a linear warm-up, then a cosine decay down to ``min_lr``.

    Steps count from 0. The warm-up reaches ``max_lr`` at step ``warmup_steps - 1`` (step 0
    already gets ``max_lr / warmup_steps``); half a cosine then brings the rate down to
    ``min_lr`` at the last step, ``total_steps - 1``, where it stays.

    Introduced in chapter 6.

    Parameters
    ----------
    step : int
        The optimisation step, >= 0.
    max_lr : float
        The peak learning rate, > 0.
    warmup_steps : int
        Length of the linear warm-up, in ``[0, total_steps]``.
    total_steps : int
        Number of steps in the run, >= 1.
    min_lr : float, default 0.0
        The final learning rate, in ``[0, max_lr]``.

    Returns
    -------
    float
        The learning rate for this step.

    Raises
    ------
    TypeError, ValueError
        If an argument is outside the ranges above.

    Examples
    --------
    >>> [round(lr_schedule(s, max_lr=1.0, warmup_steps=2, total_steps=5), 3) for s in range(6)]
    [0.5, 1.0, 0.75, 0.25, 0.0, 0.0]
    """
    step = check_int("step", step, minimum=0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    warmup_steps = check_int(
        "warmup_steps", warmup_steps, minimum=0, maximum=total_steps
    )
    max_lr = check_float("max_lr", max_lr, minimum=0, open_minimum=True)
    min_lr = check_float("min_lr", min_lr, minimum=0, maximum=max_lr)

    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    peak = max(warmup_steps - 1, 0)  # the step at which the rate is max_lr
    span = total_steps - 1 - peak  # steps over which it decays
    if span <= 0:
        return max_lr  # the warm-up fills the run: nothing left to decay
    progress = min((step - peak) / span, 1.0)  # 0 at the peak, 1 at the last step
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (max_lr - min_lr)
