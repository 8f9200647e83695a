"""The measurements of chapter 16: ``python -m stepbytoken evaluate``.

Two parts, each an artifact of its own in ``data/evaluation/<part>/`` (JSON files,
``manifest.json`` and ``timing.json``, SHA-256 pinned in :data:`MANIFEST_SHA256`), so that
the benchmark can be rebuilt when the family changes without sampling again:

- ``benchmark``: 100 multiple-choice questions about entities known from pre-training only
  (:func:`benchmark_sets`), put to the model family and two assistants and read three ways
  (:func:`~stepbytoken.evaluation.multiple_choice.score_benchmark`).
- ``sampled``: ``pass_at_k.json``, 20 answers sampled per held-out sum from each of three
  assistants, checked by the gold judge; ``arena.json``, four assistants' greedy replies to
  100 held-out prompts, judged, and 600 seeded battles (a random prompt and pair; the
  higher score wins); ``contamination.json``, the reference model fine-tuned briefly on the
  benchmark's own items (contaminated) or on the 100 other questions (clean), each scored
  on both sets.

Deterministic on the CPU (one thread); each part takes minutes.

Introduced in chapter 16.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import time
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_choice
from stepbytoken.evaluation.best_of_n import sample_replies
from stepbytoken.evaluation.judge import judge
from stepbytoken.evaluation.multiple_choice import mc_prompt, score_benchmark
from stepbytoken.generation.chat import reply
from stepbytoken.recipes import family
from stepbytoken.recipes.constitution import load_constitution
from stepbytoken.recipes.dpo import load_dpo
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
    stages,
)
from stepbytoken.recipes.sft import eval_examples, load_sft
from stepbytoken.recipes.sft_guess import load_sft_guess
from stepbytoken.training import TrainConfig, train
from stepbytoken.world import make_world
from stepbytoken.world.multiple_choice import MCQuestion, make_mc_questions

__all__ = [
    "DEFAULT_OUT",
    "EVALUATION_DIR",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "PARTS",
    "SPECS",
    "add_arguments",
    "benchmark_sets",
    "evaluate_part",
    "load_evaluation",
    "run",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "evaluate"
HELP = "benchmark, pass@k, arena and contamination of chapter 16 (minutes on a CPU)"

#: Where the recipe writes by default (one folder per part), relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "evaluation"

#: Folder of the shipped parts inside the package.
EVALUATION_DIR = Path(__file__).resolve().parent.parent / "data" / "evaluation"

#: The recipe's parts, each an artifact of its own.
PARTS = ("benchmark", "sampled")

#: What each part holds.
_FILES = {"benchmark": ("benchmark.json",)}
_FILES["sampled"] = ("pass_at_k.json", "arena.json", "contamination.json")
SPECS = {
    part: ArtifactSpec(
        f"stepbytoken-evaluation-{part}",
        1,
        files,
        f"python -m stepbytoken evaluate --part {part}",
    )
    for part, files in _FILES.items()
}

#: SHA-256 of each shipped ``manifest.json`` (which holds the SHA-256 of the files).
MANIFEST_SHA256 = {
    "benchmark": "0ab90d5b71a5ff08185784f8e19f8410c76344e3b50cb0a264282d58931af18c",
    "sampled": "1e89b99dad598ee192c8cba8e8d0b2552a5ac27a4436b727e4f8b0f06a05deb9",
}

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
QUESTION_SEED = 0
N_QUESTIONS = 100  # the benchmark; as many other questions train the clean model
BENCHMARK_METHODS = ("letter", "text", "generated")
BENCHMARK_ASSISTANTS = ("sft", "dpo")
PASS_MODELS = ("sft", "dpo", "sft_guess")
N_SAMPLES = 20
PASS_PROBLEMS = 40
TEMPERATURE = 0.8
MAX_NEW_TOKENS = 64
ARENA_MODELS = ("sft", "dpo", "sft_guess", "constitution")
ARENA_KINDS = ("fact", "format", "passage", "scratchpad", "unknown")
ARENA_PER_KIND = 20
N_BATTLES = 600
BATTLE_SEED = 0
CONTAMINATION_REPEATS = 20
CONTAMINATION_TRAIN = dict(steps=100, batch_size=16, lr=3e-4, warmup_steps=10, seed=0)
CONTAMINATION_TRAIN |= dict(eval_every=None, eval_batches=1)
NUM_THREADS = 1

_ASSISTANTS = dict(
    sft=load_sft, dpo=load_dpo, sft_guess=load_sft_guess, constitution=load_constitution
)


def benchmark_sets() -> tuple[list[MCQuestion], list[MCQuestion]]:
    """The benchmark's questions and the clean model's: two halves of one seeded draw.

    Both are about entities known from pre-training only (split ``"heldout"``).

    Introduced in chapter 16.

    Examples
    --------
    >>> test, other = benchmark_sets()
    >>> len(test), len(other), {q.fact for q in test} & {q.fact for q in other}
    (100, 100, set())
    """
    questions = make_mc_questions(
        make_world(WORLD_SEED), n=2 * N_QUESTIONS, split="heldout", seed=QUESTION_SEED
    )
    return questions[:N_QUESTIONS], questions[N_QUESTIONS:]


def _benchmark(n_questions: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``benchmark`` part's record (``benchmark.json``) and its manifest details."""
    questions = benchmark_sets()[0][:n_questions]
    members = family.load_family()
    size = {
        name: sum(p.numel() for p in r.model.parameters())
        for name, r in members.items()
    }
    models = {
        n: (members[n].model, members[n].tokenizer)
        for n in sorted(members, key=size.get)
    }
    for name in BENCHMARK_ASSISTANTS:
        assistant = _ASSISTANTS[name]()
        models[name] = (assistant.model, assistant.tokenizer)
    scores: dict[str, dict[str, Any]] = {}
    for name, (model, tokenizer) in models.items():
        scores[name] = {}
        for method in BENCHMARK_METHODS:
            score = score_benchmark(model, tokenizer, questions, method)
            scores[name][method] = {
                "accuracy": score.accuracy,
                "choices": list(score.choices),
            }
    record = {
        "models": list(models),
        "methods": list(BENCHMARK_METHODS),
        "questions": [
            {"question": q.question, "options": list(q.options), "correct": q.correct}
            for q in questions
        ],
        "scores": scores,
    }
    details = {
        "family_manifest_sha256": family.MANIFEST_SHA256,
        "settings": {
            "world_seed": WORLD_SEED,
            "question_seed": QUESTION_SEED,
            "questions": n_questions,
            "methods": list(BENCHMARK_METHODS),
            "models": list(models),
            "num_threads": NUM_THREADS,
        },
        "results": {
            name: {m: round(s[m]["accuracy"], 4) for m in BENCHMARK_METHODS}
            for name, s in scores.items()
        },
    }
    return {"benchmark": record}, details


