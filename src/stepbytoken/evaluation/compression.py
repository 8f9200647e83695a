"""How much a tokenizer shortens text: bytes per token and tokens per word.

Introduced in chapter 2.
"""

from __future__ import annotations

from collections.abc import Iterable

from stepbytoken.checks import check_instance, check_int, check_ints, check_str
from stepbytoken.text import split_words
from stepbytoken.tokenizers import BPETokenizer


def compression(
    tokenizer: BPETokenizer, text: str, n_merges: int
) -> tuple[float, float]:
    """Bytes per token and tokens per word of ``text`` encoded with the first ``n_merges``.

    Words are counted with :func:`~stepbytoken.text.split_words` (punctuation marks count as
    words).

    Parameters
    ----------
    tokenizer
        A trained tokenizer.
    text
        The text to encode (at least one word).
    n_merges
        How many of the tokenizer's merges to use, from 0 (bytes only) to all of them.

    Returns
    -------
    (float, float)
        UTF-8 bytes per token (higher means shorter sequences) and tokens per word.

    Raises
    ------
    ValueError
        If ``text`` has no word or ``n_merges`` is out of range.

    Examples
    --------
    >>> tok = BPETokenizer.train("low lower lowest " * 20, 7)
    >>> compression(tok, " lower lowest", 0)  # one token per byte
    (1.0, 6.5)
    >>> compression(tok, " lower lowest", 7)  # one token per word
    (6.5, 1.0)

    Introduced in chapter 2.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    check_str("text", text)
    n_merges = check_int("n_merges", n_merges, minimum=0, maximum=len(tokenizer.merges))
    n_words = len(split_words(text))
    if not n_words:
        raise ValueError("text must hold at least one word")
    n_tokens = len(tokenizer.truncated(n_merges).encode(text))
    return len(text.encode("utf-8")) / n_tokens, n_tokens / n_words


def compression_curve(
    tokenizer: BPETokenizer, text: str, merge_counts: Iterable[int]
) -> dict[int, tuple[float, float]]:
    """:func:`compression` for several numbers of merges, and for all of them.

    Counts not below the tokenizer's number of merges are left out; the full tokenizer is
    always measured last.

    Parameters
    ----------
    tokenizer, text
        As in :func:`compression`.
    merge_counts
        Numbers of merges to try, in order.

    Returns
    -------
    dict of int to (float, float)
        Number of merges -> (bytes per token, tokens per word).

    Examples
    --------
    >>> tok = BPETokenizer.train("low lower lowest " * 20, 7)
    >>> list(compression_curve(tok, " lower lowest", [0, 2, 100]))
    [0, 2, 7]

    Introduced in chapter 2.
    """
    check_instance("tokenizer", tokenizer, BPETokenizer)
    if isinstance(merge_counts, (str, bytes)) or not isinstance(merge_counts, Iterable):
        raise TypeError(
            f"merge_counts must be a list of ints, got {type(merge_counts).__name__}"
        )
    merge_counts = check_ints("merge_counts", list(merge_counts), minimum=0)
    total = len(tokenizer.merges)
    counts = [n for n in merge_counts if n < total]
    return {n: compression(tokenizer, text, n) for n in [*counts, total]}
