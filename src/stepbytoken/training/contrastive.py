"""Contrastive learning of a projection: questions pulled towards the passages that answer them.

A language model's pooled hidden states (:func:`~stepbytoken.nn.encoder.mean_pooled`) say a
lot about a text, but nothing tells them that a question and the sentence that answers it
belong together. :func:`train_projection` learns a linear map of those vectors with the InfoNCE
loss (:func:`info_nce_loss`): in a batch of (question, passage) pairs, each question's
passage must score higher than every other passage of the batch, which serve as negatives.
The language model stays frozen, so the vectors are computed once and training takes seconds.

This is the recipe of dual encoders such as DPR (Karpukhin et al., 2020), with two changes
for a small book: one encoder shared by questions and passages, and only a linear layer
trained on top of it.

Introduced in chapter 10; :func:`clip_loss` and :func:`hard_negative_batch`, which train
the CLIP pair of encoders on pictures and captions, in chapter 15.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from stepbytoken.checks import check_float, check_instance, check_int, check_tensor
from stepbytoken.world.images import ImageSpec

__all__ = [
    "ProjectionResult",
    "clip_loss",
    "hard_negative_batch",
    "info_nce_loss",
    "train_projection",
]


def info_nce_loss(queries: Tensor, keys: Tensor, temperature: float = 0.05) -> Tensor:
    """Mean cross-entropy of picking row ``i`` of ``keys`` for row ``i`` of ``queries``.

    The scores are the dot products of every query with every key, divided by
    ``temperature``; the other keys of the batch are the negatives. Both sets of vectors are
    expected at unit length (dot product = cosine similarity).

    Parameters
    ----------
    queries, keys
        ``(n, d)`` floating tensors, row ``i`` of one paired with row ``i`` of the other.
    temperature
        Divides the similarities (> 0); smaller makes the softmax sharper.

    Examples
    --------
    >>> q = torch.eye(3)
    >>> round(info_nce_loss(q, q, temperature=0.1).item(), 4)
    0.0001

    Introduced in chapter 10.
    """
    check_tensor("queries", queries, dims=2, integer=False)
    check_tensor("keys", keys, dims=2, integer=False)
    if queries.shape != keys.shape:
        raise ValueError(
            f"queries and keys must have the same shape, got {tuple(queries.shape)} "
            f"and {tuple(keys.shape)}"
        )
    temperature = check_float(
        "temperature", temperature, minimum=0.0, open_minimum=True
    )
    logits = queries @ keys.T / temperature
    return F.cross_entropy(logits, torch.arange(len(queries)))


def clip_loss(logits: Tensor) -> Tensor:
    """Symmetric InfoNCE over a square similarity matrix: image to text and text to image.

    ``logits[i, j]`` scores image ``i`` against text ``j`` (scaled cosine similarities, e.g.
    :meth:`~stepbytoken.nn.clip.CLIP.similarity`), pair ``i`` on the diagonal. The loss is
    the mean of the cross-entropy of each row (which text goes with image ``i``) and of each
    column (which image goes with text ``j``), as in Radford et al. (2021), Figure 3.

    Parameters
    ----------
    logits
        ``(n, n)`` floating tensor, ``n >= 1``.

    Examples
    --------
    >>> round(clip_loss(torch.zeros(4, 4)).item(), 4)  # uniform: ln 4
    1.3863
    >>> round(clip_loss(10 * torch.eye(3)).item(), 4)
    0.0001

    Introduced in chapter 15.
    """
    check_tensor("logits", logits, dims=2, integer=False)
    n = logits.shape[0]
    if n == 0 or logits.shape[1] != n:
        raise ValueError(
            f"logits must be a square (n, n) matrix with n >= 1, got {tuple(logits.shape)}"
        )
    labels = torch.arange(n, device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


class ProjectionResult(NamedTuple):
    """What :func:`train_projection` returns: the ``(dim, d)`` matrix and the loss per step.

    Introduced in chapter 10.
    """

    projection: Tensor
    losses: list[float]


def train_projection(
    queries: Tensor,
    keys: Tensor,
    key_ids: Sequence[int] | None = None,
    *,
    dim: int | None = None,
    steps: int = 200,
    batch_size: int = 64,
    lr: float = 1e-2,
    temperature: float = 0.05,
    seed: int = 0,
) -> ProjectionResult:
    """Learn a linear map ``W`` so that ``normalize(q W^T)`` finds ``normalize(k W^T)``.

    Parameters
    ----------
    queries, keys
        ``(n, d)`` pooled vectors of the training questions and of their passages.
    key_ids
        Which passage each pair uses (length ``n``); pairs that share a passage never share
        a batch, so no question is pushed away from its own passage. Default: all distinct.
    dim
        Output size (default ``d``). ``W`` starts as the identity (or its first ``dim``
        rows), so training starts from the plain pooled vectors.
    steps, batch_size, lr
        Adam steps, pairs per step (>= 2), learning rate.
    temperature
        As in :func:`info_nce_loss`.
    seed
        Seed of the batches.

    Returns
    -------
    ProjectionResult
        The learned matrix (no gradient) and the training loss at each step.

    Raises
    ------
    TypeError, ValueError
        For a bad argument.

    Examples
    --------
    Passages that equal their questions plus noise in the last four of eight numbers: the
    projection learns to weigh those four less.

    >>> g = torch.Generator().manual_seed(0)
    >>> q = torch.randn(64, 8, generator=g)
    >>> noisy = q + torch.randn(64, 8, generator=g) * torch.tensor([0.0] * 4 + [3.0] * 4)
    >>> result = train_projection(q, noisy, steps=100, batch_size=16)
    >>> weights = result.projection.norm(dim=0)
    >>> bool(weights[:4].min() > weights[4:].max()), result.losses[-1] < result.losses[0]
    (True, True)

    Introduced in chapter 10.
    """
    check_tensor("queries", queries, dims=2, integer=False)
    check_tensor("keys", keys, dims=2, integer=False)
    if queries.shape != keys.shape:
        raise ValueError(
            f"queries and keys must have the same shape, got {tuple(queries.shape)} "
            f"and {tuple(keys.shape)}"
        )
    n, d = queries.shape
    if key_ids is None:
        key_ids = list(range(n))
    if isinstance(key_ids, (str, bytes)) or not isinstance(key_ids, Sequence):
        raise TypeError(
            f"key_ids must be a sequence of ints, got {type(key_ids).__name__}"
        )
    if len(key_ids) != n:
        raise ValueError(
            f"key_ids must have {n} entries (one per pair), got {len(key_ids)}"
        )
    dim = d if dim is None else check_int("dim", dim, minimum=1, maximum=d)
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=2)
    lr = check_float("lr", lr, minimum=0.0, open_minimum=True)
    temperature = check_float(
        "temperature", temperature, minimum=0.0, open_minimum=True
    )
    generator = torch.Generator().manual_seed(check_int("seed", seed))
    weight = torch.eye(d)[:dim].clone().requires_grad_(True)
    optimizer = torch.optim.Adam([weight], lr=lr)
    queries, keys = queries.detach().float(), keys.detach().float()
    losses = []
    for _ in range(steps):
        rows, seen = [], set()
        for i in torch.randperm(n, generator=generator).tolist():
            if key_ids[i] not in seen:
                seen.add(key_ids[i])
                rows.append(i)
                if len(rows) == batch_size:
                    break
        if len(rows) < 2:
            raise ValueError(
                "training needs pairs with at least two different passages"
            )
        q = F.normalize(queries[rows] @ weight.T, dim=-1)
        k = F.normalize(keys[rows] @ weight.T, dim=-1)
        loss = info_nce_loss(q, k, temperature)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return ProjectionResult(weight.detach().clone(), losses)


def hard_negative_batch(
    specs: Sequence[ImageSpec], batch_size: int, generator: torch.Generator
) -> list[int]:
    """Indices of a batch of distinct specs, half of them alike but for shape and colour.

    Every spec of ``specs`` that has one size and position (picked at random) goes in
    first, then other specs at random until ``batch_size``. Within the first group, only
    shape and colour tell two captions apart, so the contrastive loss must learn them; in a
    batch drawn at random most pairs already differ in colour or position.

    Examples
    --------
    >>> from stepbytoken.world.images import combination_split
    >>> specs = combination_split(0).train
    >>> batch = hard_negative_batch(specs, 64, torch.Generator().manual_seed(0))
    >>> len(batch), len(set(batch))
    (64, 64)
    >>> len({(specs[i].size, specs[i].position) for i in batch[:30]})
    1

    Introduced in chapter 15.
    """
    if isinstance(specs, (str, bytes)) or not isinstance(specs, Sequence):
        raise TypeError(
            f"specs must be a sequence of ImageSpec, got {type(specs).__name__}"
        )
    for i, spec in enumerate(specs):
        check_instance(f"specs[{i}]", spec, ImageSpec)
    check_instance("generator", generator, torch.Generator)
    batch_size = check_int("batch_size", batch_size, minimum=2, maximum=len(specs))
    places = sorted({(s.size, s.position) for s in specs})
    place = places[int(torch.randint(len(places), (1,), generator=generator))]
    alike = [i for i, s in enumerate(specs) if (s.size, s.position) == place]
    alike = alike[:batch_size]
    chosen = set(alike)
    order = torch.randperm(len(specs), generator=generator).tolist()
    rest = [i for i in order if i not in chosen][: batch_size - len(alike)]
    return alike + rest
