"""Subject-verb agreement: does a model pick *is* after a singular subject and *are* after a plural?

Linzen and colleagues measured agreement by the words between the subject and its verb: a model
that only looks at the last word or two can still agree when the subject is right before the
verb, but not when a phrase, perhaps holding a noun of the other number (an *attractor*), sits
in between. :func:`agreement_cases` writes such test contexts from pairs of nouns, and
:func:`agreement_accuracy` scores any word-level model of the book on them.

Introduced in chapter 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stepbytoken.checks import check_str
from stepbytoken.evaluation.perplexity import token_probs
from stepbytoken.nn.interface import LanguageModel, check_language_model
from stepbytoken.tokenizers.vocab import BOS, WordVocab

__all__ = ["AgreementCase", "agreement_accuracy", "agreement_cases"]

ATTRACTOR_KINDS = ("none", "same", "other")


@dataclass(frozen=True)
class AgreementCase:
    """One test context: the words before the verb, the right verb and the wrong one.

    Introduced in chapter 1.

    Parameters
    ----------
    words : tuple of str
        The context, e.g. ``("the", "values", "of", "the", "file")``.
    right, wrong : str
        The verb form that agrees with the subject, and the one that does not.
    attractor : str
        ``"none"`` when no noun stands between subject and verb, ``"same"`` when one of the
        subject's number does, ``"other"`` when one of the other number does.
    """

    words: tuple[str, ...]
    right: str
    wrong: str
    attractor: str


def agreement_cases(
    nouns: Sequence[tuple[str, str]],
    between: str = "",
    *,
    verbs: tuple[str, str] = ("is", "are"),
) -> list[AgreementCase]:
    """Contexts ``the <noun> <between>`` for every noun, singular and plural, before a verb.

    ``between`` is the phrase written between the subject and its verb. If it contains
    ``{other}``, that slot is filled with every *other* noun of ``nouns``, singular and plural,
    and each case records whether this attractor has the subject's number.

    Introduced in chapter 1.

    Parameters
    ----------
    nouns : sequence of (str, str)
        (singular, plural) pairs, e.g. ``[("file", "files")]``; at least one, and two when
        ``between`` holds ``{other}``.
    between : str, default ""
        Words between subject and verb, split on spaces.
    verbs : (str, str), default ("is", "are")
        The singular and the plural verb form.

    Returns
    -------
    list of AgreementCase
        Singular subject first, then plural, for each noun in order.

    Raises
    ------
    TypeError, ValueError
        If ``nouns`` is empty or not made of pairs of non-empty strings, ``between`` is not
        a string, or ``{other}`` is asked for with fewer than two nouns.

    Examples
    --------
    >>> [" ".join(c.words) + " -> " + c.right for c in agreement_cases([("file", "files")])]
    ['the file -> is', 'the files -> are']
    >>> case = agreement_cases([("file", "files"), ("key", "keys")], "of the {other}")[1]
    >>> " ".join(case.words), case.right, case.attractor
    ('the file of the keys', 'is', 'other')
    """
    between = check_str("between", between)
    pairs = [_pair("nouns", pair) for pair in nouns]
    verb_forms = _pair("verbs", verbs)  # (singular, plural)
    if not pairs:
        raise ValueError(
            "nouns must hold at least one (singular, plural) pair, got none"
        )
    if "{other}" in between and len(pairs) < 2:
        raise ValueError("between with {other} needs at least two nouns, got 1")
    cases = []
    for i, pair in enumerate(pairs):
        for number, subject in enumerate(pair):
            right, wrong = verb_forms if number == 0 else verb_forms[::-1]
            if "{other}" not in between:
                words = ("the", subject, *between.split())
                cases.append(AgreementCase(words, right, wrong, "none"))
                continue
            for j, other_pair in enumerate(pairs):
                if j == i:
                    continue
                for other_number, other in enumerate(other_pair):
                    words = ("the", subject, *between.format(other=other).split())
                    kind = "same" if other_number == number else "other"
                    cases.append(AgreementCase(words, right, wrong, kind))
    return cases


def agreement_accuracy(
    model: LanguageModel, vocab: WordVocab, cases: Sequence[AgreementCase]
) -> dict[str, float]:
    """Share of ``cases`` where the model finds the right verb likelier than the wrong one.

    Each context is read after ``<s>``, as the start of a paragraph.

    Introduced in chapter 1.

    Parameters
    ----------
    model : LanguageModel
        A model over the ids of ``vocab`` (an n-gram model or a neural one).
    vocab : WordVocab
        The word vocabulary, with ``<s>``; every word of the cases must be in it.
    cases : sequence of AgreementCase
        From :func:`agreement_cases`; at least one.

    Returns
    -------
    dict
        ``"all"``: the share over every case, and one entry per attractor kind present
        (``"none"``, ``"same"``, ``"other"``).

    Raises
    ------
    TypeError, ValueError
        If ``model`` is not a language model, ``vocab`` has no ``<s>``, ``cases`` is empty,
        or a word of a case is not in ``vocab``.

    Examples
    --------
    >>> from stepbytoken.nn import NGramModel
    >>> vocab = WordVocab(["<s>", "the", "file", "files", "is", "are"])
    >>> ids = [0, 1, 2, 4, 0, 1, 3, 5]  # "the file is", "the files are"
    >>> model = NGramModel(2, len(vocab), smoothing="interpolated").fit(ids)
    >>> agreement_accuracy(model, vocab, agreement_cases([("file", "files")]))
    {'all': 1.0, 'none': 1.0}
    """
    check_language_model(model)
    if not isinstance(vocab, WordVocab):
        raise TypeError(f"vocab must be a WordVocab, got {type(vocab).__name__}")
    if BOS not in vocab.stoi:
        raise ValueError(f"vocab must contain {BOS!r} to start each context")
    cases = list(cases)
    if not cases:
        raise ValueError("cases must hold at least one AgreementCase, got none")
    missing = sorted(
        {w for c in cases for w in (*c.words, c.right, c.wrong) if w not in vocab.stoi}
    )
    if missing:
        raise ValueError(f"words not in the vocabulary: {missing[:10]}")
    hits: dict[str, list[bool]] = {}
    for case in cases:
        ids = [vocab.stoi[BOS], *(vocab.stoi[w] for w in case.words)]
        p_right = token_probs(model, [*ids, vocab.stoi[case.right]])[-1].item()
        p_wrong = token_probs(model, [*ids, vocab.stoi[case.wrong]])[-1].item()
        hits.setdefault(case.attractor, []).append(p_right > p_wrong)
    scores = {"all": sum(sum(h) for h in hits.values()) / len(cases)}
    for kind in ATTRACTOR_KINDS:
        if kind in hits:
            scores[kind] = sum(hits[kind]) / len(hits[kind])
    return scores


def _pair(name: str, pair: object) -> tuple[str, str]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(
            f"{name} must hold (singular, plural) pairs of strings, got {pair!r}"
        )
    first, second = (check_str(name, word, allow_empty=False) for word in pair)
    return first, second
