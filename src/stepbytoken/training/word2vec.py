"""Training skip-gram word vectors with negative sampling (word2vec).

The recipe of Mikolov et al. (2013): frequent words are randomly dropped (subsampling), the
window shrinks at random so that near words count more, negative words are drawn from the
unigram distribution raised to the power 0.75, and the learning rate falls linearly to zero.
Each batch of (center, context) pairs updates only the rows of the two embedding matrices it
touches, each by the mean of its gradients in the batch (:func:`stepbytoken.nn.sgns_grads`).

Introduced in chapter 3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from stepbytoken.checks import check_float, check_int
from stepbytoken.nn import WordVectors, sgns_grads, skipgram_pairs
from stepbytoken.tokenizers import WordVocab


def train_word_vectors(
    words: Sequence[str],
    *,
    dim: int = 64,
    window: int = 2,
    negatives: int = 5,
    epochs: int = 5,
    lr: float = 0.1,
    min_count: int = 5,
    subsample: float = 1e-3,
    batch_size: int = 1024,
    seed: int = 0,
    progress: bool = False,
) -> WordVectors:
    """Train skip-gram word vectors with negative sampling, on one CPU thread.

    Parameters
    ----------
    words
        The training text as a list of words (e.g. :func:`stepbytoken.world.words`).
    dim
        Length of each word vector.
    window
        Largest distance between a center word and a context word.
    negatives
        Random negative words per (center, context) pair, drawn from unigram counts ** 0.75.
    epochs
        Passes over the text.
    lr
        Starting learning rate of plain SGD; it falls linearly to 0.
    min_count
        Words seen fewer times get no vector and are removed from the text.
    subsample
        Threshold ``t``: a word of frequency ``f`` is kept with probability
        ``min(1, sqrt(t / f) + t / f)``; ``0`` keeps every word.
    batch_size
        Pairs per update.
    seed
        Seeds the initial vectors, subsampling, windows, negatives and order.
    progress
        Show a progress bar (tqdm) over epochs.

    Returns
    -------
    WordVectors
        The input (center) vectors; ``losses`` holds the mean loss per pair of each epoch.

    Raises
    ------
    TypeError
        If ``words`` is a str rather than a list of words.
    ValueError
        If an argument is out of range or fewer than two words are in the vocabulary.
    FloatingPointError
        If the loss stops being finite (learning rate too large).

    Examples
    --------
    >>> text = "the cat sat on the mat . the dog sat on the rug .".split() * 20
    >>> wv = train_word_vectors(text, dim=8, epochs=2, min_count=1, seed=0)
    >>> wv.vocab_size, wv.dim, len(wv.losses)
    (8, 8, 2)

    Introduced in chapter 3.
    """
    for name, value in (("dim", dim), ("window", window), ("negatives", negatives),
                        ("epochs", epochs), ("batch_size", batch_size)):  # fmt: skip
        check_int(name, value, minimum=1)
    lr = check_float("lr", lr, minimum=0, open_minimum=True)
    subsample = check_float("subsample", subsample, minimum=0)
    if isinstance(words, str):
        raise TypeError(
            "words must be a list of words, not a str; split it with world.words()"
        )
    vocab = WordVocab.from_words(words, min_count=min_count, specials=())
    idx = torch.tensor(vocab.encode(words), dtype=torch.long)
    if idx.numel() < 2:
        raise ValueError(
            f"need at least 2 words in the vocabulary to train, got {idx.numel()}"
        )
    counts = torch.tensor(vocab.counts, dtype=torch.float64)
    freq = counts / counts.sum()
    if subsample > 0:
        keep_prob = (
            ((subsample / freq).sqrt() + subsample / freq).clamp(max=1.0).float()
        )
    else:
        keep_prob = torch.ones(len(vocab))
    neg_probs = (counts**0.75 / (counts**0.75).sum()).float()

    threads = torch.get_num_threads()
    # the matrices are small: threads only add overhead and noise
    torch.set_num_threads(1)
    try:
        return _train(idx, vocab, keep_prob, neg_probs, dim, window, negatives, epochs, lr,
                      batch_size, seed, progress)  # fmt: skip
    finally:
        torch.set_num_threads(threads)


def _train(
    idx: torch.Tensor,
    vocab: WordVocab,
    keep_prob: torch.Tensor,
    neg_probs: torch.Tensor,
    dim: int,
    window: int,
    negatives: int,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    progress: bool,
) -> WordVectors:
    """The training loop of :func:`train_word_vectors` (arguments already checked)."""
    V = len(vocab)
    g = torch.Generator().manual_seed(seed)
    W_in = (torch.rand(V, dim, generator=g) - 0.5) / dim  # input (center) vectors
    W_out = torch.zeros(V, dim)  # output (context) vectors

    # Estimate the number of updates so that the learning rate reaches 0 at the very end.
    expected_pairs = float((keep_prob[idx].sum() * (window + 1)).item())
    total_steps = max(1, epochs * math.ceil(expected_pairs / batch_size))
    step = 0
    losses = []
    bar = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(bar, desc="epochs")
    for _ in bar:
        kept = idx[torch.rand(idx.numel(), generator=g) < keep_prob[idx]]
        centers, contexts = skipgram_pairs(kept, window, g)
        order = torch.randperm(centers.numel(), generator=g)
        centers, contexts = centers[order], contexts[order]
        negs = torch.multinomial(
            neg_probs, centers.numel() * negatives, replacement=True, generator=g
        )
        negs = negs.view(-1, negatives)  # (P, K)
        epoch_loss = 0.0
        for start in range(0, centers.numel(), batch_size):
            c = centers[start : start + batch_size]  # (B,)
            o = contexts[start : start + batch_size]  # (B,)
            n = negs[start : start + batch_size]  # (B, K)
            v = F.embedding(c, W_in)  # (B, dim)
            u_pos = F.embedding(o, W_out)  # (B, dim)
            u_neg = F.embedding(n, W_out)  # (B, K, dim)
            loss, grad_v, grad_pos, grad_neg = sgns_grads(v, u_pos, u_neg)
            rate = lr * max(1.0 - step / total_steps, 1e-4)
            # SGD on just the rows this batch used. A word seen many times in one batch gets the
            # mean of its gradients, not their sum, so its step stays small in large batches.
            # (V, 1)
            seen_in = torch.bincount(c, minlength=V).clamp_min(1).unsqueeze(-1)
            seen_out = torch.bincount(torch.cat([o, n.reshape(-1)]), minlength=V)
            seen_out = seen_out.clamp_min(1).unsqueeze(-1)  # (V, 1)
            grad_v = grad_v / seen_in[c]
            grad_pos = grad_pos / seen_out[o]
            grad_neg = grad_neg / seen_out[n]  # (B, K, dim) / (B, K, 1)
            W_in.index_add_(0, c, grad_v, alpha=-rate)
            W_out.index_add_(0, o, grad_pos, alpha=-rate)
            W_out.index_add_(0, n.reshape(-1), grad_neg.reshape(-1, dim), alpha=-rate)
            epoch_loss += loss.item()
            step += 1
        if not math.isfinite(epoch_loss):
            raise FloatingPointError(
                f"training diverged (the loss became {epoch_loss}); lower lr (got {lr})"
            )
        losses.append(epoch_loss / max(centers.numel(), 1))
    wv = WordVectors(vocab, W_in)
    wv.losses = losses
    return wv
