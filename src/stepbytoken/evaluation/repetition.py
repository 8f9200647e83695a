"""Does repetition feed itself? How likely a model finds each copy of a phrase written again.

Holtzman and colleagues found that the more often GPT-2 has seen a phrase repeated, the
likelier it finds the next repeat, which is why greedy text falls into loops.
:func:`copy_probabilities` runs their test on any model.

Introduced in chapter 7.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from stepbytoken.evaluation.decoding import token_log_probs
from stepbytoken.nn import LanguageModel, check_language_model

__all__ = ["copy_probabilities"]


def copy_probabilities(
    model: LanguageModel, prefix: Sequence[int], phrase: Sequence[int]
) -> np.ndarray:
    """The average probability per token of each copy of ``phrase``, repeated after ``prefix``.

    The phrase is written as many times as fit in the model's context after the prefix;
    each copy's score is the exponential of its tokens' mean log-probability (a geometric
    mean of their probabilities).

    Parameters
    ----------
    model : LanguageModel
        The model; it needs a ``block_size``.
    prefix : sequence of int
        Token ids before the first copy (at least one).
    phrase : sequence of int
        The phrase's token ids (at least one).

    Returns
    -------
    numpy.ndarray
        One probability per copy, first copy first.

    Raises
    ------
    ValueError
        If ``prefix`` or ``phrase`` is empty, or not even one copy fits in the context.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> model = GPT(GPTConfig(vocab_size=3, block_size=6, n_layer=1, n_head=1, d_model=4))
    >>> copy_probabilities(model, [0], [1, 2]).shape  # (6 - 1) // 2 copies fit after [0]
    (2,)

    Introduced in chapter 7.
    """
    check_language_model(model)
    if not prefix or not phrase:
        raise ValueError("prefix and phrase must each hold at least one token id")
    if model.block_size is None:
        raise ValueError("model must have a block_size: it sets how many copies are written")
    copies = (model.block_size - len(prefix)) // len(phrase)
    if copies < 1:
        raise ValueError(
            f"no copy of a {len(phrase)}-token phrase fits after {len(prefix)} tokens in "
            f"block_size {model.block_size}"
        )
    ids = torch.tensor([list(prefix) + list(phrase) * copies])  # (1, T)
    log_probs = token_log_probs(model, ids)[0, len(prefix) - 1 :]  # the copies' tokens
    return log_probs.view(copies, len(phrase)).mean(dim=1).exp().numpy()
