"""Batches of conversations for supervised fine-tuning, with the loss on assistant tokens only.

:func:`chat_batch` pads encoded conversations (:class:`~stepbytoken.tokenizers.ChatEncoding`)
into one ``(B, T)`` batch. Targets are ``-1`` wherever the model is not asked to predict the
next token: the system's, the user's and the tools' text, the role markers, and the padding;
the GPT leaves those positions out of its cross-entropy, so the gradient comes from the
assistant's words alone.

Introduced in chapter 8.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from stepbytoken.checks import check_int
from stepbytoken.tokenizers.chat import ChatEncoding

__all__ = ["chat_batch"]


def chat_batch(
    encodings: Sequence[ChatEncoding], block_size: int, *, pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets of a batch of conversations, padded to the longest one.

    Parameters
    ----------
    encodings
        Encoded conversations (:func:`~stepbytoken.tokenizers.encode_chat`), each at most
        ``block_size + 1`` tokens long (its inputs are all tokens but the last).
    block_size
        The model's context length.
    pad_id
        Id written in the padding of ``idx`` (its targets are ``-1``), e.g. ``<|end|>``'s.

    Returns
    -------
    idx, targets : torch.Tensor
        Two ``(B, T)`` int64 tensors; ``targets`` is ``-1`` where no loss is taken.

    Raises
    ------
    TypeError, ValueError
        If ``encodings`` is empty or holds something else, or a conversation is too long.

    Examples
    --------
    >>> a = ChatEncoding([9, 5, 6, 7], [False, False, True, True])
    >>> b = ChatEncoding([9, 5, 8], [False, False, True])
    >>> idx, targets = chat_batch([a, b], block_size=8, pad_id=0)
    >>> idx.tolist(), targets.tolist()
    ([[9, 5, 6], [9, 5, 0]], [[-1, 6, 7], [-1, 8, -1]])

    Introduced in chapter 8.
    """
    check_int("block_size", block_size, minimum=1)
    check_int("pad_id", pad_id, minimum=0)
    if isinstance(encodings, ChatEncoding) or not encodings:
        raise ValueError("encodings must be a non-empty sequence of ChatEncoding")
    pairs = []
    for i, enc in enumerate(encodings):
        if not isinstance(enc, ChatEncoding):
            raise TypeError(
                f"encodings[{i}] must be a ChatEncoding, got {type(enc).__name__}"
            )
        if not 2 <= len(enc.token_ids) <= block_size + 1:
            raise ValueError(
                f"encodings[{i}] has {len(enc.token_ids)} tokens; a conversation needs 2 to "
                f"block_size + 1 = {block_size + 1} (crop or drop longer ones first)"
            )
        pairs.append(enc.targets())
    T = max(len(inputs) for inputs, _ in pairs)
    idx = torch.full((len(pairs), T), pad_id, dtype=torch.long)
    targets = torch.full((len(pairs), T), -1, dtype=torch.long)
    for b, (inputs, target) in enumerate(pairs):
        idx[b, : len(inputs)] = torch.tensor(inputs)
        targets[b, : len(target)] = torch.tensor(target)
    return idx, targets
