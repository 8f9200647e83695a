"""Byte-level byte-pair encoding (BPE): the tokenizer of chapter 2.

A language model reads integers, not characters. This module turns text into integers the way
GPT-2 does in spirit:

1. The text is encoded as UTF-8, so every string is a sequence of bytes and the 256 byte values
   are the base vocabulary (ids 0..255). Nothing is ever "unknown".
2. A regular expression splits the text into chunks (words, numbers, punctuation runs,
   whitespace) before any merging, so that a token never spans, say, a word and the space
   after it. This is *pre-tokenization*.
3. Training repeatedly finds the most frequent adjacent pair of ids inside the chunks and
   replaces it by a new id (256, 257, ...). The ordered list of these *merges* is the model.
4. Encoding applies the merges to each chunk, lowest rank (earliest merge) first.

The split pattern only uses regex features that Python's ``regex`` package and JavaScript's
``RegExp`` with the ``u`` flag share, so the browser encoder in ``static/bpe.js`` splits text
identically. Whitespace is written ``\\p{White_Space}`` rather than ``\\s``, because the two
engines disagree about ``\\s`` (Python's includes U+0085, JavaScript's includes U+FEFF).

Training keeps the pair counts up to date *incrementally*: after a merge it only revisits the
chunks that contained the merged pair. :func:`train_naive` recounts everything after every
merge instead; it is slower but obviously correct, and the tests check that both produce the
same merges.
"""

from __future__ import annotations

import heapq
import json
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from os import PathLike
from pathlib import Path
from typing import Any

import regex

__all__ = [
    "SPLIT_PATTERN",
    "BPETokenizer",
    "get_stats",
    "merge",
    "train_naive",
]

#: GPT-2's pre-tokenization pattern, with ``\s`` spelled ``\p{White_Space}`` so that Python and
#: JavaScript agree on every character. Alternatives are tried left to right: English
#: contractions, an optional space followed by letters, numbers, or other symbols, then
#: whitespace (a run of spaces keeps its last space for the next word).
SPLIT_PATTERN = (
    r"'s|'t|'re|'ve|'m|'ll|'d"
    r"| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+"
    r"|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+"
)

#: Version number written into saved tokenizer files.
FORMAT_VERSION = 1
_FORMAT_NAME = "stepbytoken-bpe"
_N_BYTES = 256
_CACHE_LIMIT = 200_000

Pair = tuple[int, int]


def get_stats(ids: Sequence[int], counts: dict[Pair, int] | None = None) -> dict[Pair, int]:
    """Count how often each adjacent pair of ids occurs.

    Introduced in chapter 2.

    Parameters
    ----------
    ids : sequence of int
        Token ids, e.g. the bytes of one chunk of text.
    counts : dict, optional
        A dictionary to add the counts to (updated in place and returned). Useful to count
        over many chunks.

    Returns
    -------
    dict
        Maps each pair ``(a, b)`` to the number of positions where ``a`` is followed by ``b``.
        Overlapping occurrences count separately: ``[5, 5, 5]`` has ``(5, 5)`` twice.

    Examples
    --------
    >>> get_stats([1, 2, 3, 1, 2])
    {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    """
    counts = {} if counts is None else counts
    for pair in pairwise(ids):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """Replace every occurrence of ``pair`` in ``ids`` by ``new_id``, scanning left to right.

    Introduced in chapter 2.

    Parameters
    ----------
    ids : sequence of int
        Token ids.
    pair : tuple of int
        The two ids ``(a, b)`` to merge.
    new_id : int
        The id that replaces each occurrence of ``a`` followed by ``b``.

    Returns
    -------
    list of int
        The new, possibly shorter, list. Overlaps are resolved from the left:
        ``[5, 5, 5]`` with pair ``(5, 5)`` becomes ``[new_id, 5]``.

    Examples
    --------
    >>> merge([1, 2, 3, 1, 2], (1, 2), 256)
    [256, 3, 256]
    >>> merge([5, 5, 5], (5, 5), 256)
    [256, 5]
    """
    a, b = pair
    out: list[int] = []
    i, n = 0, len(ids)
    while i < n:
        if i < n - 1 and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


