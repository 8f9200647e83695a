"""Byte-level byte-pair encoding (BPE): the algorithm of chapter 2 in a few small functions.

Text is encoded as UTF-8, so the 256 byte values are the base vocabulary and nothing is ever
unknown. A regular expression first cuts the text into chunks (words with their leading space,
numbers, punctuation, whitespace); pairs are only counted and merged inside a chunk. Training
(:mod:`stepbytoken.tokenizers.trainer`) repeatedly replaces the most frequent adjacent pair by
a new id (256, 257, ...); encoding (:func:`apply_merges`) replays those merges, earliest first.

The split pattern uses only regex features that Python's ``regex`` and JavaScript's ``RegExp``
(``u`` flag) share, so the browser encoder ``book/static/bpe.js`` splits text identically.
Whitespace is ``\\p{White_Space}`` rather than ``\\s``, on which the two engines disagree.

Introduced in chapter 2.
"""

from __future__ import annotations

import heapq
import numbers
import operator
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

import regex

from stepbytoken.checks import check_str

#: GPT-2's pre-tokenization pattern, with ``\s`` spelled ``\p{White_Space}``: contractions, an
#: optional space and letters, numbers, or other symbols, then whitespace (a run of spaces
#: keeps its last space for the next word).
SPLIT_PATTERN = (
    r"'s|'t|'re|'ve|'m|'ll|'d"
    r"| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+"
    r"|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+"
)

#: Chunks of at least this many ids are encoded with a heap (:func:`apply_merges`).
_HEAP_FROM = 16

#: Ids 0..255 are the bytes; merge ``i`` creates id ``N_BYTES + i``.
N_BYTES = 256

Pair = tuple[int, int]


def check_ids(name: str, ids: object) -> list[int]:
    """Return ``ids`` as a list if it is a list or tuple of ints, else raise.

    >>> check_ids("ids", (1, 2))
    [1, 2]
    >>> check_ids("ids", "ab")
    Traceback (most recent call last):
    ...
    TypeError: ids must be a list of int token ids, got str

    Introduced in chapter 2.
    """
    if not isinstance(ids, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of int token ids, got {type(ids).__name__}"
        )
    if not all(type(i) is int for i in ids):  # a fast path for plain ints
        for k, i in enumerate(ids):
            if isinstance(i, bool) or not isinstance(i, numbers.Integral):
                raise TypeError(f"{name}[{k}] must be an int token id, got {i!r}")
        ids = [int(i) for i in ids]
    return list(ids)


def _check_ranks(ranks: object) -> Mapping[Pair, int]:
    if not isinstance(ranks, Mapping):
        raise TypeError(
            f"ranks must be a mapping (a, b) -> new id, got {type(ranks).__name__}"
        )
    return ranks


def get_stats(
    ids: Sequence[int], counts: dict[Pair, int] | None = None
) -> dict[Pair, int]:
    """Count how often each adjacent pair of ids occurs.

    Parameters
    ----------
    ids
        Token ids, e.g. the bytes of one chunk of text.
    counts
        A dict to add the counts to (updated in place and returned), to count over many
        chunks.

    Returns
    -------
    dict
        ``(a, b) -> count``; overlapping occurrences count separately.

    Examples
    --------
    >>> get_stats([1, 2, 3, 1, 2])
    {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    >>> get_stats([5, 5, 5])
    {(5, 5): 2}

    Introduced in chapter 2.
    """
    ids = check_ids("ids", ids)
    if counts is not None and not isinstance(counts, dict):
        raise TypeError(f"counts must be a dict or None, got {type(counts).__name__}")
    counts = {} if counts is None else counts
    for pair in pairwise(ids):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """Replace each occurrence of ``pair`` in ``ids`` by ``new_id``, left to right.

    Parameters
    ----------
    ids
        Token ids.
    pair
        The two ids ``(a, b)`` to merge.
    new_id
        The id that replaces each ``a`` followed by ``b``.

    Returns
    -------
    list of int
        The new, possibly shorter, list; overlaps resolve from the left.

    Examples
    --------
    >>> merge([1, 2, 3, 1, 2], (1, 2), 256)
    [256, 3, 256]
    >>> merge([5, 5, 5], (5, 5), 256)
    [256, 5]

    Introduced in chapter 2.
    """
    ids = check_ids("ids", ids)
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"pair must be a pair of ints (a, b), got {pair!r}")
    a, b = check_ids("pair", pair)
    if isinstance(new_id, bool) or not isinstance(new_id, numbers.Integral):
        raise TypeError(f"new_id must be an int, got {new_id!r}")
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


