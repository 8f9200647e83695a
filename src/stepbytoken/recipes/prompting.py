"""The recipe of chapter 12's measurements: ``python -m stepbytoken prompting``.

Four measurements on the base (reference) model, and one on the assistant of chapter 8:

- **few-shot**: held-out people's facts (home, age, colour, job, pet, parents), asked in
  the four :data:`~stepbytoken.generation.prompting.FACT_WORDINGS` after ``k`` solved
  examples about training people, for each ``k`` of :data:`KS` whose prompts fit the
  context; scored by the greedy answer, and for :data:`CHOICE_WORDINGS` also by the
  likeliest of the relation's answers;
- **orders**: the same ``k = 4`` examples in :data:`N_ORDERS` orders, for every wording;
- **chain of thought**: every sum and difference of one-digit numbers, asked for the answer
  at once (``A:``) or for the corpus's worked steps first (``Think:``); and held-out
  scratchpad problems for the assistant, with its steps or with ``Answer:`` written for it;
- **self-consistency**: :data:`SAMPLES` answers sampled per sum at :data:`TEMPERATURE`,
  with and without steps, and the majority vote of the first ``m`` for each ``m`` of
  :data:`VOTES`.

Every point keeps one example prompt and the model's answer, for the book's interactive
figure. Measuring takes minutes, so the package ships the results in ``data/prompting/``
(``results.json``, ``manifest.json``, ``timing.json``).

Introduced in chapter 12.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
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
from stepbytoken.artifacts.reference import MANIFEST_SHA256 as REFERENCE_SHA256
from stepbytoken.evaluation.judge import final_answer
from stepbytoken.evaluation.prompting import (
    ANSWER_TOKENS,
    Accuracy,
    accuracy,
    answer_after,
    complete,
    few_shot_accuracy,
    first_line,
    sample_completions,
    vote_accuracy,
)
from stepbytoken.generation.generate import generate
from stepbytoken.generation.prompting import (
    ARITHMETIC_WORDINGS,
    FACT_WORDINGS,
    Wording,
    arithmetic_problems,
    examples_for,
    fact_pools,
    few_shot_prompt,
    orders,
)
from stepbytoken.nn import GPT
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_SHA256
from stepbytoken.recipes.sft import load_sft
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.tokenizers.chat import END, chat_prompt, message_text
from stepbytoken.world import make_world
from stepbytoken.world.instructions import make_examples

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "KS",
    "MANIFEST_SHA256",
    "NAME",
    "RESULTS_DIR",
    "RESULTS_SPEC",
    "VOTES",
    "add_arguments",
    "CHOICE_WORDINGS",
    "load_prompting",
    "measure_prompting",
    "run",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "prompting"
HELP = (
    "measure chapter 12's few-shot, wording, order, chain-of-thought and voting curves"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "prompting"

#: Folder of the shipped results inside the package.
RESULTS_DIR = Path(__file__).resolve().parent.parent / "data" / "prompting"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``results.json``).
MANIFEST_SHA256 = "b10b587936a0e83b3901b3a46d1487b24a83f73774b2c5a02e94087eaec74173"

RESULTS_FILE = "results.json"

#: What the artifact holds.
RESULTS_SPEC = ArtifactSpec(
    "stepbytoken-prompting", 1, (RESULTS_FILE,), "python -m stepbytoken prompting"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
#: Numbers of solved examples before the question.
KS = (0, 1, 2, 4, 8)
#: Wordings also scored by choice (the likeliest answer): those whose answers the model
#: does not write, to see whether it still knows them.
CHOICE_WORDINGS = ("bare", "arrow")
ORDER_K = 4
N_ORDERS = 6
THINK_TOKENS = 40  # room for a one-digit sum's worked steps and answer
#: Sampled answers per problem, and the numbers of them that vote.
SAMPLES = 15
VOTES = (1, 3, 5, 9, 15)
TEMPERATURE = 0.8
SAMPLE_SEED = 12
N_SCRATCHPAD = 120
SCRATCHPAD_SEED = 5
NUM_THREADS = 1


def _fits(tok: BPETokenizer, prompts: Sequence[str], block_size: int) -> bool:
    return max(len(tok.encode(p)) for p in prompts) + ANSWER_TOKENS <= block_size


def _record(acc: Accuracy) -> dict[str, Any]:
    return {
        "correct": acc.correct,
        "n": acc.n,
        "value": round(acc.value, 4),
        "low": round(acc.low, 4),
        "high": round(acc.high, 4),
    }


def _example(prompt: str, answer: str, gold: str) -> dict[str, str]:
    return {"prompt": prompt, "answer": answer, "gold": gold}


def _few_shot(model: GPT, tok: BPETokenizer) -> dict[str, list[dict]]:
    questions, pool = fact_pools()
    curves: dict[str, list[dict]] = {}
    for k in KS:
        examples = examples_for(questions, pool, k)
        for w in FACT_WORDINGS:
            prompts = [
                few_shot_prompt(w, ex, q)
                for q, ex in zip(questions, examples, strict=True)
            ]
            if not _fits(tok, prompts, model.block_size):
                continue
            row: dict[str, Any] = {"k": k}
            methods = ("greedy", "choice") if w.name in CHOICE_WORDINGS else ("greedy",)
            for method in methods:
                acc, shown, answers = few_shot_accuracy(
                    model, tok, w.name, k, method=method
                )
                row[method] = _record(acc)
                if method == "greedy":
                    row["example"] = _example(shown[0], answers[0], questions[0].answer)
            curves.setdefault(w.name, []).append(row)
    return curves


def _orders(model: GPT, tok: BPETokenizer) -> dict[str, Any]:
    questions, pool = fact_pools()
    examples = examples_for(questions, pool, ORDER_K)
    perms = orders(ORDER_K, N_ORDERS, seed=0)
    table: dict[str, list[dict]] = {}
    for w in FACT_WORDINGS:
        for perm in perms:
            prompts = [
                few_shot_prompt(w, [ex[j] for j in perm], q)
                for q, ex in zip(questions, examples, strict=True)
            ]
            answers = [first_line(t) for t in complete(model, tok, prompts)]
            hits = [a == q.answer for a, q in zip(answers, questions, strict=True)]
            table.setdefault(w.name, []).append(
                {
                    "order": list(perm),
                    "greedy": _record(accuracy(hits)),
                    "example": _example(prompts[0], answers[0], questions[0].answer),
                }
            )
    return {"k": ORDER_K, "wordings": table}


def _read(wording: Wording, text: str) -> str:
    return answer_after(text) if wording.name == "think" else first_line(text)


def _chain_of_thought(model: GPT, tok: BPETokenizer) -> dict[str, Any]:
    problems = arithmetic_problems()
    gold = [p.answer for p in problems]
    out: dict[str, Any] = {}
    for w in ARITHMETIC_WORDINGS:
        prompts = [few_shot_prompt(w, [], p) for p in problems]
        room = THINK_TOKENS if w.name == "think" else ANSWER_TOKENS
        texts = complete(model, tok, prompts, max_new_tokens=room)
        answers = [_read(w, t) for t in texts]
        hits = [a == g for a, g in zip(answers, gold, strict=True)]
        samples = [
            [
                _read(w, t)
                for t in sample_completions(
                    model,
                    tok,
                    prompt,
                    SAMPLES,
                    max_new_tokens=room,
                    temperature=TEMPERATURE,
                    seed=SAMPLE_SEED + i,
                )
            ]
            for i, prompt in enumerate(prompts)
        ]
        votes = vote_accuracy(samples, gold, VOTES)
        shown = 75  # 7 + 5, whose working carries
        out[w.name] = {
            "greedy": _record(accuracy(hits)),
            "example": _example(prompts[75], texts[75], gold[75]),
            "votes": [
                {
                    "m": m,
                    **_record(acc),
                    "example": {
                        "prompt": prompts[shown],
                        "answers": samples[shown][:m],
                        "gold": gold[shown],
                    },
                }
                for m, acc in zip(VOTES, votes, strict=True)
            ],
        }
    return out


def _scratchpad(model: GPT, tok: BPETokenizer) -> dict[str, Any]:
    """The assistant on held-out scratchpad problems, with its steps or told to answer."""
    examples = make_examples(
        make_world(WORLD_SEED),
        "scratchpad",
        N_SCRATCHPAD,
        split="heldout",
        templates="heldout",
        seed=SCRATCHPAD_SEED,
    )
    end = tok.special_id(END)
    table: dict[str, Any] = {}
    for mode, prefill in (("think", ""), ("direct", " Answer:")):
        hits: dict[str, list[bool]] = {"sum": [], "two-step": []}
        shown: dict[str, dict[str, str]] = {}
        prompts = [
            chat_prompt(tok, e.prompt) + tok.encode_ordinary(prefill) for e in examples
        ]
        by_length: dict[int, list[int]] = {}
        for i, ids in enumerate(prompts):
            by_length.setdefault(len(ids), []).append(i)
        texts = [""] * len(prompts)
        for length, rows in by_length.items():
            batch = torch.tensor([prompts[i] for i in rows])  # (B, T)
            out = generate(model, batch, 64, greedy=True, stop_token=end)
            for i, new in zip(rows, out[:, length:].tolist(), strict=True):
                texts[i] = prefill.strip() + message_text(tok, new)
        for e, text in zip(examples, texts, strict=True):
            kind = "sum" if e.template.startswith("arith") else "two-step"
            hits[kind].append(final_answer(text) == e.answer)
            shown.setdefault(kind, _example(e.prompt[0].content, text, e.answer))
        table[mode] = {
            kind: {**_record(accuracy(h)), "example": shown[kind]}
            for kind, h in hits.items()
        }
    return table


def measure_prompting(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Measure the reference model and the assistant, and write the artifact to ``out_dir``.

    Introduced in chapter 12.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    ref = load_reference()
    sft = load_sft()
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    parts = {
        "few_shot": lambda: _few_shot(ref.model, ref.tokenizer),
        "orders": lambda: _orders(ref.model, ref.tokenizer),
        "chain_of_thought": lambda: _chain_of_thought(ref.model, ref.tokenizer),
        "scratchpad": lambda: _scratchpad(sft.model, sft.tokenizer),
    }
    results: dict[str, Any] = {}
    timing: dict[str, float] = {}
    try:
        for name, measure in parts.items():
            start = time.process_time()
            results[name] = measure()
            timing[f"{name}_cpu_s"] = round(time.process_time() - start, 1)
    finally:
        torch.set_num_threads(threads)
    timing["cpu_s"] = round(time.process_time() - cpu_start, 1)
    text = json.dumps(results, sort_keys=True) + "\n"
    summary = {
        "few_shot": {
            name: {str(r["k"]): r["greedy"]["value"] for r in rows}
            for name, rows in results["few_shot"].items()
        },
        "chain_of_thought": {
            name: {
                "greedy": r["greedy"]["value"],
                "votes": {str(v["m"]): v["value"] for v in r["votes"]},
            }
            for name, r in results["chain_of_thought"].items()
        },
    }
    details = {
        "reference_manifest_sha256": REFERENCE_SHA256,
        "sft_manifest_sha256": SFT_SHA256,
        "settings": {
            "world_seed": WORLD_SEED,
            "ks": list(KS),
            "choice_wordings": list(CHOICE_WORDINGS),
            "order_k": ORDER_K,
            "n_orders": N_ORDERS,
            "samples": SAMPLES,
            "votes": list(VOTES),
            "temperature": TEMPERATURE,
            "sample_seed": SAMPLE_SEED,
            "n_scratchpad": N_SCRATCHPAD,
            "num_threads": NUM_THREADS,
        },
        "results": summary,
        "environment": {"torch": torch.__version__},
    }
    manifest = write_artifact(
        out_dir,
        RESULTS_SPEC,
        {RESULTS_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_prompting(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped measurements and the manifest.

    ``few_shot`` maps each wording to its points (``k``, the ``greedy`` accuracy, and the
    ``choice`` accuracy for :data:`CHOICE_WORDINGS`, with ``low``/``high`` bounds, one
    ``example``); ``orders`` holds ``k`` and,
    per wording, one point per order; ``chain_of_thought`` maps ``direct`` and ``think`` to
    the ``greedy`` accuracy and the ``votes`` curve; ``scratchpad`` the assistant's
    ``think``/``direct`` accuracy on ``sum`` and ``two-step`` problems.

    Introduced in chapter 12.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the measurements were made on other models.

    Examples
    --------
    >>> results, manifest = load_prompting()
    >>> sorted(results["chain_of_thought"])
    ['direct', 'think']
    """
    directory, manifest, files = load_shipped(
        RESULTS_SPEC, RESULTS_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    recorded = (manifest["reference_manifest_sha256"], manifest["sft_manifest_sha256"])
    if recorded != (REFERENCE_SHA256, SFT_SHA256):
        raise ValueError(
            f"the measurements in {directory} were made on other models; "
            f"rerun `{RESULTS_SPEC.command}`"
        )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return json.loads(files[RESULTS_FILE]), manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Measure, write the files, print the summary and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = measure_prompting(out, force=args.force)
    print(f"wrote {out} ({manifest['results']['cpu_s']:.0f} s of CPU time)")
    for name, row in manifest["results"]["few_shot"].items():
        points = "  ".join(f"k={k}: {v:.0%}" for k, v in row.items())
        print(f"few-shot {name:<9} {points}")
    for name, row in manifest["results"]["chain_of_thought"].items():
        ms = sorted(row["votes"], key=int)
        votes = "  ".join(f"m={m}: {row['votes'][m]:.0%}" for m in ms)
        print(f"{name:<6} greedy {row['greedy']:.0%}  votes {votes}")
    report_manifest(out, MANIFEST_SHA256, RESULTS_DIR, "prompting")
    return 0