# ----------------------------------------------------------------------------------------------
# Argument checks shared by the trainers and the tokenizer


def _check_text(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


def _check_special_tokens(special_tokens: Iterable[str] | None) -> list[str]:
    if special_tokens is None:
        return []
    if isinstance(special_tokens, str):
        raise TypeError(
            "special_tokens must be a list of strings such as ['<|endoftext|>'], got a single str"
        )
    tokens = list(special_tokens)
    for token in tokens:
        if not isinstance(token, str) or not token:
            raise ValueError(f"special tokens must be non-empty strings, got {token!r}")
        try:
            token.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(f"special token {token!r} is not valid Unicode text: {err}") from err
    if len(set(tokens)) != len(tokens):
        duplicates = sorted({t for t in tokens if tokens.count(t) > 1})
        raise ValueError(f"special tokens must be distinct, got duplicates {duplicates}")
    return tokens


def _check_num_merges(num_merges: object) -> int:
    if isinstance(num_merges, bool) or not isinstance(num_merges, int):
        raise TypeError(f"num_merges must be an int, got {type(num_merges).__name__}")
    if num_merges < 0:
        raise ValueError(f"num_merges must be >= 0, got {num_merges}")
    return num_merges


def _compile_pattern(pattern: object) -> regex.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"pattern must be a non-empty regex string, got {pattern!r}")
    try:
        return regex.compile(pattern)
    except regex.error as err:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {err}") from err


def _special_splitter(tokens: Iterable[str]) -> regex.Pattern:
    # Longest first, so that when one special token is a prefix of another at the same
    # position the longer one wins (bpe.js resolves ties the same way).
    ordered = sorted(tokens, key=lambda t: (-len(t), t))
    return regex.compile("(" + "|".join(regex.escape(t) for t in ordered) + ")")


def _count_chunks(
    text: str, special_tokens: list[str], pattern: regex.Pattern
) -> tuple[list[list[int]], list[int]]:
    """Pre-tokenize ``text`` and count each distinct chunk; special tokens are cut out."""
    pieces = _special_splitter(special_tokens).split(text)[::2] if special_tokens else [text]
    chunk_counts: Counter[str] = Counter()
    for piece in pieces:
        chunk_counts.update(pattern.findall(piece))
    words, freqs = [], []
    for chunk, freq in chunk_counts.items():
        try:
            words.append(list(chunk.encode("utf-8")))
        except UnicodeEncodeError as err:
            raise ValueError(f"text contains a character that UTF-8 cannot encode: {err}") from err
        freqs.append(freq)
    return words, freqs


# ----------------------------------------------------------------------------------------------
# Training


def _train_incremental(
    words: list[list[int]], freqs: list[int], num_merges: int, progress: bool = False
) -> list[Pair]:
    """Learn up to ``num_merges`` merges, updating pair counts only where a merge happened.

    ``words`` are the distinct chunks as byte ids and ``freqs`` how often each occurs; ``words``
    is modified in place. Three structures are kept in step:

    - ``pair_counts``: pair -> number of occurrences in the whole text,
    - ``where``: pair -> indices of the words that contain it,
    - ``heap``: entries ``(-count, pair)``, so the top is the most frequent pair and, among
      equal counts, the smallest pair. Entries go stale when a count changes; a fresh entry is
      pushed for the new count and stale ones are skipped when they reach the top.
    """
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
        new_id = _N_BYTES + step
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


def _train_naive(words: list[list[int]], freqs: list[int], num_merges: int) -> list[Pair]:
    """Learn up to ``num_merges`` merges, recounting every pair of every chunk each time."""
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
        words = [merge(word, best, _N_BYTES + step) for word in words]
        merges.append(best)
    return merges


