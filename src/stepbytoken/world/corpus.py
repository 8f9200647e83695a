"""The corpus as documents: their kinds, the separator between them, its words and counts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from stepbytoken.checks import check_instance, check_str

__all__ = ["DOCUMENT_KINDS", "DOC_SEPARATOR", "Document", "corpus_stats", "words"]

#: Separator between documents in :meth:`World.corpus` (a special token for the tokenizer).
DOC_SEPARATOR = "<|endoftext|>"

#: The kinds of document in the corpus, in the order :func:`corpus_stats` reports them.
DOCUMENT_KINDS = ("story", "facts", "qa", "pattern", "arithmetic")

_WORDS = re.compile(r"'s\b|[a-z]+(?:'(?!s\b)[a-z]+)*")


class Document(NamedTuple):
    """A document of the corpus and its kind (one of :data:`DOCUMENT_KINDS`).

    Examples
    --------
    >>> Document("story", "Mira ran.").kind
    'story'

    Introduced in chapter 3.
    """

    kind: str
    text: str


def words(text: str) -> list[str]:
    """Split text into lowercase words for word vectors (chapter 3).

    A word is a run of letters ``a-z`` after lowercasing; an apostrophe between letters stays
    inside the word (``don't``), except the possessive ``'s``, which is a word of its own.
    Digits, punctuation and :data:`DOC_SEPARATOR` are dropped.

    Parameters
    ----------
    text
        Any string.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If ``text`` is not a str.

    Examples
    --------
    >>> words("Mira's dog didn't bark. She paid 5 skell.")
    ['mira', "'s", 'dog', "didn't", 'bark', 'she', 'paid', 'skell']

    Introduced in chapter 3.
    """
    check_str("text", text)
    return _WORDS.findall(text.replace(DOC_SEPARATOR, " ").lower())


def corpus_stats(documents: Sequence[Document]) -> dict:
    """Count documents by kind, characters, words and distinct words.

    Parameters
    ----------
    documents
        Labelled documents, as from :meth:`World.labelled_documents`.

    Returns
    -------
    dict
        ``documents`` (total), ``by_kind`` (documents per kind), ``characters`` (of the joined
        corpus, separators included), ``characters_by_kind``, ``words`` and ``unique_words``
        (by :func:`words`).

    Examples
    --------
    >>> stats = corpus_stats([Document("story", "Mira ran."), Document("qa", "Q: Hi?\\nA: Hi")])
    >>> stats["by_kind"]["story"], stats["words"], stats["unique_words"]
    (1, 6, 5)

    Introduced in chapter 3.
    """
    if isinstance(documents, (str, bytes)) or not isinstance(documents, Sequence):
        raise TypeError(
            f"documents must be a list of Document, got {type(documents).__name__}"
        )
    for i, doc in enumerate(documents):
        check_instance(f"documents[{i}]", doc, Document)
    by_kind = Counter(d.kind for d in documents)
    chars: Counter = Counter()
    counts: Counter = Counter()
    for d in documents:
        chars[d.kind] += len(d.text)
        counts.update(words(d.text))
    n_sep = max(len(documents) - 1, 0) * len(f"\n{DOC_SEPARATOR}\n")
    return {
        "documents": len(documents),
        "by_kind": {k: by_kind.get(k, 0) for k in DOCUMENT_KINDS},
        "characters": sum(chars.values()) + n_sep,
        "characters_by_kind": {k: chars.get(k, 0) for k in DOCUMENT_KINDS},
        "words": sum(counts.values()),
        "unique_words": len(counts),
    }
