"""A neural n-gram model: the multilayer perceptron language model of Bengio et al. (2003).

Each of the previous ``context`` tokens is looked up in a learned embedding table; the vectors
are concatenated and passed through one hidden layer with a tanh, and a final linear layer
gives a score (logit) for every token of the vocabulary. Unlike a count-based model, similar
words get similar vectors, so what the model learns about one context carries over to contexts
it never saw.

Introduced in chapter 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


class MLPLanguageModel(nn.Module):
    """Predict each token from the ``context`` tokens before it with an MLP.

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

    Introduced in chapter 1.
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
        for name, value in (
            ("vocab_size", vocab_size),
            ("context", context),
            ("d_embed", d_embed),
            ("d_hidden", d_hidden),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if not 0 <= pad_id < vocab_size:
            raise ValueError(f"pad_id must be in 0..{vocab_size - 1}, got {pad_id}")
        self.vocab_size, self.context, self.pad_id = vocab_size, context, pad_id
        generator = torch.Generator().manual_seed(seed)
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
        """Logits for the next token at every position, and the loss if ``targets`` are given.

        Parameters
        ----------
        idx
            Token ids, shape (B, T).
        targets
            The next token at every position, shape (B, T), or None.

        Returns
        -------
        (logits, loss)
            ``logits`` has shape (B, T, vocab_size); ``loss`` is the mean cross-entropy or None.
        """
        if idx.ndim != 2:
            raise ValueError(f"idx must have shape (B, T), got {tuple(idx.shape)}")
        B, T = idx.shape
        padded = F.pad(idx, (self.context - 1, 0), value=self.pad_id)  # (B, context - 1 + T)
        windows = padded.unfold(1, self.context, 1)  # (B, T, context): idx[t-context+1 .. t]
        x = self.embedding(windows).view(B, T, -1)  # (B, T, context * d_embed)
        logits = self.output(torch.tanh(self.hidden(x)))  # (B, T, vocab_size)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, self.vocab_size), targets.reshape(-1))
        return logits, loss


@torch.no_grad()
def token_probs(model: nn.Module, ids: Sequence[int], *, chunk: int = 4096) -> torch.Tensor:
    """Probability a model gives each of ``ids[1:]`` given the tokens before it.

    Parameters
    ----------
    model
        A model mapping ids (1, T) to ``(logits, loss)``, such as :class:`MLPLanguageModel`.
        Its context must fit in the model's own window (true of the MLP, which only ever
        reads its last ``context`` tokens).
    ids
        A sequence of token ids.
    chunk
        Positions scored per forward pass (bounds memory).

    Returns
    -------
    torch.Tensor
        Shape ``(len(ids) - 1,)``.

    Introduced in chapter 1.
    """
    idx = torch.as_tensor(list(ids), dtype=torch.long)
    if idx.numel() < 2:
        raise ValueError("need at least two token ids")
    was_training = model.training
    model.eval()
    out = []
    context = getattr(model, "block_size", 1)
    for start in range(0, idx.numel() - 1, chunk):
        lo = max(start - context + 1, 0)
        window = idx[lo : start + chunk]
        logits, _ = model(window[None])
        probs = torch.softmax(logits[0, start - lo :], dim=-1)  # predictions for start+1 ...
        targets = idx[start + 1 : start + 1 + chunk]
        out.append(probs[: targets.numel()].gather(1, targets[:, None])[:, 0])
    model.train(was_training)
    return torch.cat(out)


def perplexity(model: nn.Module, ids: Sequence[int]) -> float:
    """Perplexity of a neural model on ``ids``: exp of the mean negative log-probability.

    Introduced in chapter 1.
    """
    return math.exp(-token_probs(model, ids).log().mean().item())
