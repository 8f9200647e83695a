"""The recipe of chapter 13's measurements: ``python -m stepbytoken calibration``.

Chapter 13 asks how sure four models are of their answers, and whether they should be: the
reference model (asked in the corpus's ``Q: ... A:`` format, which it was trained on), the
assistant of chapter 8 (trained to say "I don't know." about entities nobody told it of), the
same assistant trained to guess instead (:mod:`~stepbytoken.recipes.sft_guess`), and the
preference-tuned assistant (:mod:`~stepbytoken.recipes.dpo`). For each, on

- **known** questions: held-out facts of entities the model read about in pre-training but
  never saw in instruction data, asked with held-out wordings;
- **unknown** questions: about entities the world has but its corpus never mentions;

it records the greedy answer, its confidence (the probability of the tokens written, and of
those of its answer word: :mod:`~stepbytoken.evaluation.confidence`), whether the judge counts
it right, whether it says "I don't know", and the agreement of ``K_SAMPLES`` sampled answers
with it. The summary's calibration uses the answer word's probability (``ece``), the whole
answer's (``ece_whole_answer``) and the agreement (``ece_agreement``), over the answers
that are not refusals, in :data:`N_BINS` equal-width bins. It also asks each
assistant questions with and without a passage that answers them in the prompt
(:func:`retrieval_pairs`), about entities it read of and about entities never mentioned.

Measuring takes minutes, so the package ships the results in ``data/calibration/``:
``calibration.json`` and ``manifest.json``, with ``timing.json``. Deterministic (greedy
decoding, seeded samples, one thread).
:func:`~stepbytoken.evaluation.confidence.answer_records` measures a few questions again in a
second or two, for a page to check the record live.

Introduced in chapter 13.
"""

from __future__ import annotations

import argparse
import json
import time
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_shipped,
    load_timing,
    write_artifact,
)
from stepbytoken.checks import (
    check_choice,
    check_int,
)
from stepbytoken.evaluation.calibration import (
    coverage_accuracy,
    expected_calibration_error,
)
from stepbytoken.evaluation.confidence import MAX_NEW_TOKENS, answer_records
from stepbytoken.recipes.dpo import MANIFEST_SHA256 as DPO_MANIFEST_SHA256
from stepbytoken.recipes.dpo import load_dpo
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import load_sft
from stepbytoken.recipes.sft_guess import MANIFEST_SHA256 as GUESS_MANIFEST_SHA256
from stepbytoken.recipes.sft_guess import load_sft_guess
from stepbytoken.recipes.side_by_side import base_assistant
from stepbytoken.world import make_world
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.facts import Fact
from stepbytoken.world.instructions import make_examples

__all__ = [
    "CALIBRATION_DIR",
    "CALIBRATION_SPEC",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "MODELS",
    "NAME",
    "N_BINS",
    "THRESHOLDS",
    "add_arguments",
    "load_calibration",
    "load_models",
    "measure_calibration",
    "question_sets",
    "retrieval_pairs",
    "run",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "calibration"
HELP = "measure chapter 13's confidence, calibration and countermeasures (minutes)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "calibration"

#: Folder of the shipped results inside the package.
CALIBRATION_DIR = Path(__file__).resolve().parent.parent / "data" / "calibration"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the results).
MANIFEST_SHA256 = "00a7eb7307b4a98ced1d35164c667986bfd4adab904f8197afcc3c2a0b1cba52"

RESULTS_FILE = "calibration.json"

#: What the artifact holds.
CALIBRATION_SPEC = ArtifactSpec(
    "stepbytoken-calibration", 1, (RESULTS_FILE,), "python -m stepbytoken calibration"
)

#: The models measured; ``base`` is asked in the corpus's ``Q: ... A:`` format.
MODELS = ("base", "sft", "sft_guess", "dpo")

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
N_KNOWN = 240
N_UNKNOWN = 120
QUESTION_SEED = 13
K_SAMPLES = 6
SAMPLE_SEED = 0
#: Bins of the reliability diagrams and of the ECE (equal width on [0, 1]).
N_BINS = 10
#: Thresholds of the abstention sweep.
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))
#: Questions asked with and without a passage, per split of entities.
N_RETRIEVAL = 80
NUM_THREADS = 1


