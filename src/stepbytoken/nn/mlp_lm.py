"""A neural n-gram model: the multilayer perceptron language model of Bengio et al. (2003).

Each of the previous ``context`` tokens is looked up in a learned embedding table; the vectors
are concatenated and passed through one hidden layer with a tanh, and a final linear layer
gives a score (logit) for every token of the vocabulary. Unlike a count-based model, similar
words get similar vectors, so what the model learns about one context carries over to contexts
it never saw.

Introduced in chapter 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stepbytoken.checks import check_int, check_targets, check_tensor, check_token_ids


class MLPLanguageModel(nn.Module):
    """Predict each token from the ``context`` tokens before it with an MLP.

    Follows :class:`~stepbytoken.nn.interface.LanguageModel`; positions before the start of
    ``idx`` read ``pad_id``.

    Introduced in chapter 1.

    Parameters
    ----------
    vocab_size
        Number of token ids.
    context
        How many previous tokens the model sees (the ``n - 1`` of an n-gram model).
    d_embed
        Size of each token's embedding vector.
    d_hidden
        Width of the hidden layer.
    pad_id
        Id used for positions before the start of the input (e.g. the ``<s>`` token).
    seed
        Seed of the weight initialisation.

    Examples
    --------
    >>> model = MLPLanguageModel(vocab_size=10, context=3, d_embed=4, d_hidden=8)
    >>> logits, loss = model(torch.tensor([[1, 2, 3, 4]]), targets=torch.tensor([[2, 3, 4, 5]]))
    >>> tuple(logits.shape), loss.shape
    ((1, 4, 10), torch.Size([]))
    """

    def __init__(
        self,
        vocab_size: int,
        context: int = 3,
        d_embed: int = 32,
        d_hidden: int = 256,
        *,
        pad_id: int = 0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        check_int("vocab_size", vocab_size, minimum=1)
        check_int("context", context, minimum=1)
        check_int("d_embed", d_embed, minimum=1)
        check_int("d_hidden", d_hidden, minimum=1)
        check_int("pad_id", pad_id, minimum=0, maximum=vocab_size - 1)
        self.vocab_size, self.context, self.pad_id = vocab_size, context, pad_id
        generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
        self.embedding = nn.Embedding(vocab_size, d_embed)
        self.hidden = nn.Linear(context * d_embed, d_hidden)
        self.output = nn.Linear(d_hidden, vocab_size)
        with torch.no_grad():
            for p in self.parameters():
                fan_in = p.shape[-1] if p.ndim > 1 else p.shape[0]
                p.copy_(torch.randn(p.shape, generator=generator) / fan_in**0.5)
            self.output.weight.mul_(0.1)
            self.output.bias.zero_()

    @property
    def block_size(self) -> int:
        """How many previous tokens the model looks at."""
        return self.context

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Next-token logits ``(B, T, vocab_size)`` for ``idx`` ``(B, T)``, and the loss.

        ``targets`` as for :meth:`GPT.forward <stepbytoken.nn.gpt.GPT.forward>` (``-1``:
        left out of the loss).
        """
        check_tensor("idx", idx, dims=2, integer=True)
        check_token_ids("idx", idx, self.vocab_size)
        if targets is not None:
            check_targets(targets, idx.shape, self.vocab_size)
        B, T = idx.shape
        if B == 0 or T == 0:
            raise ValueError(
                f"idx must have at least one sequence and one token, got {(B, T)}"
            )
        idx = idx.long()
        # (B, context - 1 + T)
        padded = F.pad(idx, (self.context - 1, 0), value=self.pad_id)
        # (B, T, context): idx[t-context+1 .. t]
        windows = padded.unfold(1, self.context, 1)
        x = self.embedding(windows).view(B, T, -1)  # (B, T, context * d_embed)
        logits = self.output(torch.tanh(self.hidden(x)))  # (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, self.vocab_size),
                targets.reshape(-1).long(),
                ignore_index=-1,
            )
        return logits, loss
