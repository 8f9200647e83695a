"""Tests of chapter 12's measurements and their shipped record (recipes.prompting)."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.artifacts import load_reference
from stepbytoken.evaluation.prompting import few_shot_accuracy
from stepbytoken.generation.prompting import (
    FACT_WORDINGS,
    arithmetic_problems,
    fact_pools,
)
from stepbytoken.recipes import RECIPES, prompting
from stepbytoken.recipes.prompting import KS, N_ORDERS, VOTES, load_prompting


@pytest.fixture(scope="module")
def shipped():
    return load_prompting()


def test_the_recipe_is_a_command():
    assert prompting in RECIPES and prompting.NAME == "prompting"


def test_questions_are_held_out_people_never_among_the_examples():
    questions, examples = fact_pools()
    assert len(questions) >= 100
    asked = {q.fields["subject"] for q in questions}
    assert not asked & {e.fields["subject"] for e in examples}
    assert len(arithmetic_problems()) == len(set(map(str, arithmetic_problems())))


def test_the_record_has_every_curve(shipped):
    results, manifest = shipped
    assert set(results["few_shot"]) == {w.name for w in FACT_WORDINGS}
    for rows in results["few_shot"].values():
        assert [r["k"] for r in rows] == list(KS[: len(rows)])  # the ks that fit
        for r in rows:
            assert r["greedy"]["n"] == 127
            assert r["greedy"]["low"] <= r["greedy"]["value"] <= r["greedy"]["high"]
            assert r["example"]["prompt"].endswith(("A:", "->"))
    assert all(len(v) == N_ORDERS for v in results["orders"]["wordings"].values())
    for r in results["chain_of_thought"].values():
        assert [v["m"] for v in r["votes"]] == list(VOTES)
        assert r["greedy"]["n"] == 155
    assert manifest["settings"]["votes"] == list(VOTES)


def test_the_corpus_format_is_answered_and_an_unseen_one_is_not(shipped):
    """The measured property: zero-shot in the corpus's Q/A format gets (nearly) every fact;
    in the arrow format the model never answers, with or without examples."""
    few = shipped[0]["few_shot"]
    assert few["question"][0]["greedy"]["value"] >= 0.95
    assert max(r["greedy"]["value"] for r in few["arrow"]) <= 0.05


def test_a_recorded_point_is_reproduced_live(shipped):
    """Greedy decoding is deterministic: the page's live slice gives the record again."""
    torch.set_num_threads(1)
    ref = load_reference()
    acc, prompts, answers = few_shot_accuracy(ref.model, ref.tokenizer, "keyword", 2)
    recorded = next(r for r in shipped[0]["few_shot"]["keyword"] if r["k"] == 2)
    assert acc.correct == recorded["greedy"]["correct"]
    assert (prompts[0], answers[0]) == (
        recorded["example"]["prompt"],
        recorded["example"]["answer"],
    )
    acc, _, _ = few_shot_accuracy(ref.model, ref.tokenizer, "arrow", 1, method="choice")
    recorded = next(r for r in shipped[0]["few_shot"]["arrow"] if r["k"] == 1)
    assert acc.correct == recorded["choice"]["correct"]