def question_sets(
    n_known: int = N_KNOWN, n_unknown: int = N_UNKNOWN
) -> dict[str, list[ChatExample]]:
    """The questions measured: ``{"known": [...], "unknown": [...]}``, seeded.

    ``known``: held-out facts (entities read about in pre-training, never in instruction data)
    with held-out wordings; ``unknown``: entities the corpus never mentions.

    Introduced in chapter 13.

    Examples
    --------
    >>> sets = question_sets(2, 2)
    >>> [e.kind for e in sets["known"]], sets["unknown"][0].answer
    (['fact', 'fact'], "I don't know")
    """
    check_int("n_known", n_known, minimum=1)
    check_int("n_unknown", n_unknown, minimum=1)
    world = make_world(WORLD_SEED)
    ask = {"split": "heldout", "templates": "heldout", "seed": QUESTION_SEED}
    return {
        "known": make_examples(world, "fact", n_known, **ask),
        "unknown": make_examples(
            world, "unknown", n_unknown, **{**ask, "split": "unseen"}
        ),
    }


def load_models() -> dict[str, Any]:
    """The four models of :data:`MODELS`, each an ``Assistant`` (model, tokenizer, manifest).

    Introduced in chapter 13.
    """
    return {
        "base": base_assistant(),
        "sft": load_sft(),
        "sft_guess": load_sft_guess(),
        "dpo": load_dpo(),
    }


def retrieval_pairs(
    split: str, n: int = N_RETRIEVAL
) -> list[tuple[ChatExample, ChatExample]]:
    """Questions asked alone and with a passage that answers them (``(closed, open)``).

    The passages are those of the instruction data's ``passage`` kind (three statements,
    held-out wordings) about entities of ``split``: ``"heldout"`` (read about in
    pre-training) or ``"unseen"`` (never mentioned by the corpus); the closed question is the
    same question in the corpus's words, with nothing to read.

    Introduced in chapter 13.

    Examples
    --------
    >>> closed, opened = retrieval_pairs("unseen", 1)[0]
    >>> closed.answer == opened.answer, opened.answer in opened.prompt[0].content
    (True, True)
    """
    check_choice("split", split, ("heldout", "unseen"))
    check_int("n", n, minimum=1)
    world = make_world(WORLD_SEED)
    passages = make_examples(
        world, "passage", n, split=split, templates="heldout", seed=QUESTION_SEED
    )
    return [
        (
            ChatExample(
                "fact",
                (Message("user", Fact(e.entities[0], e.relation, "").question()),),
                e.reply,
                e.answer,
                None,
                "closed",
                e.entities,
                relation=e.relation,
            ),
            e,
        )
        for e in passages
    ]


