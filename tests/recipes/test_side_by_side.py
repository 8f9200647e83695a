"""Tests of chapter 8's comparison recipe and its shipped answers (recipes.side_by_side)."""

from __future__ import annotations

import statistics

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.assistant import grade
from stepbytoken.evaluation.judge import judge
from stepbytoken.recipes import RECIPES, side_by_side
from stepbytoken.recipes.dpo import load_dpo
from stepbytoken.recipes.sft import eval_examples, eval_toolbox, load_sft
from stepbytoken.recipes.side_by_side import (
    MODELS,
    base_assistant,
    compare_assistants,
    load_side_by_side,
)
from stepbytoken.tokenizers.chat import END, encode_chat
from stepbytoken.training import conversation_logprobs


@pytest.fixture(scope="module")
def shipped():
    return load_side_by_side()


def test_the_recipe_is_a_command():
    assert side_by_side in RECIPES and side_by_side.NAME == "side-by-side"


def test_the_grades_agree_with_the_recipes_that_made_the_models(shipped):
    # the same held-out prompts, answered greedily: the SFT and DPO recipes graded them too
    _, _, manifest = shipped
    grades = manifest["results"]["grades"]
    sft_results = load_sft().manifest["results"]
    assert grades["base"] == sft_results["base"]
    assert grades["sft"] == sft_results["sft"]
    assert grades["dpo"] == load_dpo().manifest["results"]["dpo"]


def test_every_row_is_the_held_out_prompt_with_three_judged_answers(shipped):
    answers, _, _ = shipped
    examples = eval_examples()
    assert len(answers) == len(examples)
    for row, example in zip(answers, examples, strict=True):
        assert row["kind"] == example.kind
        assert row["prompt"] == [[m.role, m.content] for m in example.prompt]
        assert set(row["answers"]) == set(MODELS)
        for answer in row["answers"].values():
            verdict = judge(example, answer["turn"][-1][1])
            assert (verdict.score, verdict.rules) == (answer["score"], answer["rules"])


def test_one_answer_is_written_again_the_same(shipped):
    answers, _, _ = shipped
    example = eval_examples(1)[3]  # a tool task: the turn holds the call and its result
    row = next(r for r in answers if r["prompt"][-1][1] == example.prompt[-1].content)
    base = base_assistant()
    (again,) = grade(base.model, base.tokenizer, [example], toolbox=eval_toolbox())
    assert [[m.role, m.content] for m in again.turn] == row["answers"]["base"]["turn"]


def test_the_dpo_summary_follows_from_the_samples(shipped):
    _, samples, manifest = shipped
    summary = manifest["results"]["dpo_samples"]
    for key in ("proxy", "gold"):
        mean = statistics.fmean(x for r in samples for x in r[key])
        assert summary[key] == pytest.approx(mean, abs=1e-4)
    kl = statistics.fmean(x for r in samples for x in r["logratio"])
    assert summary["kl"] == pytest.approx(kl, abs=1e-4)
    assert summary["kl"] > 0  # the DPO model moved away from the assistant


def test_one_sample_log_ratio_is_measured_again(shipped):
    _, samples, _ = shipped
    record = samples[0]
    example = next(
        e for e in eval_examples() if e.prompt[-1].content == record["question"]
    )
    sft, dpo = load_sft(), load_dpo()
    pad = sft.tokenizer.special_id(END)
    encodings = [
        encode_chat(sft.tokenizer, example.with_final(a).messages)
        for a in record["answers"]
    ]
    ratio = [
        p - q
        for p, q in zip(
            conversation_logprobs(dpo.model, encodings, pad_id=pad),
            conversation_logprobs(sft.model, encodings, pad_id=pad),
            strict=True,
        )
    ]
    assert ratio == pytest.approx(record["logratio"], abs=1e-3)


def test_a_short_run_writes_answers_that_load(tmp_path):
    manifest = compare_assistants(
        tmp_path, eval_per_kind=1, samples_per_kind=1, progress=False
    )
    answers, samples, loaded = load_side_by_side(
        tmp_path, manifest_sha256=file_sha256(tmp_path / MANIFEST_FILE)
    )
    assert len(answers) == len(eval_examples(1))
    assert len(samples) == manifest["results"]["dpo_samples"]["prompts"] >= 1
    assert loaded["results"]["grades"] == manifest["results"]["grades"]


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="eval_per_kind"):
        compare_assistants(tmp_path, eval_per_kind=0)
    with pytest.raises(TypeError, match="progress"):
        compare_assistants(tmp_path, progress="yes")