def apply_merges(ids: list[int], ranks: Mapping[Pair, int]) -> list[int]:
    """Encode one chunk: apply the learned merges, the earliest-learned pair first.

    The result is that of :func:`apply_merges_naive` (merge the earliest-learned pair
    everywhere, left to right, and repeat), computed in ``O(n log n)`` for a chunk of ``n``
    ids: the positions of each learned pair, a heap of the new ids to apply, and a linked
    list of the tokens, so that even a chunk of megabytes without a space encodes in seconds.

    Parameters
    ----------
    ids
        The chunk's bytes.
    ranks
        ``pair -> new id``, as from :func:`merge_table`: a smaller id means the merge was
        learned earlier, and no two pairs share a new id.

    Returns
    -------
    list of int
        The chunk's token ids once no learned pair is left.

    Examples
    --------
    >>> apply_merges([97, 98, 99], {(98, 99): 256, (97, 98): 257})  # "bc" was learned first
    [97, 256]
    >>> apply_merges([5] * 17, {(5, 5): 256})  # overlaps resolve from the left
    [256, 256, 256, 256, 256, 256, 256, 256, 5]

    Introduced in chapter 2.
    """
    ids, ranks = check_ids("ids", ids), _check_ranks(ranks)
    n = len(ids)
    if n < _HEAP_FROM:  # a short chunk (most words) is faster the obvious way
        return apply_merges_naive(list(ids), ranks)
    # values[i]: the token that node i holds now; -1 once merged away
    values = list(ids)
    after = list(range(1, n + 1))  # after[i]: the next live node (n: none)
    before = list(range(-1, n - 1))  # before[i]: the previous live node (-1: none)
    where: dict[int, list[int]] = {}  # new id -> the nodes where its pair starts
    for i, pair in enumerate(pairwise(values)):
        if (r := ranks.get(pair)) is not None:
            where.setdefault(r, []).append(i)
    order = list(where)  # a heap of the new ids still to apply, earliest-learned first
    heapq.heapify(order)

    def found(r: int, node: int) -> None:  # a merge made the pair of new id r at node
        if r in where:
            where[r].append(node)
        else:
            where[r] = [node]
            heapq.heappush(order, r)

    while order:
        rank = heapq.heappop(order)
        # left to right, so overlaps resolve from the left
        for i in sorted(where.pop(rank)):
            j = after[i]
            if values[i] < 0 or j >= n or ranks.get((values[i], values[j])) != rank:
                continue  # stale: this pair was broken up by an earlier merge
            # (values[i], values[j]) -> rank at node i; node j leaves the list.
            values[i], values[j] = rank, -1
            k = after[j]
            after[i] = k
            if k < n:
                before[k] = i
                if (r := ranks.get((rank, values[k]))) is not None:
                    found(r, i)
            h = before[i]
            if h >= 0 and (r := ranks.get((values[h], rank))) is not None:
                found(r, h)
    out, i = [], 0  # node 0 is never merged away: a merge keeps its left node
    while i < n:
        out.append(values[i])
        i = after[i]
    return out


def apply_merges_naive(ids: list[int], ranks: Mapping[Pair, int]) -> list[int]:
    """:func:`apply_merges` the obvious way: find the earliest-learned pair, merge it, repeat.

    Each round scans the whole chunk, so a chunk of ``n`` bytes costs up to ``n`` times the
    number of merges that apply; tests and benchmarks use it as the reference.

    Examples
    --------
    >>> apply_merges_naive([97, 98, 99], {(98, 99): 256, (97, 98): 257})
    [97, 256]

    Introduced in chapter 2.
    """
    ids, ranks = check_ids("ids", ids), _check_ranks(ranks)
    while len(ids) >= 2:
        pair = min(pairwise(ids), key=lambda p: ranks.get(p, 1 << 62))
        new_id = ranks.get(pair)
        if new_id is None:
            break
        ids = merge(ids, pair, new_id)
    return ids


