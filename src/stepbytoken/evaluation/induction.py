"""Induction heads: scores on repeated random tokens, after Olsson et al. (2022).

An induction head completes a pattern ``[A][B] ... [A] -> [B]``: at the second ``[A]`` it
attends to the token that followed the first ``[A]`` (*prefix matching*) and raises the
logit of the token it attends to (*copying*). Both are measured on sequences of random
tokens written twice (:func:`repeated_tokens`), where only a model that reads its own
context can predict the second half.

- :func:`attention_scores`: per head, the mean attention to the previous token and to the
  induction target.
- :func:`copying_scores`: per head, the eigenvalue positivity of the OV circuit through the
  embedding and unembedding, as in Elhage et al. (2021).
- :func:`repeat_losses`: the loss on the first and the second half of the sequences.

The shipped family, trained on the world's corpus alone, scores near chance on all three;
:mod:`~stepbytoken.recipes.induction` trains a member that does not.

Introduced in chapter 20.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from stepbytoken.checks import check_choice, check_int, check_tensor
from stepbytoken.evaluation.activations import ablate_heads
from stepbytoken.nn import GPT
from stepbytoken.tokenizers import BPETokenizer

__all__ = [
    "AttentionScores",
    "attention_scores",
    "copying_scores",
    "head_ablation_losses",
    "repeat_losses",
    "repeated_tokens",
    "word_token_ids",
]


class AttentionScores(NamedTuple):
    """Mean attention weights of every head on repeated sequences.

    Fields:
        previous_token: ``(n_layer, n_head)``, mean weight from each token to the one before.
        prefix_matching: ``(n_layer, n_head)``, mean weight from each token of the second
        half to the token after its earlier occurrence.
    """

    previous_token: Tensor
    prefix_matching: Tensor


def _check_gpt(model: object) -> GPT:
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    return model


def word_token_ids(tokenizer: BPETokenizer) -> Tensor:
    """Ids of the tokens that are a whole word with its leading space (``" castle"``).

    Random sequences of these look like text the model has read, word by word, while
    following no grammar: the test set of :func:`repeated_tokens`.

    Introduced in chapter 20.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> tokenizer = load_reference().tokenizer
    >>> ids = word_token_ids(tokenizer)
    >>> all(tokenizer.decode([i]).startswith(" ") for i in ids.tolist())
    True
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    ids = []
    for i in range(tokenizer.vocab_size):
        text = tokenizer.decode([i])
        if len(text) > 2 and text[0] == " " and text[1:].isalpha():
            ids.append(i)
    return torch.tensor(ids)


def repeated_tokens(
    n: int, length: int, pool: int | Tensor, *, seed: int = 0
) -> Tensor:
    """Draw ``n`` sequences of ``length`` random token ids from ``pool``, each written twice.

    Introduced in chapter 20.

    Parameters
    ----------
    n, length : int
        Number of sequences and length of one half.
    pool : int or Tensor
        The ids to draw from: ``range(pool)`` for an int, or a 1-D tensor of ids (e.g.
        :func:`word_token_ids`).
    seed : int, default 0
        Seed of the draw.

    Returns
    -------
    Tensor
        ``(n, 2 * length)`` int64 ids, ``idx[:, length:] == idx[:, :length]``.

    Examples
    --------
    >>> idx = repeated_tokens(2, 3, 10, seed=0)
    >>> idx.shape, bool((idx[:, 3:] == idx[:, :3]).all())
    (torch.Size([2, 6]), True)
    """
    check_int("n", n, minimum=1)
    check_int("length", length, minimum=2)
    check_int("seed", seed)
    if isinstance(pool, Tensor):
        check_tensor("pool", pool, dims=1, integer=True)
        if pool.numel() == 0:
            raise ValueError("pool must hold at least one id")
        ids = pool.long()
    else:
        ids = torch.arange(check_int("pool", pool, minimum=1))
    generator = torch.Generator().manual_seed(seed)
    half = ids[torch.randint(0, ids.numel(), (n, length), generator=generator)]
    return torch.cat([half, half], dim=1)


