"""Growing a trained GPT's vocabulary, for new special tokens such as the chat format's.

Fine-tuning a base model into an assistant adds tokens it has never seen (``<|user|>``,
``<|end|>``, ...). :func:`grow_vocab` returns a copy of the model with more rows in its token
embedding (and output layer): the old rows are copied, so every old token keeps its meaning
and the old logits are unchanged, and each new row starts at the mean of the old ones, so a
new token starts out as an average token rather than a random vector that could swamp the
softmax.

Introduced in chapter 8.
"""

from __future__ import annotations

import dataclasses

import torch

from stepbytoken.checks import check_int
from stepbytoken.nn.gpt import GPT

__all__ = ["grow_vocab"]


@torch.no_grad()
def grow_vocab(model: GPT, vocab_size: int) -> GPT:
    """A copy of ``model`` with ``vocab_size`` token ids; new rows start at the mean row.

    Parameters
    ----------
    model
        A trained :class:`~stepbytoken.nn.GPT` (left unchanged).
    vocab_size
        The new number of ids, at least the model's.

    Returns
    -------
    GPT
        The grown model, in the training mode of ``model``.

    Raises
    ------
    TypeError
        If ``model`` is not a GPT.
    ValueError
        If ``vocab_size`` is smaller than the model's.

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> small = GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=2, d_model=8))
    >>> big = grow_vocab(small, 12)
    >>> idx = torch.tensor([[1, 2, 3]])
    >>> torch.allclose(big(idx)[0][..., :10], small(idx)[0], atol=1e-6)  # up to rounding
    True

    Introduced in chapter 8.
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    old = model.config.vocab_size
    vocab_size = check_int("vocab_size", vocab_size, minimum=old)
    grown = GPT(dataclasses.replace(model.config, vocab_size=vocab_size), seed=0)
    state = model.state_dict()
    for key in ("wte.weight", "lm_head.weight"):
        rows = state[key]  # (old, d_model)
        extra = rows.mean(dim=0, keepdim=True).expand(vocab_size - old, -1)
        state[key] = torch.cat([rows, extra])  # (vocab_size, d_model)
    grown.load_state_dict(state, strict=True)
    grown.to(next(model.parameters()).device)
    return grown.train(model.training)
