"""Words as tokens: the simplest way to cut text into pieces a model can count.

Chapter 1 treats every lowercase word and every punctuation mark as one token, and maps words
seen fewer than ``min_count`` times to a single ``<unk>`` token. Chapter 2 replaces this with
byte-level BPE, which never needs ``<unk>``.

Introduced in chapter 1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[^\sa-z\d]")
_NO_SPACE_BEFORE = set(".,;:!?)]}'\"")
_NO_SPACE_AFTER = set("([{")

UNK = "<unk>"
BOS = "<s>"


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

    Examples
    --------
    >>> split_words("Return the list's length (an int).")
    ['return', 'the', "list's", 'length', '(', 'an', 'int', ')', '.']

    Introduced in chapter 1.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def join_words(words: Iterable[str]) -> str:
    """Join tokens back into readable text (no space before punctuation, none after brackets).

    Examples
    --------
    >>> join_words(["return", "the", "length", "(", "an", "int", ")", "."])
    'return the length (an int).'
    """
    out = ""
    for word in words:
        if out and word[0] not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
            out += " "
        out += word
    return out


class WordVocab:
    """A word vocabulary: ``<s>`` (start of text) and ``<unk>``, then words by frequency.

    Parameters
    ----------
    words
        The training tokens, e.g. from :func:`split_words`.
    min_count
        Words seen fewer times than this become ``<unk>``.

    Examples
    --------
    >>> vocab = WordVocab("the cat saw the dog .".split(), min_count=2)
    >>> vocab.itos
    ['<s>', '<unk>', 'the']
    >>> vocab.encode(["the", "cat"])
    [2, 1]

    Introduced in chapter 1.
    """

    def __init__(self, words: Sequence[str], min_count: int = 1) -> None:
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be an int >= 1, got {min_count!r}")
        counts = Counter(words)
        kept = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        self.itos: list[str] = [BOS, UNK, *(w for w in kept if w not in (BOS, UNK))]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}

    @property
    def bos_id(self) -> int:
        """Id of the start-of-text token ``<s>``."""
        return self.stoi[BOS]

    @property
    def unk_id(self) -> int:
        """Id of the unknown-word token ``<unk>``."""
        return self.stoi[UNK]

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, words: Iterable[str]) -> list[int]:
        """Map tokens to ids; unknown words map to ``<unk>``."""
        return [self.stoi.get(w, self.unk_id) for w in words]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Map ids back to tokens.

        Raises
        ------
        ValueError
            If an id is outside ``0 .. len(vocab) - 1``.
        """
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"token id {i} is outside the vocabulary 0..{len(self.itos) - 1}")
            out.append(self.itos[i])
        return out


def encode_lines(text: str, vocab: WordVocab) -> list[int]:
    """Encode text one line at a time, each line starting with ``<s>``.

    Every line of the book's real corpus is one paragraph, so ``<s>`` marks where a new
    paragraph begins and gives the models a context to start from.

    Examples
    --------
    >>> vocab = WordVocab(split_words("the end . the start ."))
    >>> encode_lines("The end.\\nThe start.", vocab)
    [0, 3, 4, 2, 0, 3, 5, 2]
    """
    ids: list[int] = []
    for line in text.splitlines():
        ids.append(vocab.bos_id)
        ids.extend(vocab.encode(split_words(line)))
    return ids