def train_naive(
    text: str,
    num_merges: int,
    *,
    special_tokens: Iterable[str] | None = None,
    pattern: str = SPLIT_PATTERN,
) -> BPETokenizer:
    """Train a tokenizer the slow, obvious way: recount all pairs after every merge.

    Introduced in chapter 2. It learns exactly the same merges as :meth:`BPETokenizer.train`
    (same counts, same tie-break) and serves as the reference for it in tests and benchmarks.

    Parameters
    ----------
    text : str
        Training text.
    num_merges : int
        Maximum number of merges to learn (may stop earlier, see :meth:`BPETokenizer.train`).
    special_tokens : list of str, optional
        Special tokens; they are cut out of the training text and get ids after the merges.
    pattern : str, optional
        Pre-tokenization regex, :data:`SPLIT_PATTERN` by default.

    Returns
    -------
    BPETokenizer

    Raises
    ------
    TypeError, ValueError
        On invalid arguments, as for :meth:`BPETokenizer.train`.

    Examples
    --------
    >>> train_naive("ab ab cd cd", 10).merges
    [((32, 99), 256), ((97, 98), 257), ((256, 100), 258)]
    """
    text = _check_text(text)
    num_merges = _check_num_merges(num_merges)
    specials = _check_special_tokens(special_tokens)
    words, freqs = _count_chunks(text, specials, _compile_pattern(pattern))
    return BPETokenizer(_train_naive(words, freqs, num_merges), specials, pattern)


# ----------------------------------------------------------------------------------------------
# The tokenizer


