"""Training on several processes at once: ``torchrun`` and DistributedDataParallel.

``torchrun --nproc_per_node N -m stepbytoken train ...`` starts N copies of the same program
and tells each its ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE`` in environment variables.
:func:`init_distributed` joins them into one process group (``gloo`` on the CPU, ``nccl`` on
CUDA); :func:`~stepbytoken.training.train` then wraps the model in PyTorch's
:class:`~torch.nn.parallel.DistributedDataParallel`. Every process draws the same global batch
from the same seeded generator and keeps its own share of the rows (:func:`shard`); after
``backward`` DDP averages the gradients over the processes, so each takes the step that one
process would take on the whole batch, up to the rounding of a different summation order.
Only the main process (rank 0) shows progress and writes files. Without ``torchrun`` all of
this reduces to one process and changes nothing.

Introduced in chapter 6.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.distributed as dist

__all__ = [
    "all_reduce_mean",
    "barrier",
    "close_distributed",
    "init_distributed",
    "is_main_process",
    "process_group",
    "shard",
    "world",
]


def world() -> tuple[int, int]:
    """This process's rank and the number of processes: ``(0, 1)`` outside ``torchrun``.

    Introduced in chapter 6.

    Examples
    --------
    >>> world()
    (0, 1)
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """Whether this is rank 0, the process that shows progress and writes files.

    Introduced in chapter 6.

    Examples
    --------
    >>> is_main_process()
    True
    """
    return world()[0] == 0


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(
            f"environment variable {name} must be an int, got {text!r}"
        ) from None


def init_distributed(device: str | torch.device = "cpu") -> torch.device:
    """Join the process group that ``torchrun`` set up, and return this process's device.

    Outside ``torchrun`` (no ``WORLD_SIZE``, or 1) nothing is initialised and ``device`` is
    returned as it is. Under ``torchrun`` the backend is ``gloo`` for the CPU and ``nccl``
    for CUDA, where each process takes the GPU ``cuda:LOCAL_RANK``.

    Introduced in chapter 6.

    Parameters
    ----------
    device : str or torch.device, default "cpu"
        ``"cpu"`` or ``"cuda"`` (``"cuda:K"`` is allowed outside ``torchrun``).

    Returns
    -------
    torch.device
        Where this process should put its model.

    Raises
    ------
    ValueError
        If ``device`` is neither CPU nor CUDA, CUDA is asked for but not available, or the
        ``torchrun`` environment variables are malformed.

    Examples
    --------
    >>> init_distributed("cpu")
    device(type='cpu')
    """
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}") from err
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {str(device)!r}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device 'cuda' was asked for, but torch.cuda.is_available() is False"
        )
    world_size = _env_int("WORLD_SIZE", 1)
    if world_size <= 1:
        return device
    local_rank = _env_int("LOCAL_RANK", 0)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return device


def close_distributed() -> None:
    """Leave the process group, if this process joined one (a no-op otherwise).

    Introduced in chapter 6.

    Examples
    --------
    >>> close_distributed()
    """
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def process_group(device: str | torch.device = "cpu") -> Iterator[torch.device]:
    """:func:`init_distributed` for a ``with`` block, which :func:`close_distributed` ends.

    Introduced in chapter 6.

    Examples
    --------
    >>> with process_group("cpu") as device:
    ...     device, world()
    (device(type='cpu'), (0, 1))
    """
    joined = not (dist.is_available() and dist.is_initialized())
    device = init_distributed(device)
    try:
        yield device
    finally:
        if joined:
            close_distributed()


def barrier() -> None:
    """Wait until every process gets here (a no-op in one process).

    Introduced in chapter 6.
    """
    if world()[1] > 1:
        dist.barrier()


def shard(batch: torch.Tensor) -> torch.Tensor:
    """This process's share of a global batch: its consecutive block of rows.

    With ``W`` processes, rank ``r`` keeps rows ``[r * B / W, (r + 1) * B / W)``; ``B`` must
    be a multiple of ``W``. In one process it is the whole batch.

    Introduced in chapter 6.

    Raises
    ------
    ValueError
        If the batch's rows do not split evenly over the processes.

    Examples
    --------
    >>> shard(torch.arange(4)).tolist()
    [0, 1, 2, 3]
    """
    rank, world_size = world()
    if world_size == 1:
        return batch
    rows = len(batch)
    if rows % world_size:
        raise ValueError(
            f"the batch of {rows} rows must split evenly over {world_size} processes: "
            "choose a batch_size that is a multiple of the number of processes"
        )
    per_rank = rows // world_size
    return batch[rank * per_rank : (rank + 1) * per_rank]


def all_reduce_mean(value: torch.Tensor) -> float:
    """The mean of a scalar tensor over all processes (its value in one process).

    Introduced in chapter 6.

    Examples
    --------
    >>> all_reduce_mean(torch.tensor(2.5))
    2.5
    """
    world_size = world()[1]
    if world_size == 1:
        return float(value)
    total = value.detach().float().clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return float(total) / world_size