def _pass_at_k_record(n_problems: int, n_samples: int) -> dict[str, Any]:
    problems = [e for e in eval_examples() if e.kind == "scratchpad"][:n_problems]
    record: dict[str, Any] = {
        "n": n_samples,
        "questions": [e.prompt[-1].content for e in problems],
        "answers": [e.answer for e in problems],
        "models": {},
    }
    for name in PASS_MODELS:
        model, tok = _ASSISTANTS[name]()[:2]
        rows = []
        for i, example in enumerate(problems):
            how = {
                "temperature": TEMPERATURE,
                "max_new_tokens": MAX_NEW_TOKENS,
                "seed": i,
            }
            texts = sample_replies(model, tok, example.prompt, n_samples, **how)
            ok = [judge(example, t).rules["correct"] for t in texts]
            rows.append({"correct": sum(ok), "samples": texts, "ok": ok})
        record["models"][name] = rows
    return record


def _arena_record(per_kind: int, n_battles: int) -> dict[str, Any]:
    prompts = [e for e in eval_examples(per_kind) if e.kind in ARENA_KINDS]
    replies: dict[str, list[str]] = {}
    scores: dict[str, list[float]] = {}
    for name in ARENA_MODELS:
        assistant = _ASSISTANTS[name]()
        replies[name] = [
            reply(assistant.model, assistant.tokenizer, e.prompt, max_new_tokens=64)
            for e in prompts
        ]
        scores[name] = [
            judge(e, r).score for e, r in zip(prompts, replies[name], strict=True)
        ]
    rng = random.Random(f"arena-{BATTLE_SEED}")
    battles = []
    for _ in range(n_battles):
        p = rng.randrange(len(prompts))
        a, b = rng.sample(ARENA_MODELS, 2)
        sa, sb = scores[a][p], scores[b][p]
        battles.append([p, a, b, "a" if sa > sb else "b" if sb > sa else "tie"])
    return {
        "prompts": [e.prompt[-1].content for e in prompts],
        "kinds": [e.kind for e in prompts],
        "replies": replies,
        "scores": scores,
        "battles": battles,
    }


