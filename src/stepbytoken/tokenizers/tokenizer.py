"""The byte-level BPE tokenizer: merges plus special tokens, with encode, decode and files.

Introduced in chapter 2.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import Any

import torch

from stepbytoken.checks import check_int, check_str, check_tensor
from stepbytoken.tokenizers.bpe import (
    N_BYTES,
    SPLIT_PATTERN,
    Pair,
    allowed_specials,
    apply_merges,
    check_special_tokens,
    compile_pattern,
    encode_utf8,
    merge_table,
    special_splitter,
    split_chunks,
)
from stepbytoken.tokenizers.serialization import (
    read_tokenizer_file,
    tokenizer_from_dict,
    tokenizer_to_dict,
    write_tokenizer_file,
)
from stepbytoken.tokenizers.trainer import train_merges

_CACHE_LIMIT = 200_000  # encoded chunks remembered per tokenizer


class BPETokenizer:
    """A byte-level BPE tokenizer: an ordered list of merges plus optional special tokens.

    Ids 0..255 are the bytes, id ``256 + i`` is the result of merge ``i``, and special tokens
    (strings such as ``"<|endoftext|>"`` that are never split) come last.

    Parameters
    ----------
    merges
        The merges in order: merge ``i`` turns ``(a, b)`` into id ``256 + i``; both ids must
        already exist (be smaller than ``256 + i``).
    special_tokens
        Special token strings; they get ids ``256 + len(merges)``, ... in the given order.
    pattern
        Pre-tokenization regex; only syntax JavaScript's ``RegExp`` shares keeps ``bpe.js`` exact.

    Raises
    ------
    TypeError, ValueError
        If a merge or special token is invalid (see :func:`merge_table`) or the pattern is.

    Examples
    --------
    >>> tok = BPETokenizer.train("low lower lowest low low", 3, special_tokens=["<|eot|>"])
    >>> tok.merges
    [((108, 111), 256), ((256, 119), 257), ((32, 257), 258)]
    >>> ids = tok.encode("lowest low<|eot|>")
    >>> [tok.token_str(i) for i in ids]
    ['low', 'e', 's', 't', ' low', '<|eot|>']
    >>> tok.decode(ids)
    'lowest low<|eot|>'

    Introduced in chapter 2.
    """

    def __init__(
        self,
        merges: Sequence[Pair] = (),
        special_tokens: Iterable[str] | None = None,
        pattern: str = SPLIT_PATTERN,
    ) -> None:
        self._pattern = pattern
        self._regex = compile_pattern(pattern)
        self._ranks, self._vocab = merge_table(merges)  # pair -> new id, id -> bytes
        self._merges: list[Pair] = list(self._ranks)
        specials = check_special_tokens(special_tokens)
        self._special = {t: len(self._vocab) + k for k, t in enumerate(specials)}
        # id -> bytes
        self._token_bytes = self._vocab + [t.encode("utf-8") for t in specials]
        self._splitter = special_splitter(specials) if specials else None
        self._cache: dict[str, list[int]] = {}

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
        """Learn up to ``num_merges`` merges from ``text`` (see :func:`train_merges`).

        Examples
        --------
        >>> tok = BPETokenizer.train("ab ab cd cd", 10)
        >>> [(tok.token_str(a), tok.token_str(b)) for (a, b), _ in tok.merges]
        [(' ', 'c'), ('a', 'b'), (' c', 'd')]
        """
        specials = check_special_tokens(special_tokens)
        merges = train_merges(
            text,
            num_merges,
            special_tokens=specials,
            pattern=pattern,
            progress=progress,
        )
        return cls(merges, specials, pattern)

    # -- encoding

    def pre_tokenize(self, text: str) -> list[str]:
        """Split ``text`` into the chunks BPE works on (no special-token handling).

        Raises ``ValueError`` if the pattern leaves a character out (see :func:`split_chunks`).

        >>> BPETokenizer().pre_tokenize("Hello world, it's 2024!  ")
        ['Hello', ' world', ',', ' it', "'s", ' 2024', '!', '  ']
        """
        return split_chunks(self._regex, check_str("text", text))

    def _encode_chunk(self, chunk: str) -> list[int]:
        ids = self._cache.get(chunk)
        if ids is None:
            ids = apply_merges(encode_utf8(chunk), self._ranks)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[chunk] = ids
        return ids

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text``, treating special-token strings as ordinary text.

        Raises ``TypeError`` if ``text`` is not a str, ``ValueError`` on a lone surrogate.

        >>> BPETokenizer().encode_ordinary("hé")
        [104, 195, 169]
        """
        ids: list[int] = []
        for chunk in self.pre_tokenize(text):
            ids.extend(self._encode_chunk(chunk))
        return ids

    def encode(
        self, text: str, *, allowed_special: str | Iterable[str] = "all"
    ) -> list[int]:
        """Encode ``text`` into token ids.

        Special tokens that ``allowed_special`` lets through (see :func:`allowed_specials`)
        become their id; others are encoded as ordinary text.

        >>> tok = BPETokenizer(special_tokens=["<|eot|>"])
        >>> tok.encode("hi<|eot|>"), len(tok.encode("hi<|eot|>", allowed_special="none"))
        ([104, 105, 256], 9)
        """
        text = check_str("text", text)
        allowed = allowed_specials(allowed_special, self._special)
        if allowed_special == "all":
            splitter = self._splitter  # compiled once
        else:
            splitter = special_splitter(allowed) if allowed else None
        if splitter is None:
            return self.encode_ordinary(text)
        ids: list[int] = []
        for k, piece in enumerate(splitter.split(text)):
            if k % 2:  # odd pieces are the captured special tokens
                ids.append(self._special[piece])
            elif piece:
                ids.extend(self.encode_ordinary(piece))
        return ids

    # -- decoding

    def token_bytes(self, idx: int) -> bytes:
        """The bytes that token ``idx`` stands for (a special token's UTF-8 encoding).

        Raises ``TypeError`` for a non-int, ``ValueError`` for an id outside the vocabulary.

        >>> BPETokenizer([(104, 105)]).token_bytes(256)
        b'hi'
        """
        try:
            if isinstance(idx, bool):
                raise TypeError
            i = operator.index(idx)
        except TypeError:
            raise TypeError(f"token ids must be ints, got idx = {idx!r}") from None
        if not 0 <= i < self.vocab_size:
            raise ValueError(
                f"unknown token id {i}; valid ids are 0..{self.vocab_size - 1}"
            )
        return self._token_bytes[i]

    def token_str(self, idx: int) -> str:
        """A readable string for token ``idx``; bytes that are not valid UTF-8 become U+FFFD.

        >>> BPETokenizer().token_str(32), BPETokenizer().token_str(0xC3)
        (' ', '\ufffd')
        """
        return self.token_bytes(idx).decode("utf-8", errors="replace")

    def decode(self, ids: Iterable[int]) -> str:
        """Turn token ids back into text; invalid UTF-8 (e.g. half a character) becomes U+FFFD.

        Raises ``TypeError``/``ValueError`` naming the first bad id.

        >>> BPETokenizer().decode([104, 195, 169]), BPETokenizer().decode([104, 195])
        ('hé', 'h\ufffd')
        """
        if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
            raise TypeError(
                f"ids must be a list of int token ids, got {type(ids).__name__}"
            )
        if isinstance(ids, torch.Tensor):
            ids = (
                check_tensor("ids", ids, dims=(0, 1), integer=True).reshape(-1).tolist()
            )
        return b"".join(self.token_bytes(i) for i in ids).decode(
            "utf-8", errors="replace"
        )

    # -- introspection

    @property
    def vocab_size(self) -> int:
        """How many ids there are (256 bytes + merges + special tokens)."""
        return len(self._token_bytes)

    @property
    def merges(self) -> list[tuple[Pair, int]]:
        """The merges in training order, as ``((a, b), new_id)``."""
        return [(pair, N_BYTES + i) for i, pair in enumerate(self._merges)]

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special token strings and their ids (a copy)."""
        return dict(self._special)

    @property
    def pattern(self) -> str:
        """The pre-tokenization regex."""
        return self._pattern

    def special_id(self, token: str) -> int:
        """The id of the special token ``token``; ``ValueError`` listing them if unknown.

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
        """The tokenizer made of the first ``n_merges`` merges (special tokens renumbered).

        >>> tok = BPETokenizer.train("low low low lower", 3)
        >>> [len(tok.truncated(n).encode("lower")) for n in range(4)]
        [5, 4, 3, 3]
        """
        n_merges = check_int("n_merges", n_merges, minimum=0, maximum=len(self._merges))
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

    # -- files (format in stepbytoken.tokenizers.serialization)

    def to_dict(self) -> dict[str, Any]:
        """The tokenizer as a JSON-ready dict (also the model that ``bpe.js`` reads).

        >>> BPETokenizer([(104, 105)], ["<|eot|>"]).to_dict()["special_tokens"]
        {'<|eot|>': 257}
        """
        return tokenizer_to_dict(self._merges, self._special, self._pattern)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BPETokenizer:
        """Rebuild a tokenizer from :meth:`to_dict` output; ``ValueError`` if malformed.

        >>> tok = BPETokenizer.train("abab abab", 2, special_tokens=["<|eot|>"])
        >>> BPETokenizer.from_dict(tok.to_dict()) == tok
        True
        """
        return cls(*tokenizer_from_dict(data))

    def save(self, path: str | PathLike[str]) -> None:
        """Write the tokenizer to a readable JSON file (overwritten)."""
        write_tokenizer_file(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> BPETokenizer:
        """Read a tokenizer written by :meth:`save`.

        Raises ``FileNotFoundError``, or ``ValueError`` naming the file if it is not one.
        """
        data = read_tokenizer_file(path)
        try:
            return cls.from_dict(data)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{path} is not a valid tokenizer file: {err}") from err


def train_naive(
    text: str,
    num_merges: int,
    *,
    special_tokens: Iterable[str] | None = None,
    pattern: str = SPLIT_PATTERN,
) -> BPETokenizer:
    """Train a tokenizer the slow, obvious way: recount all pairs after every merge.

    It learns exactly the merges of :meth:`BPETokenizer.train`; tests and benchmarks use it as
    the reference. Arguments and errors as for :func:`train_merges`.

    Examples
    --------
    >>> train_naive("ab ab cd cd", 10).merges
    [((32, 99), 256), ((97, 98), 257), ((256, 100), 258)]

    Introduced in chapter 2.
    """
    specials = check_special_tokens(special_tokens)
    merges = train_merges(
        text, num_merges, special_tokens=specials, pattern=pattern, naive=True
    )
    return BPETokenizer(merges, specials, pattern)
