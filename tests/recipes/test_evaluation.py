"""Tests of chapter 16's recipe and its shipped measurements (stepbytoken.recipes.evaluation)."""

from __future__ import annotations

import pytest

from stepbytoken.artifacts import MANIFEST_FILE, file_sha256
from stepbytoken.evaluation.judge import judge
from stepbytoken.evaluation.multiple_choice import score_benchmark
from stepbytoken.recipes import evaluation
from stepbytoken.recipes.evaluation import (
    ARENA_MODELS,
    BENCHMARK_METHODS,
    N_QUESTIONS,
    PASS_MODELS,
    benchmark_sets,
    evaluate_part,
    load_evaluation,
)
from stepbytoken.recipes.family import load_family
from stepbytoken.recipes.sft import eval_examples


@pytest.fixture(scope="module")
def benchmark():
    return load_evaluation("benchmark")


@pytest.fixture(scope="module")
def sampled():
    return load_evaluation("sampled")


def test_the_recipe_has_a_command_shape():
    assert evaluation.NAME == "evaluate"
    assert callable(evaluation.add_arguments) and callable(evaluation.run)


def test_the_benchmark_and_the_clean_set_do_not_share_a_fact():
    test, other = benchmark_sets()
    assert len(test) == len(other) == N_QUESTIONS
    assert not {q.fact for q in test} & {q.fact for q in other}


def test_recorded_accuracies_follow_from_recorded_choices(benchmark):
    records, manifest = benchmark
    questions = benchmark_sets()[0]
    scores = records["benchmark"]["scores"]
    assert list(scores)[:4] == ["xs", "s", "m", "l"]
    for name, by_method in scores.items():
        assert list(by_method) == list(BENCHMARK_METHODS)
        for method, result in by_method.items():
            hits = [
                c == q.correct
                for c, q in zip(result["choices"], questions, strict=True)
            ]
            assert result["accuracy"] == pytest.approx(sum(hits) / len(hits))
            assert manifest["results"][name][method] == pytest.approx(
                result["accuracy"], abs=1e-4
            )


def test_the_smallest_member_chooses_the_same_again(benchmark):
    records, _ = benchmark
    xs = load_family()["xs"]
    questions = benchmark_sets()[0][:6]
    for method in BENCHMARK_METHODS:
        again = score_benchmark(xs.model, xs.tokenizer, questions, method)
        recorded = records["benchmark"]["scores"]["xs"][method]["choices"][:6]
        assert list(again.choices) == recorded, method


def test_pass_at_k_counts_are_the_judges_verdicts(sampled):
    records, _ = sampled
    runs = records["pass_at_k"]
    assert set(runs["models"]) == set(PASS_MODELS)
    example = next(e for e in eval_examples() if e.kind == "scratchpad")
    assert runs["questions"][0] == example.prompt[-1].content
    for rows in runs["models"].values():
        assert all(r["correct"] == sum(r["ok"]) for r in rows)
        assert all(len(r["samples"]) == runs["n"] for r in rows)
        first = rows[0]
        assert [judge(example, s).rules["correct"] for s in first["samples"]] == first[
            "ok"
        ]


def test_arena_battles_follow_the_judges_scores(sampled):
    records, _ = sampled
    arena = records["arena"]
    assert set(arena["scores"]) == set(ARENA_MODELS)
    for prompt, a, b, winner in arena["battles"]:
        sa, sb = arena["scores"][a][prompt], arena["scores"][b][prompt]
        assert winner == ("a" if sa > sb else "b" if sb > sa else "tie")


def test_the_contaminated_model_leads_only_on_what_it_saw(sampled):
    records, _ = sampled
    models = records["contamination"]["models"]
    contaminated, clean = models["contaminated"], models["clean"]
    assert contaminated["test"]["letter"] > clean["test"]["letter"]
    assert clean["other"]["letter"] > contaminated["other"]["letter"]


def test_a_quick_run_writes_parts_that_load(tmp_path):
    manifest = evaluate_part("sampled", tmp_path / "sampled", quick=True)
    assert manifest["settings"]["problems"] == 2
    records, _ = load_evaluation(
        "sampled",
        tmp_path / "sampled",
        manifest_sha256=file_sha256(tmp_path / "sampled" / MANIFEST_FILE),
    )
    assert len(records["arena"]["battles"]) == 20
    evaluate_part("benchmark", tmp_path / "benchmark", quick=True)
    records, _ = load_evaluation(
        "benchmark",
        tmp_path / "benchmark",
        manifest_sha256=file_sha256(tmp_path / "benchmark" / MANIFEST_FILE),
    )
    assert all(
        len(r["letter"]["choices"]) == 2
        for r in records["benchmark"]["scores"].values()
    )


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        load_evaluation("everything")
    with pytest.raises(ValueError):
        evaluate_part("all", tmp_path)
    with pytest.raises(TypeError):
        evaluate_part("sampled", tmp_path, quick="yes")
