"""How good is a sparse autoencoder? Sparsity, reconstruction, loss recovered, labels.

- :func:`sae_stats`: L0 (features active per token), the fraction of variance left
  unexplained by the reconstruction, and the share of dead features (never active);
- :func:`loss_recovered`: the model's loss with the SAE's reconstruction spliced in place of
  the real MLP output, against the clean loss and the loss with that output set to zero;
- :func:`auroc`: for each unit (feature or neuron), how well its activation separates
  tokens with a label from the rest (0.5 is chance, 1 is perfect).

Introduced in chapter 20.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from stepbytoken.checks import check_tensor
from stepbytoken.evaluation.activations import replace_mlp_output
from stepbytoken.nn import GPT
from stepbytoken.nn.sae import SparseAutoencoder

__all__ = ["LossRecovered", "SAEStats", "auroc", "loss_recovered", "sae_stats"]


class SAEStats(NamedTuple):
    """Summary of a sparse autoencoder on a set of activations.

    Fields:
        l0: mean number of active features per row.
        fvu: fraction of variance unexplained, ``sum((x - x_hat)**2) / sum((x - mean)**2)``.
        dead_fraction: share of features active on no row.
    """

    l0: float
    fvu: float
    dead_fraction: float


class LossRecovered(NamedTuple):
    """Next-token losses (nats) with an MLP output replaced, and the share recovered.

    Fields:
        clean: the model's own loss.
        spliced: with the SAE's reconstruction in place of the MLP output.
        zero: with the MLP output set to zero.
        recovered: ``(zero - spliced) / (zero - clean)``; 1 means nothing was lost.
    """

    clean: float
    spliced: float
    zero: float
    recovered: float


def _check_sae(sae: object) -> SparseAutoencoder:
    if not isinstance(sae, SparseAutoencoder):
        raise TypeError(f"sae must be a SparseAutoencoder, got {type(sae).__name__}")
    return sae


@torch.no_grad()
def sae_stats(sae: SparseAutoencoder, x: Tensor) -> SAEStats:
    """L0, fraction of variance unexplained and dead share of ``sae`` on ``x`` ``(N, d_in)``.

    Introduced in chapter 20.

    Examples
    --------
    >>> sae = SparseAutoencoder(4, 8, seed=0)
    >>> stats = sae_stats(sae, torch.randn(100, 4, generator=torch.Generator().manual_seed(0)))
    >>> 0 < stats.l0 <= 8 and 0 <= stats.dead_fraction <= 1
    True
    """
    sae = _check_sae(sae)
    check_tensor("x", x, dims=2, integer=False)
    x_hat, f = sae(x)
    active = f > 0
    fvu = (x - x_hat).pow(2).sum() / (x - x.mean(0)).pow(2).sum()
    return SAEStats(
        l0=float(active.sum(-1).float().mean()),
        fvu=float(fvu),
        dead_fraction=float((~active.any(0)).float().mean()),
    )


@torch.no_grad()
def loss_recovered(
    model: GPT, sae: SparseAutoencoder, layer: int, idx: Tensor
) -> LossRecovered:
    """Splice ``sae``'s reconstruction into block ``layer``'s MLP output; compare losses.

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model the SAE was trained on.
    sae : SparseAutoencoder
        An autoencoder of the MLP output (``d_in == d_model``).
    layer : int
        The block whose MLP output it reads.
    idx : Tensor
        ``(B, T)`` token ids; the losses are over ``idx[:, 1:]``.

    Returns
    -------
    LossRecovered

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> reference = load_reference()
    >>> text = "Piet is a man who lives in Gissam. Every day he catches fish."
    >>> idx = torch.tensor([reference.tokenizer.encode(text)])
    >>> result = loss_recovered(reference.model, SparseAutoencoder(128, 256), 2, idx)
    >>> result.zero > result.clean
    True
    """
    sae = _check_sae(sae)
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    if sae.d_in != model.config.d_model:
        raise ValueError(
            f"sae must read {model.config.d_model} features (d_model), got {sae.d_in}"
        )
    check_tensor("idx", idx, dims=2, integer=True)

    def loss() -> float:
        return float(model(idx[:, :-1], targets=idx[:, 1:])[1])

    clean = loss()
    with replace_mlp_output(model, layer, lambda out: sae(out)[0]):
        spliced = loss()
    with replace_mlp_output(model, layer, torch.zeros_like):
        zero = loss()
    return LossRecovered(clean, spliced, zero, (zero - spliced) / (zero - clean))


def _average_ranks(values: Tensor) -> Tensor:
    """Ranks from 1 of a 1-D tensor, ties given their average rank."""
    sorted_values, order = values.sort()
    _, inverse, counts = torch.unique_consecutive(
        sorted_values, return_inverse=True, return_counts=True
    )
    ends = counts.cumsum(0).double()
    mean_rank = ends - (counts.double() - 1) / 2  # average of ranks end-count+1 .. end
    ranks = torch.empty_like(values, dtype=torch.float64)
    ranks[order] = mean_rank[inverse]
    return ranks


@torch.no_grad()
def auroc(scores: Tensor, labels: Tensor) -> Tensor:
    """Area under the ROC curve of every column of ``scores`` for boolean ``labels``.

    The probability that a row with the label scores higher than one without (ties count
    one half), computed from ranks (the Mann-Whitney statistic).

    Introduced in chapter 20.

    Parameters
    ----------
    scores : Tensor
        ``(N, F)`` activations of ``F`` units on ``N`` rows.
    labels : Tensor
        ``(N,)`` or ``(N, K)`` booleans (``K`` labels), each column with at least one
        True and one False.

    Returns
    -------
    Tensor
        float64 values in [0, 1]: ``(F,)`` for 1-D labels, ``(F, K)`` for 2-D labels.

    Examples
    --------
    >>> scores = torch.tensor([[0.0, 1.0], [0.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> auroc(scores, torch.tensor([False, False, True, True])).tolist()
    [1.0, 0.5]
    """
    check_tensor("scores", scores, dims=2, integer=False)
    check_tensor("labels", labels, dims=(1, 2))
    if labels.dtype != torch.bool or labels.shape[0] != scores.shape[0]:
        raise ValueError(
            f"labels must be a bool tensor of {scores.shape[0]} rows (one per score row), "
            f"got {labels.dtype} of shape {tuple(labels.shape)}"
        )
    columns = labels if labels.ndim == 2 else labels[:, None]
    n_pos = columns.sum(0).double()  # (K,)
    n_neg = columns.shape[0] - n_pos
    if bool((n_pos == 0).any() or (n_neg == 0).any()):
        raise ValueError("labels must hold at least one True and one False per column")
    ranks = torch.stack([_average_ranks(scores[:, j]) for j in range(scores.shape[1])])
    rank_sums = ranks @ columns.double()  # (F, K)
    result = (rank_sums - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return result if labels.ndim == 2 else result[:, 0]
