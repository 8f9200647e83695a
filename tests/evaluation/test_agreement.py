"""Tests for stepbytoken.evaluation.agreement: subject-verb agreement across intervening words."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation import AgreementCase, agreement_accuracy, agreement_cases
from stepbytoken.nn import MLPLanguageModel, NGramModel
from stepbytoken.tokenizers import WordVocab

NOUNS = [("file", "files"), ("key", "keys")]
WORDS = [
    "<s>",
    "the",
    "file",
    "files",
    "key",
    "keys",
    "of",
    "is",
    "are",
    "passed",
    "in",
]


def _ids(vocab, text):
    return [vocab.stoi[w] for w in text.split()]


def test_cases_cover_both_numbers_and_every_attractor():
    cases = agreement_cases(NOUNS, "of the {other}")
    assert len(cases) == 2 * 2 * 2  # 2 nouns x 2 numbers x (1 other noun x 2 numbers)
    assert (
        AgreementCase(("the", "files", "of", "the", "key"), "are", "is", "other")
        in cases
    )
    assert (
        AgreementCase(("the", "files", "of", "the", "keys"), "are", "is", "same")
        in cases
    )
    # never its own noun
    assert all(c.words[1] != c.words[-1].rstrip("s") for c in cases)
    plain = agreement_cases(NOUNS, "passed in", verbs=("was", "were"))
    assert [c.words for c in plain][:2] == [
        ("the", "file", "passed", "in"),
        ("the", "files", "passed", "in"),
    ]
    assert {(c.right, c.wrong) for c in plain} == {("was", "were"), ("were", "was")}


@pytest.mark.parametrize(
    ("nouns", "between", "error"),
    [
        ([], "", ValueError),
        ([("file", "files")], "of the {other}", ValueError),
        ([("file",)], "", TypeError),
        ([("file", "")], "", ValueError),
        (NOUNS, 3, TypeError),
    ],
)
def test_cases_reject_bad_arguments(nouns, between, error):
    with pytest.raises(error):
        agreement_cases(nouns, between)


def test_a_bigram_agrees_next_to_the_subject_but_follows_the_attractor():
    vocab = WordVocab(WORDS)
    text = "<s> the file is <s> the files are <s> the key is <s> the keys are " * 3
    bigram = NGramModel(2, len(vocab), smoothing="interpolated").fit(_ids(vocab, text))
    assert agreement_accuracy(bigram, vocab, agreement_cases(NOUNS)) == {
        "all": 1.0,
        "none": 1.0,
    }
    # Across "of the X" the bigram sees only X: right whenever X has the subject's number.
    scores = agreement_accuracy(bigram, vocab, agreement_cases(NOUNS, "of the {other}"))
    assert scores == {"all": 0.5, "same": 1.0, "other": 0.0}


def test_a_model_blind_to_the_subject_scores_one_half_without_attractors():
    vocab = WordVocab(WORDS)
    text = "<s> the file passed in is <s> the files passed in are " * 2 + "<s> in is"
    trigram = NGramModel(3, len(vocab), smoothing="interpolated").fit(_ids(vocab, text))
    # The trigram reads only "passed in": the same verb wins for both numbers.
    assert (
        agreement_accuracy(trigram, vocab, agreement_cases(NOUNS, "passed in"))["none"]
        == 0.5
    )


def test_accuracy_works_for_neural_models_and_checks_its_inputs():
    vocab = WordVocab(WORDS)
    mlp = MLPLanguageModel(len(vocab), context=3, d_embed=4, d_hidden=8, seed=0)
    scores = agreement_accuracy(mlp, vocab, agreement_cases(NOUNS, "of the {other}"))
    assert set(scores) == {"all", "same", "other"}
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    with pytest.raises(ValueError, match="not in the vocabulary"):
        agreement_accuracy(mlp, vocab, agreement_cases([("dog", "dogs")]))
    with pytest.raises(ValueError, match="at least one"):
        agreement_accuracy(mlp, vocab, [])
    with pytest.raises(ValueError, match="<s>"):
        agreement_accuracy(mlp, WordVocab(WORDS[1:] + ["x"]), agreement_cases(NOUNS))
    with pytest.raises(TypeError):
        agreement_accuracy(mlp, WORDS, agreement_cases(NOUNS))
