"""A reward model: a GPT whose output is one number per conversation instead of next tokens.

The reward model of RLHF (Ouyang et al., 2022, section 3.5) is the fine-tuned language model
with its output layer replaced by a linear map to a scalar. :class:`RewardModel` reads a
conversation with the GPT's blocks, takes the final normalised hidden state at the last token
of each row (the answer's ``<|end|>``) and maps it to the reward. Trained on pairs of answers
with the Bradley-Terry loss (:func:`~stepbytoken.training.preference.reward_loss`), it learns
to give the better answer the higher number.

Introduced in chapter 8.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from stepbytoken.checks import check_tensor
from stepbytoken.nn.gpt import GPT

__all__ = ["RewardModel"]


class RewardModel(nn.Module):
    """A copy of ``gpt``'s embeddings and blocks with a scalar head.

    Parameters
    ----------
    gpt
        The language model to start from (copied; usually the fine-tuned assistant).

    Examples
    --------
    >>> from stepbytoken.nn import GPTConfig
    >>> gpt = GPT(GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, d_model=8))
    >>> rm = RewardModel(gpt)
    >>> rm(torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]]), torch.tensor([4, 2])).shape
    torch.Size([2])

    Introduced in chapter 8.
    """

    def __init__(self, gpt: GPT) -> None:
        super().__init__()
        if not isinstance(gpt, GPT):
            raise TypeError(f"gpt must be a GPT, got {type(gpt).__name__}")
        self.body = copy.deepcopy(gpt)
        self.head = nn.Linear(gpt.config.d_model, 1)
        nn.init.zeros_(self.head.weight)  # every answer starts with reward 0
        nn.init.zeros_(self.head.bias)

    @property
    def block_size(self) -> int:
        """The longest conversation it reads, in tokens."""
        return self.body.config.block_size

    def forward(self, idx: Tensor, lengths: Tensor) -> Tensor:
        """Rewards ``(B,)`` of the rows of ``idx`` ``(B, T)``, row ``b`` being ``lengths[b]`` long.

        Padding after a row's length is never read by its last token (attention is causal).
        """
        check_tensor("lengths", lengths, dims=1, integer=True)
        if lengths.shape[0] != idx.shape[0]:
            raise ValueError(
                f"lengths must have one entry per row of idx ({idx.shape[0]}), "
                f"got {lengths.shape[0]}"
            )
        if int(lengths.min()) < 1 or int(lengths.max()) > idx.shape[1]:
            raise ValueError(
                f"lengths must lie in [1, {idx.shape[1]}] (the width of idx), "
                f"got {lengths.tolist()}"
            )
        x = self.body.norm_f(self.body.hidden_states(idx)[-1])  # (B, T, C)
        last = x[torch.arange(idx.shape[0]), lengths.to(x.device).long() - 1]  # (B, C)
        return self.head(last).squeeze(-1)
