"""Words as tokens: the simplest way to cut text into pieces a model can count.

Chapter 1 treats every lowercase word and every punctuation mark as one token; the word
vocabulary that numbers them is :class:`stepbytoken.tokenizers.WordVocab`.

Introduced in chapter 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from stepbytoken.checks import check_str, check_strings

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[^\sa-z\d]")
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"")
_NO_SPACE_AFTER = set("([{")


def split_words(text: str) -> list[str]:
    """Lowercase ``text`` and split it into words, numbers and single punctuation marks.

    Parameters
    ----------
    text
        Any string.

    Returns
    -------
    list of str
        The tokens in order; whitespace is dropped.

    Raises
    ------
    TypeError
        If ``text`` is not a str.

    Examples
    --------
    >>> split_words("Return the list's length (an int).")
    ['return', 'the', "list's", 'length', '(', 'an', 'int', ')', '.']

    Introduced in chapter 1.
    """
    return _WORD.findall(check_str("text", text).lower())


def join_words(words: Iterable[str]) -> str:
    """Join tokens back into readable text (no space before punctuation, none after brackets).

    Parameters
    ----------
    words
        Tokens, e.g. from :func:`split_words`.

    Returns
    -------
    str

    Raises
    ------
    TypeError, ValueError
        If ``words`` is a single str or not an iterable of non-empty strings.

    Examples
    --------
    >>> join_words(["return", "the", "length", "(", "an", "int", ")", "."])
    'return the length (an int).'

    Introduced in chapter 1.
    """
    out = ""
    for word in check_strings("words", words, allow_empty=False):
        if out and word[0] not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
            out += " "
        out += word
    return out
