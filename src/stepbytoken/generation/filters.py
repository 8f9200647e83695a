"""Reshaping the next-token distribution: temperature, top-k and top-p (nucleus) filters.

A sampler applies them in this order, then a softmax (:func:`next_token_distribution`): the
temperature sharpens or flattens the distribution, top-k keeps the ``k`` most likely tokens,
top-p the smallest set of tokens whose probability reaches ``p``.

Introduced in chapter 7.
"""

from __future__ import annotations

import numbers

import torch

from stepbytoken.checks import check_float, check_int, check_tensor

__all__ = [
    "apply_temperature",
    "check_logits",
    "check_sampler",
    "next_token_distribution",
    "top_k_filter",
    "top_p_filter",
]


def check_logits(logits: object) -> torch.Tensor:
    """Return ``logits`` ``(..., vocab_size)`` as a floating tensor, or raise if it cannot be.

    Every row needs a finite maximum: NaN, ``+inf``, and rows that are all ``-inf`` are
    refused, since no token can be chosen from them (neither greedily nor by a draw).

    Introduced in chapter 7.

    Examples
    --------
    >>> check_logits(torch.tensor([1, 2]))
    tensor([1., 2.])
    >>> check_logits(torch.tensor([float("-inf"), float("-inf")]))
    Traceback (most recent call last):
    ...
    ValueError: each row of logits needs a finite maximum (no +inf, not all -inf)
    """
    logits = check_tensor("logits", logits)
    if logits.dim() == 0 or logits.shape[-1] == 0:
        raise ValueError(
            f"logits must have a non-empty last dimension (the vocabulary), "
            f"got shape {tuple(logits.shape)}"
        )
    if not logits.is_floating_point():
        logits = logits.float()
    if torch.isnan(logits).any():
        raise ValueError("logits must not contain NaN")
    if logits.numel() and not torch.isfinite(logits.max(dim=-1).values).all():
        raise ValueError(
            "each row of logits needs a finite maximum (no +inf, not all -inf)"
        )
    return logits


