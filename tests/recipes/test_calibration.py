"""Tests of chapter 13's measurements and their shipped record (recipes.calibration)."""

from __future__ import annotations

import pytest

from stepbytoken.evaluation.calibration import expected_calibration_error
from stepbytoken.evaluation.confidence import answer_records
from stepbytoken.recipes import RECIPES, calibration
from stepbytoken.recipes.calibration import (
    K_SAMPLES,
    MODELS,
    N_BINS,
    N_KNOWN,
    N_RETRIEVAL,
    N_UNKNOWN,
    load_calibration,
    question_sets,
    retrieval_pairs,
)
from stepbytoken.recipes.sft import load_sft
from stepbytoken.recipes.side_by_side import base_assistant


@pytest.fixture(scope="module")
def shipped():
    return load_calibration()


def test_the_recipe_is_a_command():
    assert calibration in RECIPES and calibration.NAME == "calibration"


def test_the_record_holds_every_question_of_every_model(shipped):
    results, manifest = shipped
    assert sorted(results["models"]) == sorted(MODELS)
    for name in MODELS:
        known, unknown = (
            results["models"][name]["known"],
            results["models"][name]["unknown"],
        )
        assert (len(known), len(unknown)) == (N_KNOWN, N_UNKNOWN)
        assert all(
            r["agree"] * K_SAMPLES == round(r["agree"] * K_SAMPLES) for r in known
        )
    for name in MODELS[1:]:
        for split in ("heldout", "unseen"):
            r = results["retrieval"][name][split]
            assert len(r["closed"]) == len(r["open"]) == N_RETRIEVAL
    assert manifest["settings"]["n_bins"] == N_BINS


def test_the_summary_is_computed_from_the_records(shipped):
    results, manifest = shipped
    for name in MODELS:
        answered = [r for r in results["models"][name]["known"] if not r["idk"]]
        ece = expected_calibration_error(
            [r["pw"] for r in answered], [r["ok"] for r in answered], n_bins=N_BINS
        )
        assert manifest["results"][name]["ece"] == pytest.approx(ece, abs=1e-4)


def test_idk_training_is_what_makes_the_assistant_refuse(shipped):
    """The measured property: trained on "I don't know", the assistant refuses most unknown
    questions; trained to guess, it makes up an answer for nearly all of them."""
    _, manifest = shipped
    idk, guess = manifest["results"]["sft"], manifest["results"]["sft_guess"]
    assert idk["refused_unknown"] > 0.5 > guess["refused_unknown"]
    assert guess["confident_unknown"] > idk["confident_unknown"]


def test_recorded_answers_are_reproduced():
    """Greedy answers are deterministic: the first questions give the record again."""
    results, _ = load_calibration()
    sets = question_sets()
    sft = load_sft()
    again = answer_records(sft.model, sft.tokenizer, sets["known"][:5])
    for new, old in zip(again, results["models"]["sft"]["known"][:5], strict=True):
        keys = ("q", "a", "p", "pw", "ok", "idk")
        assert {k: new[k] for k in keys} == {k: old[k] for k in keys}
    base = base_assistant()
    again = answer_records(base.model, base.tokenizer, sets["unknown"][:5], chat=False)
    assert [r["a"] for r in again] == [
        r["a"] for r in results["models"]["base"]["unknown"][:5]
    ]


def test_question_sets_are_held_out():
    from stepbytoken.recipes.sft import N_EXAMPLES
    from stepbytoken.world import make_world
    from stepbytoken.world.instructions import training_examples

    trained = {e.prompt for e in training_examples(make_world(0), N_EXAMPLES)}
    sets = question_sets()
    assert not {e.prompt for e in sets["known"] + sets["unknown"]} & trained
    assert {e.kind for e in sets["unknown"]} == {"unknown"}


def test_retrieval_pairs_ask_the_same_question():
    for closed, opened in retrieval_pairs("heldout", 5):
        assert closed.answer == opened.answer and closed.relation == opened.relation
        assert closed.prompt[0].content in opened.prompt[0].content.replace("\n", " ")