def merge_table(merges: Iterable[Sequence[int]]) -> tuple[dict[Pair, int], list[bytes]]:
    """Check a list of merges; return ``pair -> new id`` and the bytes of every token id.

    Raises
    ------
    TypeError, ValueError
        If a merge is not a pair of ints, uses an id that does not exist yet, or repeats a pair.

    Examples
    --------
    >>> ranks, vocab = merge_table([(104, 105), (256, 33)])
    >>> ranks, vocab[256:]
    ({(104, 105): 256, (256, 33): 257}, [b'hi', b'hi!'])

    Introduced in chapter 2.
    """
    if isinstance(merges, (str, bytes)) or not isinstance(merges, Iterable):
        raise TypeError(
            f"merges must be a list of (a, b) pairs, got {type(merges).__name__}"
        )
    ranks: dict[Pair, int] = {}
    vocab = [bytes([i]) for i in range(N_BYTES)]
    for i, pair in enumerate(merges):
        try:
            a, b = (operator.index(x) for x in pair)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"merge {i} must be a pair of ints (a, b), got {pair!r}"
            ) from err
        new_id = N_BYTES + i
        if not (0 <= a < new_id and 0 <= b < new_id):
            raise ValueError(
                f"merge {i} is {(a, b)} but may only use ids in [0, {new_id}) "
                "(bytes and the results of earlier merges)"
            )
        if (a, b) in ranks:
            raise ValueError(f"merge {i} repeats the pair {(a, b)} of an earlier merge")
        ranks[(a, b)] = new_id
        vocab.append(vocab[a] + vocab[b])
    return ranks, vocab


def compile_pattern(pattern: object) -> regex.Pattern:
    """Compile a pre-tokenization regex, or raise ``ValueError`` saying why it is invalid.

    Examples
    --------
    >>> compile_pattern(SPLIT_PATTERN).findall("it's 42!")
    ['it', "'s", ' 42', '!']

    Introduced in chapter 2.
    """
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"pattern must be a non-empty regex string, got {pattern!r}")
    try:
        return regex.compile(pattern)
    except regex.error as err:
        raise ValueError(
            f"pattern {pattern!r} is not a valid regular expression: {err}"
        ) from err


def split_chunks(pattern: regex.Pattern, text: str) -> list[str]:
    """Cut ``text`` into the chunks that ``pattern`` matches, refusing to drop any character.

    A pattern that does not match every character (``\\w+`` skips spaces and punctuation)
    would lose text silently; instead a ``ValueError`` names the first character left out.

    Examples
    --------
    >>> split_chunks(compile_pattern(SPLIT_PATTERN), "it's 42!")
    ['it', "'s", ' 42', '!']
    >>> split_chunks(compile_pattern(r"\\w+"), "a b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: pattern '\\\\w+' matches no part of ' ' at position 1 of the text, so it would...

    Introduced in chapter 2.
    """
    if pattern.groups:  # findall would return the groups, not the matches
        chunks = [m[0] for m in pattern.finditer(text)]
    else:
        chunks = pattern.findall(text)
    if sum(map(len, chunks)) != len(text):
        end = 0
        for m in pattern.finditer(text):
            if m.start() != end:
                break
            end = m.end()
        raise ValueError(
            f"pattern {pattern.pattern!r} matches no part of {text[end]!r} at position {end} "
            f"of the text, so it would be dropped; the pre-tokenization pattern must cover "
            f"every character (add an alternative such as |\\s+|. at its end)"
        )
    return chunks