def check_sampler(
    temperature: float, top_k: int | None, top_p: float | None
) -> tuple[float, int | None, float | None]:
    """Check a sampler's settings and return them as ``(float, int or None, float or None)``.

    ``temperature`` must be > 0, ``top_k`` an int >= 1 and ``top_p`` in ``(0, 1]`` (None: no
    filter).

    Introduced in chapter 7.

    Examples
    --------
    >>> check_sampler(1, None, 0.9)
    (1.0, None, 0.9)
    >>> check_sampler(0, None, None)
    Traceback (most recent call last):
    ...
    ValueError: temperature must be > 0, got 0; use greedy decoding for temperature 0
    """
    number = isinstance(temperature, numbers.Real) and not isinstance(temperature, bool)
    if number and temperature <= 0:
        raise ValueError(
            f"temperature must be > 0, got {temperature}; use greedy decoding for temperature 0"
        )
    temperature = check_float("temperature", temperature, minimum=0, open_minimum=True)
    if top_k is not None:
        top_k = check_int("top_k", top_k, minimum=1)
    if top_p is not None:
        top_p = check_float("top_p", top_p, minimum=0, maximum=1, open_minimum=True)
    return temperature, top_k, top_p


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide logits by a temperature: below 1 sharpens the distribution, above 1 flattens it.

    Introduced in chapter 7.

    Parameters
    ----------
    logits : torch.Tensor
        Scores of shape ``(..., vocab_size)``.
    temperature : float
        A number > 0; towards 0 the softmax tends to greedy decoding, upwards to uniform.

    Returns
    -------
    torch.Tensor
        ``logits / temperature``.

    Raises
    ------
    TypeError, ValueError
        If ``logits`` is not a tensor or ``temperature`` is not a finite number > 0.

    Examples
    --------
    >>> logits = torch.tensor([2.0, 1.0, 0.0])
    >>> apply_temperature(logits, 0.5)
    tensor([4., 2., 0.])
    >>> torch.softmax(apply_temperature(logits, 2.0), dim=-1)  # flatter than at temperature 1
    tensor([0.5065, 0.3072, 0.1863])
    """
    logits = check_logits(logits)
    temperature, _, _ = check_sampler(temperature, None, None)
    # In float64, so that a tiny temperature (1e-46 is 0 in float32) does not turn 0 / t into
    # 0 / 0; a quotient too large for the logits' dtype becomes +-inf, and +inf is refused.
    scaled = (logits.double() / temperature).to(logits.dtype)
    if torch.isposinf(scaled).any():
        raise ValueError(
            f"temperature {temperature} is too small for these logits: logits / temperature "
            f"overflows {logits.dtype}; subtract each row's maximum first "
            f"(next_token_distribution does) or use greedy decoding"
        )
    return scaled


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the ``k`` highest logits of the last dimension; set the others to ``-inf``.

    Exactly ``k`` tokens survive (all if ``k >= vocab_size``); ties go to the lower
    token id.

    Introduced in chapter 7.

    Parameters
    ----------
    logits : torch.Tensor
        Scores of shape ``(..., vocab_size)``.
    k : int
        Number of tokens to keep, >= 1.

    Returns
    -------
    torch.Tensor
        Same shape as ``logits``, the removed entries at ``-inf``.

    Raises
    ------
    TypeError, ValueError
        If ``k`` is not an int >= 1.

    Examples
    --------
    >>> top_k_filter(torch.tensor([1.0, 3.0, 2.0, 0.0]), 2)
    tensor([-inf, 3., 2., -inf])
    >>> top_k_filter(torch.tensor([1.0, 1.0, 1.0]), 2)  # a tie: the lower ids win
    tensor([1., 1., -inf])
    """
    logits = check_logits(logits)
    k = check_int("top_k", k, minimum=1)
    if k >= logits.shape[-1]:
        return logits.clone()
    # A stable descending sort keeps equal logits in id order (the tie rule above).
    order = torch.sort(logits, dim=-1, descending=True, stable=True).indices  # (..., V)
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, order[..., :k], True)
    return logits.masked_fill(~keep, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """The nucleus: the fewest most likely tokens whose probabilities sum to >= ``p``.

    The most likely token always survives, ``p = 1`` keeps every token, and ties go to
    the lower token id. The probabilities are the softmax of ``logits`` as given, so
    apply the temperature first for the nucleus of the tempered distribution.

    Introduced in chapter 7.

    Parameters
    ----------
    logits : torch.Tensor
        Scores of shape ``(..., vocab_size)``.
    p : float
        Probability mass to keep, in ``(0, 1]``.

    Returns
    -------
    torch.Tensor
        Same shape as ``logits``, the removed entries at ``-inf``.

    Raises
    ------
    TypeError, ValueError
        If ``p`` is not a number in ``(0, 1]``.

    Examples
    --------
    Probabilities 0.5, 0.3, 0.2: the top two already hold 0.8 >= 0.75.

    >>> logits = torch.tensor([0.5, 0.3, 0.2]).log()
    >>> torch.softmax(top_p_filter(logits, 0.75), dim=-1)
    tensor([0.6250, 0.3750, 0.0000])
    """
    logits = check_logits(logits)
    p = check_float("top_p", p, minimum=0, maximum=1, open_minimum=True)
    if p == 1.0:
        return logits.clone()
    # both (..., V)
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True, stable=True)
    # float64: exact-ish sums
    sorted_probs = torch.softmax(sorted_logits.double(), dim=-1)
    cumulative = torch.cumsum(sorted_probs, dim=-1)
    # Mass of the tokens strictly before each one: a token is needed while it is < p.
    mass_before = torch.cat(
        [torch.zeros_like(cumulative[..., :1]), cumulative[..., :-1]], -1
    )
    keep_sorted = mass_before < p
    keep_sorted[..., 0] = True  # the most likely token always survives
    # back to id order
    keep = torch.zeros_like(keep_sorted).scatter_(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))


def next_token_distribution(
    logits: torch.Tensor,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """The probabilities a sampler draws the next token from.

    Applies the temperature, the top-k filter, the top-p filter (on the tempered, top-k
    filtered distribution), then a softmax. With the defaults: the softmax of
    ``logits``.

    Introduced in chapter 7.

    Parameters
    ----------
    logits : torch.Tensor
        Scores of shape ``(..., vocab_size)``; each row needs a finite maximum.
    temperature : float, default 1.0
        A number > 0 (see :func:`apply_temperature`).
    top_k : int, optional
        Keep only the ``top_k`` most likely tokens.
    top_p : float, optional
        Keep only the nucleus of mass ``top_p``.

    Returns
    -------
    torch.Tensor
        ``probs`` of the shape of ``logits``, rows summing to 1, zero for removed
        tokens.

    Raises
    ------
    TypeError, ValueError
        For bad settings, or a row of logits without a finite maximum.

    Examples
    --------
    >>> logits = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    >>> next_token_distribution(logits, top_k=2)
    tensor([0.6250, 0.3750, 0.0000, 0.0000])
    >>> next_token_distribution(logits, temperature=0.5, top_p=0.9)
    tensor([0.7353, 0.2647, 0.0000, 0.0000])
    """
    logits = check_logits(logits)
    temperature, top_k, top_p = check_sampler(temperature, top_k, top_p)
    row_max = logits.max(dim=-1, keepdim=True).values  # (..., 1), finite (check_logits)
    # Shifting by the maximum leaves the softmax unchanged and keeps tiny temperatures
    # from overflowing: the best token sits at 0 and the others go towards -inf.
    logits = apply_temperature(logits - row_max, temperature)
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return torch.softmax(logits, dim=-1)
