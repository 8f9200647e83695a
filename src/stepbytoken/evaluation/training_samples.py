"""Watching a model learn: what it writes at chosen training steps, and how much of it is words.

:class:`SampleRecorder` is a callback for :func:`stepbytoken.training.train`: at each chosen
step it continues the same prompt with the same random seed, so two samples differ only by
what the model learned in between. :func:`real_word_share` scores a sample by the share of
its words that exist in the training text.

Introduced in chapter 6.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import torch
from torch import nn

from stepbytoken.checks import (
    check_instance,
    check_int,
    check_ints,
    check_str,
    check_strings,
)
from stepbytoken.generation import generate
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import words

__all__ = ["SampleRecorder", "real_word_share"]


def _iterable(name: str, values: object) -> Iterable[object]:
    """``values`` if it is an iterable other than a str, else a ``TypeError`` naming it."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list, got {type(values).__name__}")
    return values


class SampleRecorder:
    """A training callback that samples continuations of one prompt at chosen steps.

    Parameters
    ----------
    tokenizer : BPETokenizer
        Encodes the prompt and decodes the samples.
    prompt : str
        The text every sample continues.
    steps : sequence of int
        The training steps (numbers of updates) at which to sample.
    max_new_tokens : int, default 40
        Tokens generated per sample.
    n_samples : int, default 4
        Samples per step, drawn together as one batch.
    seed : int, default 1
        The sampling seed, the same at every step.

    Attributes
    ----------
    samples : dict of int to list of str
        For each step sampled so far, the ``n_samples`` continuations (prompt left out).

    Raises
    ------
    TypeError, ValueError
        If ``prompt`` is not a non-empty str or a count is not an int >= 1.

    Examples
    --------
    >>> from stepbytoken.nn import GPT, GPTConfig
    >>> tok = BPETokenizer.train("a cat sat on a mat. " * 20, 5)
    >>> model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=8, n_layer=1, n_head=1,
    ...                       d_model=8))
    >>> recorder = SampleRecorder(tok, "a cat", [0], max_new_tokens=3, n_samples=2)
    >>> recorder(0, model)
    >>> recorder(1, model)  # not a chosen step: nothing happens
    >>> list(recorder.samples), len(recorder.samples[0])
    ([0], 2)

    Introduced in chapter 6.
    """

    def __init__(
        self,
        tokenizer: BPETokenizer,
        prompt: str,
        steps: Sequence[int],
        *,
        max_new_tokens: int = 40,
        n_samples: int = 4,
        seed: int = 1,
    ) -> None:
        check_instance("tokenizer", tokenizer, BPETokenizer)
        check_str("prompt", prompt, allow_empty=False)
        self.steps = set(
            check_ints("steps", list(_iterable("steps", steps)), minimum=0)
        )
        self.max_new_tokens = check_int("max_new_tokens", max_new_tokens, minimum=1)
        n_samples = check_int("n_samples", n_samples, minimum=1)
        self.seed = check_int("seed", seed)
        self.tokenizer = tokenizer
        try:
            prompt_ids = tokenizer.encode(prompt)
        except ValueError as err:
            raise ValueError(f"prompt cannot be encoded: {err}") from None
        self.prompt_ids = torch.tensor([prompt_ids] * n_samples)  # (n, T)
        self.samples: dict[int, list[str]] = {}

    def __call__(self, step: int, model: nn.Module) -> None:
        """Sample from ``model`` if ``step`` is one of the chosen steps."""
        if check_int("step", step, minimum=0) in self.steps:
            out = generate(model, self.prompt_ids, self.max_new_tokens, seed=self.seed)
            start = self.prompt_ids.shape[1]
            self.samples[step] = [
                self.tokenizer.decode(row[start:].tolist()) for row in out
            ]


def real_word_share(texts: Iterable[str], known: Collection[str]) -> float:
    """The share of the words of ``texts`` (split by :func:`~stepbytoken.world.words`) in ``known``.

    Parameters
    ----------
    texts : iterable of str
        The texts to score, e.g. a model's samples.
    known : collection of str
        The real words, e.g. ``set(words(corpus))``.

    Returns
    -------
    float
        In [0, 1]; 0 when the texts hold no words at all.

    Examples
    --------
    >>> real_word_share(["the cat", "the xqzt"], {"the", "cat"})
    0.75

    Introduced in chapter 6.
    """
    texts = check_strings("texts", texts)
    if isinstance(known, (str, bytes)) or not isinstance(known, Collection):
        raise TypeError(
            f"known must be a collection of words (a set), got {type(known).__name__}"
        )
    if not all(isinstance(word, str) for word in known):
        raise TypeError("known must hold words (str) only")
    found = [w for text in texts for w in words(text)]
    return sum(w in known for w in found) / max(len(found), 1)
