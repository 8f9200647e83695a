"""Tests of chapter 8's best-of-n recipe and its shipped scores (stepbytoken.recipes.best_of_n)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.best_of_n import best_of_n_curve
from stepbytoken.evaluation.judge import judge
from stepbytoken.recipes import RECIPES, best_of_n
from stepbytoken.recipes.best_of_n import (
    KINDS,
    N_ANSWERS,
    NS,
    load_best_of_n,
    score_best_of_n,
)
from stepbytoken.recipes.reward import load_reward
from stepbytoken.recipes.sft import eval_examples, load_sft
from stepbytoken.tokenizers.chat import END, encode_chat
from stepbytoken.training import conversation_rewards


@pytest.fixture(scope="module")
def shipped():
    return load_best_of_n()


def test_the_recipe_is_a_command():
    assert best_of_n in RECIPES and best_of_n.NAME == "best-of-n"


def test_the_recorded_curve_follows_from_the_recorded_scores(shipped):
    records, manifest = shipped
    assert {r["kind"] for r in records} == set(KINDS)
    assert all(len(r["answers"]) == N_ANSWERS and all(r["answers"]) for r in records)
    curve = best_of_n_curve(
        [r["proxy"] for r in records], [r["gold"] for r in records], NS
    )
    recorded = manifest["results"]["curve"]
    assert [row["n"] for row in recorded] == list(NS)
    for mine, theirs in zip(curve, recorded, strict=True):
        assert mine["gold"] == pytest.approx(theirs["gold"], abs=1e-4)
        assert mine["proxy"] == pytest.approx(theirs["proxy"], abs=1e-4)
    # the proxy rises with n (it picks the answers it likes best)
    proxies = [row["proxy"] for row in recorded]
    assert proxies == sorted(proxies)


def test_one_record_is_scored_again_the_same(shipped):
    records, _ = shipped
    record = records[0]
    example = next(
        e for e in eval_examples() if e.prompt[-1].content == record["question"]
    )
    assert [judge(example, a).score for a in record["answers"]] == record["gold"]
    assistant = load_sft()
    model, _ = load_reward()
    encodings = [
        encode_chat(assistant.tokenizer, example.with_final(a).messages)
        for a in record["answers"][:8]
    ]
    again = conversation_rewards(
        model, encodings, pad_id=assistant.tokenizer.special_id(END)
    )
    assert again == pytest.approx(record["proxy"][:8], abs=1e-4)


def test_a_short_run_writes_scores_that_load(tmp_path):
    manifest = score_best_of_n(tmp_path, per_kind=1)
    assert manifest["results"]["prompts"] == len(KINDS)
    records, _ = load_best_of_n(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert len(records) == len(KINDS)
