"""Learning BPE merges from text: the fast incremental trainer and the slow reference.

Both pre-tokenize the text, count each distinct chunk once, and repeatedly merge the most
frequent adjacent pair (ties go to the smallest pair, so training is deterministic), stopping
early once no pair occurs twice. :func:`learn_merges` keeps the pair counts up to date after
each merge, revisiting only the chunks that held the merged pair; :func:`learn_merges_naive`
recounts everything every time. The tests check that they learn the same merges.

Introduced in chapter 2.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

import regex

from stepbytoken.checks import check_bool, check_int, check_str
from stepbytoken.tokenizers.bpe import (
    N_BYTES,
    SPLIT_PATTERN,
    Pair,
    check_ids,
    check_special_tokens,
    compile_pattern,
    encode_utf8,
    get_stats,
    merge,
    special_splitter,
    split_chunks,
)


def count_chunks(
    text: str, special_tokens: list[str], pattern: regex.Pattern
) -> tuple[list[list[int]], list[int]]:
    """Pre-tokenize ``text`` (special tokens cut out) and count each distinct chunk.

    Returns
    -------
    words, freqs
        The distinct chunks as byte ids, and how often each occurs.

    Examples
    --------
    >>> count_chunks("ab ab", [], compile_pattern(SPLIT_PATTERN))
    ([[97, 98], [32, 97, 98]], [1, 1])

    Introduced in chapter 2.
    """
    text = check_str("text", text)
    special_tokens = check_special_tokens(special_tokens)
    if not isinstance(pattern, regex.Pattern):
        raise TypeError(
            f"pattern must be a compiled regex (see compile_pattern), got {type(pattern).__name__}"
        )
    pieces = (
        special_splitter(special_tokens).split(text)[::2] if special_tokens else [text]
    )
    chunk_counts: Counter[str] = Counter()
    for piece in pieces:
        chunk_counts.update(split_chunks(pattern, piece))
    return [encode_utf8(c) for c in chunk_counts], list(chunk_counts.values())


def check_chunk_counts(words: object, freqs: object, num_merges: object) -> int:
    """Check the arguments of the merge learners; return ``num_merges``.

    ``words`` must be a list of lists of int ids (left as they are, since the learners
    update them in place), ``freqs`` as many ints >= 1.

    >>> check_chunk_counts([[97, 98]], [2], 5)
    5
    >>> check_chunk_counts([[97, 98]], [2, 1], 5)
    Traceback (most recent call last):
    ...
    ValueError: words and freqs must have the same length, got 1 and 2

    Introduced in chapter 2.
    """
    if not isinstance(words, list):
        raise TypeError(
            f"words must be a list of lists of int ids, got {type(words).__name__}"
        )
    for w, word in enumerate(words):
        if not isinstance(word, list):
            raise TypeError(
                f"words[{w}] must be a list of int ids, got {type(word).__name__}"
            )
        if not all(type(i) is int for i in word):
            check_ids(f"words[{w}]", word)
    if isinstance(freqs, (str, bytes)) or not isinstance(freqs, Sequence):
        raise TypeError(f"freqs must be a list of ints, got {type(freqs).__name__}")
    for f, freq in enumerate(freqs):
        check_int(f"freqs[{f}]", freq, minimum=1)
    if len(words) != len(freqs):
        raise ValueError(
            f"words and freqs must have the same length, got {len(words)} and {len(freqs)}"
        )
    return check_int("num_merges", num_merges, minimum=0)


def learn_merges(
    words: list[list[int]], freqs: list[int], num_merges: int, progress: bool = False
) -> list[Pair]:
    """Learn up to ``num_merges`` merges, updating pair counts only where a merge happened.

    ``words`` (modified in place) are the distinct chunks and ``freqs`` their counts. Three
    structures stay in step: ``pair_counts`` (pair -> occurrences), ``where`` (pair -> the
    words holding it) and ``heap`` (``(-count, pair)``, so the top is the most frequent and,
    among equals, the smallest pair; stale entries are skipped when they reach the top).

    Examples
    --------
    >>> learn_merges([[97, 98], [32, 97, 98]], [2, 1], 5)
    [(97, 98)]

    Introduced in chapter 2.
    """
    num_merges = check_chunk_counts(words, freqs, num_merges)
    progress = check_bool("progress", progress)
    pair_counts: dict[Pair, int] = {}
    where: dict[Pair, set[int]] = {}
    for w, (word, freq) in enumerate(zip(words, freqs, strict=True)):
        for pair in pairwise(word):
            pair_counts[pair] = pair_counts.get(pair, 0) + freq
            where.setdefault(pair, set()).add(w)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)

    steps: Iterable[int] = range(num_merges)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="BPE merges", unit="merge")

    merges: list[Pair] = []
    for step in steps:
        while heap and pair_counts.get(heap[0][1], 0) != -heap[0][0]:
            heapq.heappop(heap)  # stale entry: the count changed since it was pushed
        if not heap or -heap[0][0] < 2:
            break  # no pair occurs twice: merging further would not compress anything
        best = heap[0][1]
        new_id = N_BYTES + step
        merges.append(best)

        delta: dict[Pair, int] = {}
        for w in where.pop(best):
            word, freq = words[w], freqs[w]
            new_word = merge(word, best, new_id)
            old_pairs = get_stats(word)
            new_pairs = get_stats(new_word)
            for pair, n in old_pairs.items():
                delta[pair] = delta.get(pair, 0) - n * freq
            for pair, n in new_pairs.items():
                delta[pair] = delta.get(pair, 0) + n * freq
                if pair not in old_pairs:
                    where.setdefault(pair, set()).add(w)
            for pair in old_pairs:
                if pair not in new_pairs and pair != best:
                    where[pair].discard(w)
            words[w] = new_word

        for pair, d in delta.items():
            if d == 0:
                continue
            count = pair_counts.get(pair, 0) + d
            if count > 0:
                pair_counts[pair] = count
                heapq.heappush(heap, (-count, pair))
            else:
                del pair_counts[pair]
                where.pop(pair, None)
    return merges


def learn_merges_naive(
    words: list[list[int]], freqs: list[int], num_merges: int
) -> list[Pair]:
    """Learn up to ``num_merges`` merges, recounting every pair of every chunk each time.

    Examples
    --------
    >>> learn_merges_naive([[97, 98], [32, 97, 98]], [2, 1], 5)
    [(97, 98)]

    Introduced in chapter 2.
    """
    num_merges = check_chunk_counts(words, freqs, num_merges)
    merges: list[Pair] = []
    for step in range(num_merges):
        counts: dict[Pair, int] = {}
        for word, freq in zip(words, freqs, strict=True):
            for pair in pairwise(word):
                counts[pair] = counts.get(pair, 0) + freq
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))
        if counts[best] < 2:
            break
        words = [merge(word, best, N_BYTES + step) for word in words]
        merges.append(best)
    return merges


def train_merges(
    text: str,
    num_merges: int,
    *,
    special_tokens: Iterable[str] | None = None,
    pattern: str = SPLIT_PATTERN,
    naive: bool = False,
    progress: bool = False,
) -> list[Pair]:
    """Learn merges from ``text``: check the arguments, count the chunks, run a trainer.

    Parameters
    ----------
    text
        Training text.
    num_merges
        Maximum number of merges (int >= 0); fewer once no pair occurs twice.
    special_tokens
        Strings cut out of the training text, never merged with their neighbours.
    pattern
        Pre-tokenization regex.
    naive
        Use :func:`learn_merges_naive` instead of :func:`learn_merges` (same merges, slower).
    progress
        Show a tqdm progress bar (incremental trainer only).

    Returns
    -------
    list of (int, int)
        The merges in order; merge ``i`` creates id ``256 + i``.

    Raises
    ------
    TypeError, ValueError
        If ``text`` is not a str, ``num_merges`` not an int >= 0, a special token is invalid,
        or the text holds a lone surrogate.

    Examples
    --------
    >>> train_merges("ab ab cd cd", 10)  # three pairs occur twice: the smallest goes first
    [(32, 99), (97, 98), (256, 100)]

    Introduced in chapter 2.
    """
    text = check_str("text", text)
    num_merges = check_int("num_merges", num_merges, minimum=0)
    specials = check_special_tokens(special_tokens)
    naive, progress = check_bool("naive", naive), check_bool("progress", progress)
    words, freqs = count_chunks(text, specials, compile_pattern(pattern))
    if naive:
        return learn_merges_naive(words, freqs, num_merges)
    return learn_merges(words, freqs, num_merges, progress=progress)