def _contamination_record(steps: int) -> dict[str, Any]:
    reference = load_reference()
    tok = reference.tokenizer
    test, other = benchmark_sets()
    record: dict[str, Any] = {"baseline": {}, "models": {}}
    for set_name, items in (("test", test), ("other", other)):
        record["baseline"][set_name] = {
            m: score_benchmark(reference.model, tok, items, m).accuracy
            for m in ("letter", "text")
        }
    warmup = min(CONTAMINATION_TRAIN["warmup_steps"], steps // 10)
    config = TrainConfig(
        **{**CONTAMINATION_TRAIN, "steps": steps, "warmup_steps": warmup}
    )
    for name, items in (("contaminated", test), ("clean", other)):
        rng = random.Random(f"contamination-{name}")
        ids: list[int] = []
        for _ in range(CONTAMINATION_REPEATS):  # the items, shuffled anew on each pass
            order = list(items)
            rng.shuffle(order)
            for q in order:
                ids += tok.encode(f"{mc_prompt(q)} {q.letter}\n")
        data = torch.tensor(ids)
        model = copy.deepcopy(reference.model)
        result = train(model, data, data[:1024], config)
        model.eval()
        record["models"][name] = {
            "final_train_loss": round(result.final_train_loss, 4),
            **{
                set_name: {
                    m: score_benchmark(model, tok, items_, m).accuracy
                    for m in ("letter", "text")
                }
                for set_name, items_ in (("test", test), ("other", other))
            },
        }
    return record


def _sampled(quick: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    """The ``sampled`` part's records, manifest details and CPU times."""
    sizes = dict(problems=PASS_PROBLEMS, samples=N_SAMPLES, per_kind=ARENA_PER_KIND)
    sizes |= dict(battles=N_BATTLES, steps=CONTAMINATION_TRAIN["steps"])
    if quick:
        sizes = dict(problems=2, samples=4, per_kind=1, battles=20, steps=2)
    builders = {
        "pass_at_k": lambda: _pass_at_k_record(sizes["problems"], sizes["samples"]),
        "arena": lambda: _arena_record(sizes["per_kind"], sizes["battles"]),
        "contamination": lambda: _contamination_record(sizes["steps"]),
    }
    timing, made = {}, {}
    with stages(NAME, tuple(builders), enabled=not quick) as stage:
        for key, build in builders.items():
            stage(key)
            start = time.process_time()
            made[key] = build()
            timing[f"{key}_cpu_s"] = round(time.process_time() - start, 1)
    pass_record, arena, contamination = made.values()
    details = {
        "settings": {
            **sizes,
            "pass_models": list(PASS_MODELS),
            "temperature": TEMPERATURE,
            "max_new_tokens": MAX_NEW_TOKENS,
            "arena_models": list(ARENA_MODELS),
            "arena_kinds": list(ARENA_KINDS),
            "battle_seed": BATTLE_SEED,
            "contamination_repeats": CONTAMINATION_REPEATS,
            "contamination_train": {**CONTAMINATION_TRAIN, "steps": sizes["steps"]},
            "num_threads": NUM_THREADS,
        },
        "results": {
            "pass_at_1": {
                name: round(
                    sum(r["correct"] for r in rows) / (len(rows) * pass_record["n"]), 4
                )
                for name, rows in pass_record["models"].items()
            },
            "arena_mean_score": {
                name: round(sum(s) / len(s), 4) for name, s in arena["scores"].items()
            },
            "contamination": {
                name: {s: r[s]["letter"] for s in ("test", "other")}
                for name, r in contamination["models"].items()
            },
        },
    }
    return made, details, timing


def evaluate_part(
    part: str, out_dir: str | PathLike[str], *, quick: bool = False, force: bool = False
) -> dict[str, Any]:
    """Measure one part of :data:`PARTS` and write its artifact to ``out_dir``.

    Introduced in chapter 16.

    Parameters
    ----------
    part : str
        ``"benchmark"`` or ``"sampled"``.
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    quick : bool, default False
        A few questions, samples, battles and steps only: a check that the recipe runs.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    part = check_choice("part", part, PARTS)
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    quick = check_bool("quick", quick)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        if part == "benchmark":
            start = time.process_time()
            records, details = _benchmark(2 if quick else N_QUESTIONS)
            timing = {"scoring_cpu_s": round(time.process_time() - start, 1)}
        else:
            records, details, timing = _sampled(quick)
    finally:
        torch.set_num_threads(threads)
    details["environment"] = {"torch": torch.__version__}
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = {
        f"{k}.json": json.dumps(r, sort_keys=True) + "\n" for k, r in records.items()
    }
    manifest = write_artifact(
        out_dir,
        SPECS[part],
        {
            name: (lambda path, text=text: path.write_text(text, encoding="utf-8"))
            for name, text in texts.items()
        },
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_evaluation(
    part: str,
    directory: str | PathLike[str] | None = None,
    *,
    manifest_sha256: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One shipped part: its records (file name without ``.json`` -> data) and manifest.

    The benchmark's ``scores`` come back in the recipe's order (the family smallest first,
    then the assistants; the methods as in :data:`BENCHMARK_METHODS`).

    Introduced in chapter 16.

    Parameters
    ----------
    part : str
        One of :data:`PARTS`.
    directory : str or path-like, optional
        A folder written by :func:`evaluate_part`; the shipped
        ``data/evaluation/<part>`` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; the pinned one by default.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the benchmark was scored with another family.

    Examples
    --------
    >>> records, manifest = load_evaluation("sampled")
    >>> sorted(records)
    ['arena', 'contamination', 'pass_at_k']
    """
    part = check_choice("part", part, PARTS)
    directory, manifest, files = load_shipped(
        SPECS[part],
        EVALUATION_DIR / part,
        MANIFEST_SHA256[part],
        directory,
        manifest_sha256,
    )
    if (
        part == "benchmark"
        and manifest["family_manifest_sha256"] != family.MANIFEST_SHA256
    ):
        raise ValueError(
            f"the benchmark in {directory} was scored with another model family; "
            f"rerun `{SPECS[part].command}`"
        )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    records = {name.removesuffix(".json"): json.loads(b) for name, b in files.items()}
    if part == "benchmark":  # back in the recipe's order: smallest model first
        bench = records["benchmark"]
        bench["scores"] = {
            name: {m: bench["scores"][name][m] for m in bench["methods"]}
            for name in bench["models"]
        }
    return records, manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--part``, ``--out`` and ``--force`` to the recipe's parser."""
    parser.add_argument(
        "--part",
        choices=(*PARTS, "all"),
        default="all",
        help="which part to rebuild: benchmark (the family, minutes), sampled (pass@k, "
        "arena, contamination: longer) or all (default)",
    )
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Rebuild the parts asked for, print their results and manifests' SHA-256; exit 0."""
    out = output_path(args)
    for part in PARTS if args.part == "all" else (args.part,):
        manifest = evaluate_part(part, out / part, force=args.force)
        print(f"wrote {out / part}")
        print(json.dumps(manifest["results"], indent=1, sort_keys=True))
        report_manifest(
            out / part, MANIFEST_SHA256[part], EVALUATION_DIR / part, "evaluation"
        )
    return 0
