"""Word vocabularies: one id per word, most frequent first.

Chapter 1 counts words of real text and keeps two special words in front, ``<s>`` (start of a
paragraph) and ``<unk>`` (every word seen fewer than ``min_count`` times). Chapter 3 builds the
same vocabulary without special words for word vectors, where rare words are dropped instead.

Introduced in chapter 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import torch

from stepbytoken.checks import check_int, check_str, check_strings, check_tensor
from stepbytoken.text.words import split_words

BOS = "<s>"
UNK = "<unk>"


class WordVocab:
    """Words with ids: ``itos[i]`` is the word with id ``i``, ``counts[i]`` how often it was seen.

    Usually built with :meth:`from_words`. Unknown words encode to ``<unk>`` when the
    vocabulary has it, and are dropped otherwise.

    Parameters
    ----------
    itos
        The words in id order.
    counts
        How often each word was seen; 1 each when not given.

    Raises
    ------
    TypeError, ValueError
        If ``itos`` is not a list of distinct strings (a single str is refused), ``counts``
        not a list of ints >= 0, or the two differ in length.

    Examples
    --------
    >>> vocab = WordVocab(["the", "cat"], counts=[3, 1])
    >>> len(vocab), vocab.stoi["cat"], "dog" in vocab, vocab.encode(["cat", "dog"])
    (2, 1, False, [1])

    Introduced in chapter 1.
    """

    def __init__(
        self, itos: Sequence[str], counts: Sequence[int] | None = None
    ) -> None:
        itos = check_strings("itos", itos)
        if len(set(itos)) != len(itos):
            duplicates = sorted({w for w, c in Counter(itos).items() if c > 1})[:5]
            raise ValueError(
                f"itos must hold distinct words, got duplicates {duplicates}"
            )
        if counts is None:
            counts = [1] * len(itos)
        elif isinstance(counts, (str, bytes)) or not isinstance(counts, Iterable):
            raise TypeError(
                f"counts must be a list of ints, got {type(counts).__name__}"
            )
        counts = [check_int(f"counts[{i}]", c, minimum=0) for i, c in enumerate(counts)]
        if len(itos) != len(counts):
            raise ValueError(
                f"itos and counts must have the same length, got {len(itos)} and {len(counts)}"
            )
        self.itos: list[str] = itos
        self.counts: list[int] = counts
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}

    @classmethod
    def from_words(
        cls,
        words: Sequence[str],
        min_count: int = 1,
        *,
        specials: Sequence[str] = (BOS, UNK),
    ) -> WordVocab:
        """Count ``words``; keep ``specials``, then the words seen ``min_count`` times or more.

        Words are ordered by count, ties alphabetically, so the ids do not depend on the order
        of the text.

        Parameters
        ----------
        words
            The training words, e.g. from :func:`stepbytoken.text.split_words`.
        min_count
            Fewest occurrences for a word to get its own id (int >= 1).
        specials
            Words placed first whatever their count: ``(BOS, UNK)`` for language models,
            ``()`` for word vectors.

        Returns
        -------
        WordVocab

        Raises
        ------
        TypeError, ValueError
            If ``words`` is not a list of strings (a single str is refused), ``min_count``
            is not an int >= 1, or the vocabulary would be empty.

        Examples
        --------
        >>> WordVocab.from_words("the cat saw the dog .".split(), min_count=2).itos
        ['<s>', '<unk>', 'the']
        >>> vocab = WordVocab.from_words("b a c a b a".split(), specials=())
        >>> vocab.itos, vocab.counts
        (['a', 'b', 'c'], [3, 2, 1])

        Introduced in chapter 1.
        """
        min_count = check_int("min_count", min_count, minimum=1)
        specials = check_strings("specials", specials, allow_empty=False)
        if len(set(specials)) != len(specials):
            raise TypeError(
                f"specials must be a sequence of distinct words, got {specials!r}"
            )
        words = check_strings("words", words)
        counts = Counter(words)
        kept = sorted(
            (w for w, c in counts.items() if c >= min_count),
            key=lambda w: (-counts[w], w),
        )
        itos = [*specials, *(w for w in kept if w not in specials)]
        if not itos:
            raise ValueError(
                f"no word occurs at least min_count={min_count} times in {len(words)} words; "
                "lower min_count or pass more text"
            )
        return cls(itos, [counts[w] for w in itos])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: object) -> bool:
        return word in self.stoi

    def __repr__(self) -> str:
        return f"WordVocab({len(self)} words: {self.itos[:4]}...)"

    def _special_id(self, word: str) -> int:
        if word not in self.stoi:
            raise ValueError(
                f"this vocabulary has no {word!r}; build it with WordVocab.from_words(words) "
                "to keep the special words <s> and <unk>"
            )
        return self.stoi[word]

    @property
    def bos_id(self) -> int:
        """Id of the start-of-text word ``<s>``."""
        return self._special_id(BOS)

    @property
    def unk_id(self) -> int:
        """Id of the unknown word ``<unk>``."""
        return self._special_id(UNK)

    def encode(self, words: Iterable[str]) -> list[int]:
        """Map words to ids; unknown words become ``<unk>`` if the vocabulary has it, else vanish.

        Examples
        --------
        >>> WordVocab.from_words("a b a".split()).encode("a c".split())
        [2, 1]
        >>> WordVocab.from_words("a b a".split(), specials=()).encode("a c".split())
        [0]
        """
        words = check_strings("words", words)
        if UNK in self.stoi:
            unk = self.stoi[UNK]
            return [self.stoi.get(w, unk) for w in words]
        return [self.stoi[w] for w in words if w in self.stoi]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Map ids back to words.

        Raises
        ------
        TypeError, ValueError
            If an id is not an int or is outside ``0 .. len(vocab) - 1``.

        Examples
        --------
        >>> WordVocab(["a", "b"]).decode([1, 0])
        ['b', 'a']
        """
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise TypeError(
                f"ids must be a list of int token ids, got {type(ids).__name__}"
            )
        if isinstance(ids, torch.Tensor):
            ids = (
                check_tensor("ids", ids, dims=(0, 1), integer=True).reshape(-1).tolist()
            )
        out = []
        for t, i in enumerate(ids):
            i = check_int(f"ids[{t}]", i)
            if not 0 <= i < len(self.itos):
                raise ValueError(
                    f"token id {i} is outside the vocabulary 0..{len(self.itos) - 1}"
                )
            out.append(self.itos[i])
        return out


def encode_lines(text: str, vocab: WordVocab) -> list[int]:
    """Encode text one line (one paragraph of the corpus) at a time, each starting with ``<s>``.

    Examples
    --------
    >>> vocab = WordVocab.from_words(split_words("the end . the start ."))
    >>> encode_lines("The end.\\nThe start.", vocab)
    [0, 3, 4, 2, 0, 3, 5, 2]

    Introduced in chapter 1.
    """
    if not isinstance(vocab, WordVocab):
        raise TypeError(f"vocab must be a WordVocab, got {type(vocab).__name__}")
    ids: list[int] = []
    for line in check_str("text", text).splitlines():
        ids.append(vocab.bos_id)
        ids.extend(vocab.encode(split_words(line)))
    return ids