def _half_length(idx: Tensor) -> int:
    check_tensor("idx", idx, dims=2, integer=True)
    T = idx.shape[1]
    if T < 4 or T % 2 or not bool((idx[:, T // 2 :] == idx[:, : T // 2]).all()):
        raise ValueError(
            "idx must hold sequences written twice (see repeated_tokens), "
            f"got shape {tuple(idx.shape)}"
        )
    return T // 2


@torch.no_grad()
def attention_scores(model: GPT, idx: Tensor) -> AttentionScores:
    """Measure every head's previous-token and prefix-matching attention on ``idx``.

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    idx : Tensor
        ``(B, 2L)`` repeated sequences from :func:`repeated_tokens`.

    Returns
    -------
    AttentionScores

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> model = load_reference().model
    >>> scores = attention_scores(model, repeated_tokens(4, 40, 1280))
    >>> scores.prefix_matching.shape
    torch.Size([4, 4])
    """
    model = _check_gpt(model)
    L = _half_length(idx)
    maps = torch.stack(model.attention_maps(idx))  # (n_layer, B, n_head, T, T)
    T = 2 * L
    rows = torch.arange(1, T)
    previous = maps[:, :, :, rows, rows - 1].mean(dim=(1, 3))
    rows = torch.arange(
        L, T
    )  # token i repeats token i - L, which was followed by i - L + 1
    prefix = maps[:, :, :, rows, rows - L + 1].mean(dim=(1, 3))
    return AttentionScores(previous, prefix)


@torch.no_grad()
def copying_scores(model: GPT) -> Tensor:
    """Eigenvalue positivity of every head's OV circuit, from -1 to 1.

    The circuit maps a token's embedding through the block's norm gain, the head's value and
    output matrices, the final norm gain and the unembedding: ``E W_V W_O U``, a
    ``vocab x vocab`` matrix of rank ``d_head``. Its nonzero eigenvalues ``lambda`` are those
    of the small ``d_head x d_head`` matrix ``W_O U E W_V``; the score is
    ``sum(lambda) / sum(|lambda|)`` (real part), near 1 for a head that raises the logit of
    the token it reads. Norm centring and biases are left out.

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        A model with learned ``wte`` and layer norms.

    Returns
    -------
    Tensor
        ``(n_layer, n_head)`` scores.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> scores = copying_scores(load_reference().model)
    >>> scores.shape, bool((scores.abs() <= 1).all())
    (torch.Size([4, 4]), True)
    """
    model = _check_gpt(model)
    C, H = model.config.d_model, model.config.n_head
    d = C // H
    E = model.wte.weight  # (V, C)
    U = model.lm_head.weight.T * model.norm_f.weight[:, None]  # (C, V)
    UE = U @ E  # (C, C): from the residual stream back to the embedding space
    scores = torch.zeros(model.config.n_layer, H)
    for layer, block in enumerate(model.blocks):
        gain = block.norm_1.weight[:, None]  # (C, 1)
        W_V = gain * block.attn.c_attn.weight[2 * C :].T  # (C, C): x -> values
        W_O = block.attn.c_proj.weight.T  # (C, C): heads -> residual
        for h in range(H):
            cols = slice(h * d, (h + 1) * d)
            small = W_O[cols] @ UE @ W_V[:, cols]  # (d, d)
            eig = torch.linalg.eigvals(small.double())
            scores[layer, h] = float(eig.real.sum() / eig.abs().sum())
    return scores


@torch.no_grad()
def repeat_losses(model: GPT, idx: Tensor) -> tuple[float, float]:
    """Mean next-token loss (nats) on the first and on the second half of ``idx``.

    The second half's first token is counted with the first half (it cannot be predicted).

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    idx : Tensor
        ``(B, 2L)`` repeated sequences from :func:`repeated_tokens`.

    Returns
    -------
    (first, second) : tuple of float

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> first, second = repeat_losses(load_reference().model, repeated_tokens(4, 40, 1280))
    >>> isinstance(first, float) and isinstance(second, float)
    True
    """
    model = _check_gpt(model)
    L = _half_length(idx)
    logits, _ = model(idx)
    losses = torch.nn.functional.cross_entropy(
        logits[:, :-1].transpose(1, 2), idx[:, 1:], reduction="none"
    )  # (B, 2L - 1): loss of predicting token t + 1
    return float(losses[:, :L].mean()), float(losses[:, L:].mean())


@torch.no_grad()
def head_ablation_losses(
    model: GPT, idx: Tensor, mode: str = "mean", part: str = "second"
) -> Tensor:
    """The loss on ``idx`` with each head ablated in turn.

    ``mode="zero"`` sets the head's output to zero; ``"mean"`` to its mean over the batch
    at each position (less of a shock to the layers after it).

    Introduced in chapter 20.

    Parameters
    ----------
    model : GPT
        The model.
    idx : Tensor
        ``(B, 2L)`` repeated sequences from :func:`repeated_tokens` (any ``(B, T)`` ids with
        ``part="all"``).
    mode : {"mean", "zero"}, default "mean"
        The ablation.
    part : {"second", "all"}, default "second"
        The loss on the second half of repeated sequences (:func:`repeat_losses`), or the
        mean loss over every next-token prediction of any ``(B, T)`` ids.

    Returns
    -------
    Tensor
        ``(n_layer, n_head)`` losses (nats).

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> losses = head_ablation_losses(load_reference().model, repeated_tokens(2, 8, 1280))
    >>> losses.shape
    torch.Size([4, 4])
    """
    model = _check_gpt(model)
    part = check_choice("part", part, ("second", "all"))
    if part == "second":
        _half_length(idx)
    else:
        check_tensor("idx", idx, dims=2, integer=True)
    mode = check_choice("mode", mode, ("mean", "zero"))

    def loss() -> float:
        if part == "second":
            return repeat_losses(model, idx)[1]
        return float(model(idx[:, :-1], targets=idx[:, 1:])[1])

    means = None
    if mode == "mean":
        inputs: list[Tensor] = []
        handles = [
            b.attn.c_proj.register_forward_pre_hook(lambda m, i: inputs.append(i[0]))
            for b in model.blocks
        ]
        try:
            model(idx)
        finally:
            for handle in handles:
                handle.remove()
        means = torch.stack([x.mean(0) for x in inputs])  # (n_layer, T, C)
    n_layer, n_head = model.config.n_layer, model.config.n_head
    losses = torch.zeros(n_layer, n_head)
    for layer in range(n_layer):
        for head in range(n_head):
            with ablate_heads(model, [(layer, head)], means):
                losses[layer, head] = loss()
    return losses
