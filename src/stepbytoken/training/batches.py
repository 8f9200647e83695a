"""Batches: random windows of the token stream and the tokens that follow them.

Introduced in chapter 6.
"""

from __future__ import annotations

import torch

from stepbytoken.checks import check_int, check_tensor

__all__ = ["check_token_stream", "get_batch"]


def check_token_stream(name: str, data: object, block_size: int) -> torch.Tensor:
    """Return ``data`` if it is a 1-D integer tensor longer than ``block_size``, else raise.

    Introduced in chapter 6.

    Examples
    --------
    >>> check_token_stream("data", torch.arange(3), block_size=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: data needs more than block_size = 3 tokens (a window plus its shifted ..., got 3
    """
    data = check_tensor(name, data, dims=1, integer=True)
    if len(data) <= block_size:
        raise ValueError(
            f"{name} needs more than block_size = {block_size} tokens "
            f"(a window plus its shifted target), got {len(data)}"
        )
    return data


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
    shifted one token to the right, so ``y[b, t]`` follows ``x[b, : t + 1]``.

    Introduced in chapter 6.

    Parameters
    ----------
    data : torch.Tensor
        The token stream, a 1-D integer tensor longer than ``block_size``.
    batch_size, block_size : int
        Number of windows and tokens per window, each >= 1.
    generator : torch.Generator
        Where the start positions come from.
    device : torch.device or str, optional
        Where to put ``x`` and ``y`` (default: the device of ``data``).

    Returns
    -------
    tuple of torch.Tensor
        ``x`` and ``y``, int64 tensors of shape ``(batch_size, block_size)``.

    Raises
    ------
    TypeError, ValueError
        If ``data`` is not a long enough 1-D integer tensor, or a size is not an int >= 1.

    Examples
    --------
    >>> x, y = get_batch(torch.arange(100), 2, 4, torch.Generator().manual_seed(0))
    >>> x.shape, torch.equal(y, x + 1)  # with data 0, 1, 2, ... the next token is one more
    (torch.Size([2, 4]), True)
    """
    batch_size = check_int("batch_size", batch_size, minimum=1)
    block_size = check_int("block_size", block_size, minimum=1)
    data = check_token_stream("data", data, block_size)
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}"
        )
    starts = torch.randint(
        len(data) - block_size,
        (batch_size,),
        generator=generator,
        device=generator.device,
    )  # (B,)
    positions = starts.to(data.device)[:, None] + torch.arange(
        block_size, device=data.device
    )
    x = data[positions].long()  # (B, T)
    y = data[positions + 1].long()  # (B, T)
    if device is not None:
        x, y = x.to(device), y.to(device)
    return x, y