def check_special_tokens(
    special_tokens: Iterable[str] | None, name: str = "special_tokens"
) -> list[str]:
    """Return the special tokens as a list, checking they are distinct non-empty strings.

    Raises
    ------
    TypeError
        If ``special_tokens`` is a single str.
    ValueError
        If a token is empty, not valid Unicode, or repeated.

    Examples
    --------
    >>> check_special_tokens(("<|endoftext|>",))
    ['<|endoftext|>']

    Introduced in chapter 2.
    """
    if special_tokens is None:
        return []
    if isinstance(special_tokens, str):
        raise TypeError(
            f"{name} must be a list of strings such as ['<|endoftext|>'], got a single str"
        )
    if not isinstance(special_tokens, Iterable) or isinstance(special_tokens, bytes):
        raise TypeError(
            f"{name} must be a list of strings such as ['<|endoftext|>'], "
            f"got {type(special_tokens).__name__}"
        )
    tokens = list(special_tokens)
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(f"{name} must hold strings, got {token!r}")
        if not token:
            raise ValueError(f"{name} must hold non-empty strings, got ''")
        try:
            token.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(
                f"{name} holds {token!r}, which is not valid Unicode text: {err}"
            ) from err
    if len(set(tokens)) != len(tokens):
        duplicates = sorted({t for t in tokens if tokens.count(t) > 1})
        raise ValueError(f"{name} must be distinct, got duplicates {duplicates}")
    return tokens


def special_splitter(tokens: Iterable[str]) -> regex.Pattern:
    """A regex whose ``split`` cuts text around the special tokens (kept at odd positions).

    The longest token wins when one is a prefix of another, as in ``bpe.js``.

    Examples
    --------
    >>> special_splitter(["<|a|>", "<|a|>b"]).split("x<|a|>b<|a|>")
    ['x', '<|a|>b', '', '<|a|>', '']

    Introduced in chapter 2.
    """
    tokens = check_special_tokens(tokens)
    if not tokens:
        raise ValueError("tokens must hold at least one special token to split on")
    ordered = sorted(tokens, key=lambda t: (-len(t), t))
    return regex.compile("(" + "|".join(regex.escape(t) for t in ordered) + ")")


def allowed_specials(
    allowed_special: str | Iterable[str], registered: Iterable[str]
) -> list[str]:
    """The special tokens that ``allowed_special`` lets through: ``"all"``, ``"none"`` or a set.

    Raises
    ------
    ValueError
        If ``allowed_special`` is another string or names an unregistered token.

    Examples
    --------
    >>> allowed_specials("all", ["<|a|>", "<|b|>"]), allowed_specials({"<|b|>"}, ["<|a|>", "<|b|>"])
    (['<|a|>', '<|b|>'], ['<|b|>'])

    Introduced in chapter 2.
    """
    registered = check_special_tokens(registered, "registered")
    if allowed_special == "all":
        return registered
    if allowed_special == "none":
        return []
    if isinstance(allowed_special, str):
        raise ValueError(
            f"allowed_special must be 'all', 'none' or a set of special tokens, "
            f"got {allowed_special!r}"
        )
    if not isinstance(allowed_special, Iterable) or isinstance(allowed_special, bytes):
        raise TypeError(
            f"allowed_special must be 'all', 'none' or a set of special tokens, "
            f"got {type(allowed_special).__name__}"
        )
    allowed = set(check_special_tokens(list(allowed_special), "allowed_special"))
    unknown = allowed - set(registered)
    if unknown:
        raise ValueError(
            f"allowed_special contains unregistered tokens {sorted(unknown)}; "
            f"registered special tokens: {sorted(registered)}"
        )
    return sorted(allowed)


def encode_utf8(text: str) -> list[int]:
    """The UTF-8 bytes of ``text`` as ids, or ``ValueError`` naming a lone surrogate.

    Examples
    --------
    >>> encode_utf8("hé")
    [104, 195, 169]

    Introduced in chapter 2.
    """
    try:
        return list(check_str("text", text).encode("utf-8"))
    except UnicodeEncodeError as err:
        raise ValueError(
            f"text contains {text[err.start]!r}, a lone surrogate that UTF-8 cannot encode; "
            "only valid Unicode text can be encoded"
        ) from err
