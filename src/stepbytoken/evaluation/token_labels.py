"""Ground-truth labels for every token of the small world's text.

The world knows what each of its words is: a person's name, a town, a colour, a profession
(:mod:`~stepbytoken.world.lexicon`). :func:`word_categories` turns those word lists into a
lookup table and :func:`label_tokens` encodes a text chunk by chunk, the way the tokenizer
does, giving each token the category of the word it is part of. Chapter 20 checks sparse
autoencoder features against these labels.

Introduced in chapter 20.
"""

from __future__ import annotations

from stepbytoken.checks import check_str
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import lexicon

__all__ = ["CATEGORIES", "category_token_ids", "label_tokens", "word_categories"]

#: The categories, in the order a word that is in two lists is given the first.
CATEGORIES = (
    "person",
    "pet name",
    "kingdom",
    "town",
    "currency",
    "product",
    "profession",
    "place",
    "animal",
    "object",
    "colour",
    "number",
)


def word_categories() -> dict[str, str]:
    """Map every word of the world's lexicon to its category (one of :data:`CATEGORIES`).

    Introduced in chapter 20.

    Examples
    --------
    >>> table = word_categories()
    >>> table["Varnia"], table["Varnian"], table["baker"], table["dogs"]
    ('kingdom', 'kingdom', 'profession', 'animal')
    """
    lists = {
        "person": [*lexicon.MALE_NAMES, *lexicon.FEMALE_NAMES],
        "pet name": list(lexicon.PET_NAMES),
        "kingdom": [w for pair in lexicon.KINGDOMS for w in pair],
        "town": list(lexicon.TOWNS),
        "currency": list(lexicon.CURRENCIES),
        "product": list(lexicon.PRODUCTS),
        "profession": [p[0] for p in lexicon.PROFESSIONS],
        "place": list(lexicon.PLACES),
        "animal": [w for a in lexicon.ANIMALS for w in a[:2]],
        "object": [w for o in lexicon.OBJECTS for w in o[:2]],
        "colour": list(lexicon.COLOURS),
        "number": list(lexicon.NUMBER_WORDS),
    }
    table: dict[str, str] = {}
    for category in CATEGORIES:
        for word in lists[category]:
            table.setdefault(word, category)
    return table


def label_tokens(tokenizer: BPETokenizer, text: str) -> tuple[list[int], list[str]]:
    """Encode ``text`` and give each token the category of its word ("" for none).

    The text is split into chunks with the tokenizer's own pattern; each chunk is encoded
    on its own (which is what :meth:`~stepbytoken.tokenizers.BPETokenizer.encode` does) and
    all its tokens get the category of the chunk's word.

    Introduced in chapter 20.

    Parameters
    ----------
    tokenizer : BPETokenizer
        The tokenizer.
    text : str
        Text without special tokens.

    Returns
    -------
    (ids, labels) : tuple of list of int and list of str
        ``ids == tokenizer.encode(text)``.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> ids, labels = label_tokens(load_reference().tokenizer, "The baker likes red.")
    >>> labels
    ['', '', 'profession', '', 'colour', '']
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    text = check_str("text", text)
    table = word_categories()
    ids: list[int] = []
    labels: list[str] = []
    for chunk in tokenizer.pre_tokenize(text):
        chunk_ids = tokenizer.encode_ordinary(chunk)
        ids += chunk_ids
        labels += [table.get(chunk.strip(), "")] * len(chunk_ids)
    return ids, labels


def category_token_ids(tokenizer: BPETokenizer, category: str) -> list[int]:
    """The first token of every word of ``category``, written after a space.

    What a model puts probability on when its next word is of that category; chapter 20
    sums these probabilities to measure steering.

    Introduced in chapter 20.

    Examples
    --------
    >>> from stepbytoken.artifacts import load_reference
    >>> tokenizer = load_reference().tokenizer
    >>> [tokenizer.decode([i]) for i in category_token_ids(tokenizer, "colour")][:3]
    [' grey', ' blue', ' yellow']
    """
    if not isinstance(tokenizer, BPETokenizer):
        raise TypeError(
            f"tokenizer must be a BPETokenizer, got {type(tokenizer).__name__}"
        )
    if category not in CATEGORIES:
        raise ValueError(
            f"category must be one of {list(CATEGORIES)}, got {category!r}"
        )
    words = [w for w, c in word_categories().items() if c == category]
    return sorted({tokenizer.encode_ordinary(" " + w)[0] for w in words})