class BPETokenizer:
    """A byte-level BPE tokenizer: an ordered list of merges plus optional special tokens.

    Introduced in chapter 2.

    Ids 0..255 are the bytes, id ``256 + i`` is the result of merge ``i``, and special tokens
    (strings such as ``"<|endoftext|>"`` that are never split) come last. Usually built with
    :meth:`train` or :meth:`load`.

    Parameters
    ----------
    merges : sequence of (int, int), optional
        The merges in order: merge ``i`` turns the pair ``(a, b)`` into id ``256 + i``. Both ids
        must already exist, i.e. be smaller than ``256 + i``.
    special_tokens : list of str, optional
        Special token strings; they get ids ``256 + len(merges)``, ``257 + len(merges)``, ...
        in the given order.
    pattern : str, optional
        Pre-tokenization regex, :data:`SPLIT_PATTERN` by default. To keep the browser encoder
        exact it must use only syntax that JavaScript's ``RegExp`` with the ``u`` flag shares.

    Raises
    ------
    TypeError, ValueError
        If a merge refers to an id that does not exist yet, a special token is empty or
        repeated, or the pattern is not a valid regex.

    Examples
    --------
    >>> tok = BPETokenizer.train("low lower lowest low low", 3, special_tokens=["<|eot|>"])
    >>> tok.merges
    [((108, 111), 256), ((256, 119), 257), ((32, 257), 258)]
    >>> tok.vocab_size
    260
    >>> ids = tok.encode("lowest low<|eot|>")
    >>> ids
    [257, 101, 115, 116, 258, 259]
    >>> [tok.token_str(i) for i in ids]
    ['low', 'e', 's', 't', ' low', '<|eot|>']
    >>> tok.decode(ids)
    'lowest low<|eot|>'
    """

    def __init__(
        self,
        merges: Sequence[Pair] = (),
        special_tokens: Iterable[str] | None = None,
        pattern: str = SPLIT_PATTERN,
    ) -> None:
        self._pattern = pattern
        self._regex = _compile_pattern(pattern)
        self._merges: list[Pair] = []
        self._vocab: list[bytes] = [bytes([i]) for i in range(_N_BYTES)]
        self._ranks: dict[Pair, int] = {}  # pair -> new id; a smaller id means an earlier merge
        for i, pair in enumerate(merges):
            try:
                a, b = (operator.index(x) for x in pair)
            except (TypeError, ValueError) as err:
                raise TypeError(f"merge {i} must be a pair of ints (a, b), got {pair!r}") from err
            new_id = _N_BYTES + i
            if not (0 <= a < new_id and 0 <= b < new_id):
                raise ValueError(
                    f"merge {i} is {(a, b)} but may only use ids in [0, {new_id}) "
                    "(bytes and the results of earlier merges)"
                )
            if (a, b) in self._ranks:
                raise ValueError(f"merge {i} repeats the pair {(a, b)} of an earlier merge")
            self._merges.append((a, b))
            self._ranks[(a, b)] = new_id
            self._vocab.append(self._vocab[a] + self._vocab[b])
        first_special = len(self._vocab)
        specials = _check_special_tokens(special_tokens)
        self._special: dict[str, int] = {t: first_special + k for k, t in enumerate(specials)}
        self._special_by_id: dict[int, str] = {i: t for t, i in self._special.items()}
        self._splitter = _special_splitter(specials) if specials else None
        self._cache: dict[str, list[int]] = {}

    # ------------------------------------------------------------------------------ training

    @classmethod
    def train(
        cls,
        text: str,
        num_merges: int,
        *,
        special_tokens: Iterable[str] | None = None,
        pattern: str = SPLIT_PATTERN,
        progress: bool = False,
    ) -> BPETokenizer:
        """Learn merges from ``text``.

        Introduced in chapter 2.

        Each step merges the adjacent pair that occurs most often in the pre-tokenized text
        (counting every position, so ``"aaa"`` holds ``("a", "a")`` twice). Ties go to the
        smallest pair ``(a, b)``, so training is deterministic. Training **stops early**, with
        fewer than ``num_merges`` merges, once no pair occurs at least twice. Pair counts are
        updated incrementally: after a merge only the chunks that contained the pair are
        revisited (see :func:`train_naive` for the slow reference).

        Parameters
        ----------
        text : str
            Training text.
        num_merges : int
            Maximum number of merges to learn; the vocabulary has at most
            ``256 + num_merges + len(special_tokens)`` ids.
        special_tokens : list of str, optional
            Special tokens such as ``"<|endoftext|>"``. They are cut out of the training text
            (never merged with their neighbours) and get the ids after the merges.
        pattern : str, optional
            Pre-tokenization regex, :data:`SPLIT_PATTERN` by default.
        progress : bool, optional
            Show a tqdm progress bar over merge steps.

        Returns
        -------
        BPETokenizer

        Raises
        ------
        TypeError
            If ``text`` is not a str or ``num_merges`` not an int.
        ValueError
            If ``num_merges`` is negative, a special token is invalid, or the text holds a lone
            surrogate that UTF-8 cannot encode.

        Examples
        --------
        The chunks are ``"ab"``, ``" ab"``, ``" cd"``, ``" cd"``. Pairs ``("a", "b")``,
        ``(" ", "c")`` and ``("c", "d")`` all occur twice; the tie goes to the smallest pair,
        ``(32, 99)`` (space, ``c``).

        >>> tok = BPETokenizer.train("ab ab cd cd", 10)
        >>> [(tok.token_str(a), tok.token_str(b)) for (a, b), _ in tok.merges]
        [(' ', 'c'), ('a', 'b'), (' c', 'd')]
        >>> len(tok.merges)  # stopped early: no pair occurs twice any more
        3
        """
        text = _check_text(text)
        num_merges = _check_num_merges(num_merges)
        specials = _check_special_tokens(special_tokens)
        words, freqs = _count_chunks(text, specials, _compile_pattern(pattern))
        merges = _train_incremental(words, freqs, num_merges, progress=progress)
        return cls(merges, specials, pattern)

    # ------------------------------------------------------------------------------ encoding

    def pre_tokenize(self, text: str) -> list[str]:
        """Split ``text`` into the chunks that BPE works on (no special-token handling).

        Introduced in chapter 2.

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        list of str
            The chunks; they concatenate back to ``text``.

        Raises
        ------
        TypeError
            If ``text`` is not a str.

        Examples
        --------
        >>> BPETokenizer().pre_tokenize("Hello world, it's 2024!  ")
        ['Hello', ' world', ',', ' it', "'s", ' 2024', '!', '  ']
        """
        return self._regex.findall(_check_text(text))

    def _encode_chunk(self, chunk: str) -> list[int]:
        ids = self._cache.get(chunk)
        if ids is not None:
            return ids
        try:
            ids = list(chunk.encode("utf-8"))
        except UnicodeEncodeError as err:
            raise ValueError(
                f"text contains {chunk[err.start]!r}, a lone surrogate that UTF-8 cannot encode; "
                "only valid Unicode text can be encoded"
            ) from err
        ranks = self._ranks
        while len(ids) >= 2:
            # The pair that was merged earliest in training goes first.
            pair = min(pairwise(ids), key=lambda p: ranks.get(p, 1 << 62))
            new_id = ranks.get(pair)
            if new_id is None:
                break
            ids = merge(ids, pair, new_id)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[chunk] = ids
        return ids

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text``, treating special-token strings as ordinary text.

        Introduced in chapter 2.

        Parameters
        ----------
        text : str
            Any valid Unicode text.

        Returns
        -------
        list of int
            Token ids.

        Raises
        ------
        TypeError
            If ``text`` is not a str.
        ValueError
            If ``text`` contains a lone surrogate.

        Examples
        --------
        >>> BPETokenizer().encode_ordinary("hé")
        [104, 195, 169]
        """
        ids: list[int] = []
        for chunk in self._regex.findall(_check_text(text)):
            ids.extend(self._encode_chunk(chunk))
        return ids

    def encode(self, text: str, *, allowed_special: str | Iterable[str] = "all") -> list[int]:
        """Encode ``text`` into token ids.

        Introduced in chapter 2.

        Parameters
        ----------
        text : str
            Any valid Unicode text.
        allowed_special : "all", "none" or set of str, optional
            Which special tokens found in ``text`` become their special id. Occurrences of the
            others are encoded as ordinary text. With ``"all"`` (default) every registered
            special token is recognised.

        Returns
        -------
        list of int
            Token ids.

        Raises
        ------
        TypeError
            If ``text`` is not a str.
        ValueError
            If ``allowed_special`` names a string that is not a registered special token, or
            ``text`` contains a lone surrogate.

        Examples
        --------
        >>> tok = BPETokenizer(special_tokens=["<|endoftext|>"])
        >>> tok.encode("hi<|endoftext|>")
        [104, 105, 256]
        >>> len(tok.encode("hi<|endoftext|>", allowed_special="none"))
        15
        """
        text = _check_text(text)
        if allowed_special == "all":
            splitter = self._splitter
        elif allowed_special == "none":
            splitter = None
        elif isinstance(allowed_special, str):
            raise ValueError(
                f"allowed_special must be 'all', 'none' or a set of special tokens, "
                f"got {allowed_special!r}"
            )
        else:
            allowed = set(allowed_special)
            unknown = allowed - self._special.keys()
            if unknown:
                raise ValueError(
                    f"allowed_special contains unregistered tokens {sorted(unknown)}; "
                    f"registered special tokens: {sorted(self._special)}"
                )
            splitter = _special_splitter(allowed) if allowed else None
        if splitter is None:
            return self.encode_ordinary(text)
        ids: list[int] = []
        for k, piece in enumerate(splitter.split(text)):
            if k % 2:  # odd pieces are the captured special tokens
                ids.append(self._special[piece])
            elif piece:
                ids.extend(self.encode_ordinary(piece))
        return ids

    # ------------------------------------------------------------------------------ decoding

    def _check_id(self, idx: object) -> int:
        try:
            i = operator.index(idx)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"token ids must be ints, got {type(idx).__name__}") from None
        if not 0 <= i < self.vocab_size:
            raise ValueError(f"unknown token id {i}; valid ids are 0..{self.vocab_size - 1}")
        return i

    def token_bytes(self, idx: int) -> bytes:
        """Return the bytes that token ``idx`` stands for.

        Introduced in chapter 2.

        Parameters
        ----------
        idx : int
            A token id in ``[0, vocab_size)``.

        Returns
        -------
        bytes
            The token's bytes (a special token's UTF-8 encoding).

        Raises
        ------
        ValueError
            If ``idx`` is outside the vocabulary.

        Examples
        --------
        >>> BPETokenizer([(104, 105)]).token_bytes(256)
        b'hi'
        """
        i = self._check_id(idx)
        if i < len(self._vocab):
            return self._vocab[i]
        return self._special_by_id[i].encode("utf-8")

    def token_str(self, idx: int) -> str:
        """Return a readable string for token ``idx`` (invalid UTF-8 shown as U+FFFD).

        Introduced in chapter 2. A token can hold part of a multi-byte character, so its bytes
        alone may not be valid UTF-8; those bytes appear as the replacement character.
        Spaces and other characters are shown as they are.

        Parameters
        ----------
        idx : int
            A token id in ``[0, vocab_size)``.

        Returns
        -------
        str

        Raises
        ------
        ValueError
            If ``idx`` is outside the vocabulary.

        Examples
        --------
        >>> tok = BPETokenizer()
        >>> tok.token_str(32), tok.token_str(0xC3)
        (' ', '\ufffd')
        """
        return self.token_bytes(idx).decode("utf-8", errors="replace")

    def decode(self, ids: Iterable[int]) -> str:
        """Turn token ids back into text.

        Introduced in chapter 2.

        Parameters
        ----------
        ids : iterable of int
            Token ids, each in ``[0, vocab_size)``.

        Returns
        -------
        str
            The text. Byte sequences that are not valid UTF-8 (e.g. a prefix of the ids of a
            multi-byte character) become U+FFFD, the replacement character.

        Raises
        ------
        TypeError
            If an id is not an int.
        ValueError
            If an id is outside the vocabulary; the message names the id and the valid range.

        Examples
        --------
        >>> tok = BPETokenizer()
        >>> tok.decode([104, 195, 169])
        'hé'
        >>> tok.decode([104, 195])
        'h\ufffd'
        """
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")

    # ------------------------------------------------------------------------ introspection

    @property
    def vocab_size(self) -> int:
        """Number of ids: 256 bytes + merges + special tokens. Introduced in chapter 2."""
        return len(self._vocab) + len(self._special)

    @property
    def merges(self) -> list[tuple[Pair, int]]:
        """The merges in training order, as ``((a, b), new_id)``. Introduced in chapter 2."""
        return [(pair, _N_BYTES + i) for i, pair in enumerate(self._merges)]

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special token strings and their ids (a copy). Introduced in chapter 2."""
        return dict(self._special)

    @property
    def pattern(self) -> str:
        """The pre-tokenization regex. Introduced in chapter 2."""
        return self._pattern

    def special_id(self, token: str) -> int:
        """Return the id of the special token ``token``.

        Introduced in chapter 2.

        Parameters
        ----------
        token : str
            A registered special token, e.g. ``"<|endoftext|>"``.

        Returns
        -------
        int

        Raises
        ------
        ValueError
            If ``token`` is not registered; the message lists the registered ones.

        Examples
        --------
        >>> BPETokenizer(special_tokens=["<|endoftext|>"]).special_id("<|endoftext|>")
        256
        """
        try:
            return self._special[token]
        except (KeyError, TypeError):
            raise ValueError(
                f"{token!r} is not a special token of this tokenizer; "
                f"registered special tokens: {sorted(self._special) or 'none'}"
            ) from None

    def truncated(self, n_merges: int) -> BPETokenizer:
        """Return the tokenizer made of only the first ``n_merges`` merges.

        Introduced in chapter 2, for watching encodings change merge by merge. Special tokens
        are kept and renumbered to follow the remaining merges.

        Parameters
        ----------
        n_merges : int
            Number of merges to keep, in ``[0, len(merges)]``.

        Returns
        -------
        BPETokenizer

        Raises
        ------
        ValueError
            If ``n_merges`` is out of range.

        Examples
        --------
        >>> tok = BPETokenizer.train("low low low lower", 3)
        >>> [len(tok.truncated(n).encode("lower")) for n in range(4)]
        [5, 4, 3, 3]
        """
        if isinstance(n_merges, bool) or not isinstance(n_merges, int):
            raise TypeError(f"n_merges must be an int, got {type(n_merges).__name__}")
        if not 0 <= n_merges <= len(self._merges):
            raise ValueError(f"n_merges must be in [0, {len(self._merges)}], got {n_merges}")
        specials = sorted(self._special, key=self._special.__getitem__)
        return BPETokenizer(self._merges[:n_merges], specials, self._pattern)

    def __repr__(self) -> str:
        return (
            f"BPETokenizer(vocab_size={self.vocab_size}, n_merges={len(self._merges)}, "
            f"special_tokens={list(self._special)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BPETokenizer):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------------- persistence

    def to_dict(self) -> dict[str, Any]:
        """Return the tokenizer as a JSON-ready dict (also the model that ``bpe.js`` reads).

        Introduced in chapter 2.

        Returns
        -------
        dict
            ``format``, ``version``, ``pattern``, ``merges`` (list of ``[a, b]``; merge ``i``
            creates id ``256 + i``) and ``special_tokens`` (str -> id).

        Examples
        --------
        >>> d = BPETokenizer([(104, 105)], ["<|eot|>"]).to_dict()
        >>> d["merges"], d["special_tokens"]
        ([[104, 105]], {'<|eot|>': 257})
        """
        return {
            "format": _FORMAT_NAME,
            "version": FORMAT_VERSION,
            "pattern": self._pattern,
            "merges": [[a, b] for a, b in self._merges],
            "special_tokens": dict(self._special),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BPETokenizer:
        """Rebuild a tokenizer from :meth:`to_dict` output.

        Introduced in chapter 2.

        Parameters
        ----------
        data : mapping
            As produced by :meth:`to_dict` (or read from a file written by :meth:`save`).

        Returns
        -------
        BPETokenizer

        Raises
        ------
        ValueError
            If a field is missing or malformed; the message says which and what is expected.

        Examples
        --------
        >>> tok = BPETokenizer.train("abab abab", 2, special_tokens=["<|eot|>"])
        >>> BPETokenizer.from_dict(tok.to_dict()) == tok
        True
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"tokenizer data must be a dict, got {type(data).__name__}")
        if data.get("format") != _FORMAT_NAME:
            raise ValueError(f"'format' must be {_FORMAT_NAME!r}, got {data.get('format')!r}")
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported tokenizer version {data.get('version')!r}; "
                f"this code reads version {FORMAT_VERSION}"
            )
        missing = [k for k in ("pattern", "merges", "special_tokens") if k not in data]
        if missing:
            raise ValueError(f"tokenizer data is missing the fields {missing}")
        merges = data["merges"]
        if not isinstance(merges, list) or not all(
            isinstance(m, list)
            and len(m) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in m)
            for m in merges
        ):
            raise ValueError("'merges' must be a list of [a, b] pairs of ints")
        special = data["special_tokens"]
        if not isinstance(special, Mapping) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in special.values()
        ):
            raise ValueError("'special_tokens' must map strings to int ids")
        first = _N_BYTES + len(merges)
        expected = list(range(first, first + len(special)))
        if sorted(special.values()) != expected:
            raise ValueError(
                f"special token ids must be {expected} (right after the {len(merges)} merges), "
                f"got {sorted(special.values())}"
            )
        tokens = sorted(special, key=special.__getitem__)
        try:
            return cls([tuple(m) for m in merges], tokens, data["pattern"])
        except TypeError as err:
            raise ValueError(str(err)) from err

    def save(self, path: str | PathLike[str]) -> None:
        """Write the tokenizer to a readable JSON file.

        Introduced in chapter 2.

        Parameters
        ----------
        path : str or path-like
            Destination file (overwritten).

        Examples
        --------
        >>> import tempfile, os
        >>> tok = BPETokenizer.train("abab abab", 2)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     tok.save(os.path.join(d, "tok.json"))
        ...     BPETokenizer.load(os.path.join(d, "tok.json")) == tok
        True
        """
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | PathLike[str]) -> BPETokenizer:
        """Read a tokenizer written by :meth:`save`.

        Introduced in chapter 2.

        Parameters
        ----------
        path : str or path-like
            A JSON file written by :meth:`save`.

        Returns
        -------
        BPETokenizer

        Raises
        ------
        FileNotFoundError
            If the file does not exist.
        ValueError
            If the file is not valid JSON or not a tokenizer file; the message names the file.

        Examples
        --------
        >>> BPETokenizer.load("no/such/file.json")
        Traceback (most recent call last):
        ...
        FileNotFoundError: tokenizer file not found: no/such/file.json
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"tokenizer file not found: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(
                f"{path} is not a valid tokenizer file (expected JSON written by "
                f"BPETokenizer.save): {err}"
            ) from err
        try:
            return cls.from_dict(data)
        except ValueError as err:
            raise ValueError(f"{path} is not a valid tokenizer file: {err}") from err