def _share(values: list[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _summary(records: dict[str, list[dict]]) -> dict[str, Any]:
    """Shares and calibration; confidence is that of the answer word (``pw``)."""
    known, unknown = records["known"], records["unknown"]
    answered = [r for r in known if not r["idk"]]
    right = [r["ok"] for r in answered]
    made_up = [r["pw"] for r in unknown if not r["idk"]]

    def ece(key: str) -> float:
        conf = [r[key] for r in answered]
        return round(expected_calibration_error(conf, right, n_bins=N_BINS), 4)

    curve = coverage_accuracy(
        [r["pw"] for r in known],
        [r["ok"] for r in known],
        [0.5],
        abstained=[r["idk"] for r in known],
    )[0]
    conf = [r["pw"] for r in answered]
    return {
        "n_known": len(known),
        "n_unknown": len(unknown),
        "accuracy_known": _share([r["ok"] for r in known]),
        "refused_known": _share([r["idk"] for r in known]),
        "refused_unknown": _share([r["idk"] for r in unknown]),
        "confident_unknown": _share([not r["idk"] and r["pw"] > 0.5 for r in unknown]),
        "mean_confidence_known": round(sum(conf) / len(conf), 4) if conf else None,
        "mean_confidence_unknown": round(sum(made_up) / len(made_up), 4)
        if made_up
        else None,
        "ece": ece("pw"),
        "ece_whole_answer": ece("p"),
        "ece_agreement": ece("agree"),
        "coverage_at_0.5": round(curve.coverage, 4),
        "accuracy_at_0.5": None if curve.accuracy is None else round(curve.accuracy, 4),
    }


def measure_calibration(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Measure the four models and write the artifact to ``out_dir``.

    Introduced in chapter 13.

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
    models = load_models()
    sets = question_sets()
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    results: dict[str, Any] = {"models": {}, "retrieval": {}}
    try:
        for name in MODELS:
            model, tok, _ = models[name]
            results["models"][name] = {
                part: answer_records(
                    model, tok, examples, chat=name != "base", k_samples=K_SAMPLES
                )
                for part, examples in sets.items()
            }
        for name in MODELS[1:]:
            model, tok, _ = models[name]
            results["retrieval"][name] = {}
            for split in ("heldout", "unseen"):
                pairs = retrieval_pairs(split)
                results["retrieval"][name][split] = {
                    "closed": answer_records(model, tok, [c for c, _ in pairs]),
                    "open": answer_records(model, tok, [o for _, o in pairs]),
                }
    finally:
        torch.set_num_threads(threads)
    timing = {"cpu_s": round(time.process_time() - cpu_start, 1)}
    text = json.dumps(results, sort_keys=True) + "\n"
    summary = {name: _summary(r) for name, r in results["models"].items()}
    for name, by_split in results["retrieval"].items():
        summary[name]["retrieval"] = {
            split: {
                "n": len(r["closed"]),
                "closed_accuracy": _share([x["ok"] for x in r["closed"]]),
                "open_accuracy": _share([x["ok"] for x in r["open"]]),
                "closed_refused": _share([x["idk"] for x in r["closed"]]),
                "open_refused": _share([x["idk"] for x in r["open"]]),
            }
            for split, r in by_split.items()
        }
    details = {
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "sft_guess_manifest_sha256": GUESS_MANIFEST_SHA256,
        "dpo_manifest_sha256": DPO_MANIFEST_SHA256,
        "settings": {
            "world_seed": WORLD_SEED,
            "n_known": N_KNOWN,
            "n_unknown": N_UNKNOWN,
            "question_seed": QUESTION_SEED,
            "k_samples": K_SAMPLES,
            "sample_seed": SAMPLE_SEED,
            "n_bins": N_BINS,
            "max_new_tokens": MAX_NEW_TOKENS,
            "n_retrieval": N_RETRIEVAL,
            "num_threads": NUM_THREADS,
        },
        "results": summary,
        "environment": {"torch": torch.__version__},
    }
    manifest = write_artifact(
        out_dir,
        CALIBRATION_SPEC,
        {RESULTS_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_calibration(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped measurements and the manifest (whose ``results`` summarise them).

    The measurements hold ``models`` (per model of :data:`MODELS`, ``known`` and
    ``unknown``: one record per question, as
    :func:`~stepbytoken.evaluation.confidence.answer_records` writes them, with
    ``agree``) and ``retrieval`` (per assistant and split of entities, ``heldout`` and
    ``unseen``: ``closed`` and ``open``, records of the same questions without and with a
    passage that answers them).

    Introduced in chapter 13.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the measurements were made on other models.

    Examples
    --------
    >>> results, manifest = load_calibration()
    >>> sorted(results["models"]), len(results["models"]["sft"]["known"])
    (['base', 'dpo', 'sft', 'sft_guess'], 240)
    """
    directory, manifest, files = load_shipped(
        CALIBRATION_SPEC, CALIBRATION_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    recorded = (
        manifest["sft_manifest_sha256"],
        manifest["sft_guess_manifest_sha256"],
        manifest["dpo_manifest_sha256"],
    )
    if recorded != (SFT_MANIFEST_SHA256, GUESS_MANIFEST_SHA256, DPO_MANIFEST_SHA256):
        raise ValueError(
            f"the measurements in {directory} were made on other models; "
            f"rerun `{CALIBRATION_SPEC.command}`"
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
    manifest = measure_calibration(out, force=args.force)
    print(f"wrote {out} ({manifest['results']['cpu_s']:.0f} s of CPU time)")
    for name in MODELS:
        row = manifest["results"][name]
        print(
            f"{name:<10} known: right {row['accuracy_known']:.1%}, refused "
            f"{row['refused_known']:.1%}, ECE {row['ece']:.3f} (whole answer "
            f"{row['ece_whole_answer']:.3f}, agreement {row['ece_agreement']:.3f}); "
            f"unknown: refused {row['refused_unknown']:.1%}, "
            f"confident made-up answers {row['confident_unknown']:.1%}"
        )
        for split, r in row.get("retrieval", {}).items():
            print(
                f"{'':<10} {split} entities: {r['closed_accuracy']:.1%} right without a "
                f"passage, {r['open_accuracy']:.1%} with it (n = {r['n']})"
            )
    report_manifest(out, MANIFEST_SHA256, CALIBRATION_DIR, "calibration")
    return 0
