"""The recipe of chapter 9's measurements: ``python -m stepbytoken memory-curves``.

Chapter 9 measures what two assistants remember: the shipped assistant of chapter 8
(:func:`~stepbytoken.recipes.sft.load_sft`) and the one fine-tuned on recall conversations
(:func:`~stepbytoken.recipes.memory.load_memory`). Three measurements, each on held-out
phantoms and entities (:mod:`~stepbytoken.world.memory_tasks`):

- **distance**: conversations with 0 to 8 questions between a told fact and the question
  about it; per conversation, the fact's distance in tokens from the end of the prompt and
  whether the model recalled it, by choosing among the 16 towns and by greedy generation
  (:func:`~stepbytoken.evaluation.memory.recall`);
- **strategies**: conversations of about 220 tokens (two questions, the fact, six questions,
  the question about the fact), shortened to 112 tokens by each strategy of
  :mod:`~stepbytoken.generation.context` (or cropped by the window alone); whether the fact
  survived, whether it was recalled, and whether the latest question (the sixth) was
  answered right;
- **needle**: passages of 5 or 9 people's homes with the asked one at each position
  (lost in the middle).

Measuring takes minutes, so the package ships the results in ``data/memory_curves/``:
``curves.json`` and ``manifest.json``, with ``timing.json``. The recipe is deterministic
(greedy decoding, one thread).

Introduced in chapter 9.
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
from stepbytoken.evaluation.memory import recall
from stepbytoken.generation.context import STRATEGIES
from stepbytoken.nn import GPT
from stepbytoken.recipes.memory import MANIFEST_SHA256 as MEMORY_MANIFEST_SHA256
from stepbytoken.recipes.memory import load_memory
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import load_sft
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.world import make_world, needle_examples, recall_examples
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.entity_split import split_entities
from stepbytoken.world.instructions import make_examples

__all__ = [
    "BUDGET",
    "CURVES_DIR",
    "CURVES_SPEC",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "add_arguments",
    "load_memory_curves",
    "measure_memory",
    "run",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "memory-curves"
HELP = "measure chapter 9's recall curves, context strategies and lost-in-the-middle (minutes)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "memory_curves"

#: Folder of the shipped results inside the package.
CURVES_DIR = Path(__file__).resolve().parent.parent / "data" / "memory_curves"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``curves.json``).
MANIFEST_SHA256 = "82ee752b189ddeeac2f24a167c637e09841b435d0f085b257908c87987981878"

CURVES_FILE = "curves.json"

#: What the artifact holds.
CURVES_SPEC = ArtifactSpec(
    "stepbytoken-memory-curves",
    1,
    (CURVES_FILE,),
    "python -m stepbytoken memory-curves",
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
FILLERS = tuple(range(9))  # questions between the fact and the question (distance)
PER_FILLER = 24
DISTANCE_SEED = 1
LONG_BEFORE, LONG_AFTER = 2, 6  # questions before and after the fact (strategies)
N_LONG = 40
LONG_SEED = 3
#: Tokens the strategies may keep: 128 less room for the answer.
BUDGET = 112
DISTRACTORS = (4, 8)  # other people in a needle passage
PER_POSITION = 40
NEEDLE_SEED = 4
NUM_THREADS = 1


def _latest(world: Any, longs: list[ChatExample]) -> list[ChatExample]:
    """Each long conversation cut after its last filler question, with that question's gold.

    The filler questions are regenerated exactly as ``recall_examples`` made them.
    """
    fillers = make_examples(
        world,
        "fact",
        N_LONG * (LONG_BEFORE + LONG_AFTER),
        split="heldout",
        seed=LONG_SEED,
        entities=split_entities(world),
    )
    gold = {f.prompt[-1].content: f for f in fillers}
    latest = []
    for example in longs:
        asked = gold[example.prompt[-3].content]  # the last filler question
        latest.append(
            ChatExample(
                "fact",
                example.prompt[:-2],
                (example.prompt[-2],),
                asked.answer,
                None,
                "latest",
                asked.entities,
                relation=asked.relation,
            )
        )
    return latest


def _share(values: list[bool]) -> float:
    return round(sum(values) / len(values), 4)


def _distance(model: GPT, tok: BPETokenizer, homes: list[str]) -> list[dict]:
    world = make_world(WORLD_SEED)
    examples = [
        e
        for n in FILLERS
        for e in recall_examples(
            world, PER_FILLER, n, split="heldout", seed=DISTANCE_SEED
        )
    ]
    chosen = recall(model, tok, examples, candidates=homes)
    written = recall(model, tok, examples, method="generate")
    return [
        {
            "n_filler": (len(e.prompt) - 3) // 2,
            "distance": c.distance,
            "choice": c.correct,
            "generate": g.correct,
            "answer": g.answer,
        }
        for e, c, g in zip(examples, chosen, written, strict=True)
    ]


def _strategies(model: GPT, tok: BPETokenizer) -> dict[str, dict[str, float]]:
    world = make_world(WORLD_SEED)
    longs = recall_examples(
        world,
        N_LONG,
        LONG_AFTER,
        n_before=LONG_BEFORE,
        split="heldout",
        seed=LONG_SEED,
    )
    latest = _latest(world, longs)

    def shorten(example: ChatExample, name: str) -> ChatExample:
        if name == "window only":
            return example  # generation keeps the last block_size tokens
        prompt = STRATEGIES[name](tok, example.prompt, BUDGET)
        return ChatExample(
            example.kind,
            prompt,
            example.reply,
            example.answer,
            None,
            example.template,
            example.entities,
            relation=example.relation,
        )

    table = {}
    for name in ("window only", *STRATEGIES):
        fact = recall(model, tok, [shorten(e, name) for e in longs], method="generate")
        last = recall(model, tok, [shorten(e, name) for e in latest], method="generate")
        table[name] = {
            "fact_kept": _share(
                [r.distance is not None and r.distance <= BUDGET for r in fact]
            ),
            "recall": _share([r.correct for r in fact]),
            "latest": _share([r.correct for r in last]),
        }
    return table


def _needle(model: GPT, tok: BPETokenizer, homes: list[str]) -> dict[str, list[dict]]:
    world = make_world(WORLD_SEED)
    table = {}
    for n_distractors in DISTRACTORS:
        rows = []
        for position in range(n_distractors + 1):
            examples = needle_examples(
                world,
                PER_POSITION,
                n_distractors,
                position,
                split="heldout",
                seed=NEEDLE_SEED,
            )
            chosen = recall(model, tok, examples, candidates=homes)
            written = recall(model, tok, examples, method="generate")
            rows.append(
                {
                    "position": position,
                    "distance": round(sum(r.distance for r in chosen) / len(chosen), 1),
                    "choice": _share([r.correct for r in chosen]),
                    "generate": _share([r.correct for r in written]),
                }
            )
        table[str(n_distractors)] = rows
    return table


def measure_memory(
    out_dir: str | PathLike[str], *, force: bool = False
) -> dict[str, Any]:
    """Measure both assistants and write the artifact to ``out_dir``.

    Introduced in chapter 9.

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
    facts = split_entities(make_world(WORLD_SEED)).facts["train"]
    homes = sorted({f.object for f in facts if f.relation == "home"})
    models = {"sft": load_sft(), "memory": load_memory()}
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    curves: dict[str, Any] = {}
    try:
        for name, (model, tok, _) in models.items():
            curves[name] = {
                "distance": _distance(model, tok, homes),
                "strategies": _strategies(model, tok),
                "needle": _needle(model, tok, homes),
            }
    finally:
        torch.set_num_threads(threads)
    timing = {"cpu_s": round(time.process_time() - cpu_start, 1)}
    text = json.dumps(curves, sort_keys=True) + "\n"
    details = {
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "memory_manifest_sha256": MEMORY_MANIFEST_SHA256,
        "settings": {
            "world_seed": WORLD_SEED,
            "fillers": list(FILLERS),
            "per_filler": PER_FILLER,
            "candidates": homes,
            "long": [LONG_BEFORE, LONG_AFTER, N_LONG],
            "budget": BUDGET,
            "distractors": list(DISTRACTORS),
            "per_position": PER_POSITION,
            "num_threads": NUM_THREADS,
        },
        "results": {
            name: {
                "strategies": c["strategies"],
                "recall_inside_window": _share(
                    [r["generate"] for r in c["distance"] if r["distance"] <= BUDGET]
                ),
                "recall_past_window": _share(
                    [r["generate"] for r in c["distance"] if r["distance"] > 128]
                ),
            }
            for name, c in curves.items()
        },
        "environment": {"torch": torch.__version__},
    }
    manifest = write_artifact(
        out_dir,
        CURVES_SPEC,
        {CURVES_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_memory_curves(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped measurements (``{"sft": ..., "memory": ...}``) and the manifest.

    Each model's entry holds ``distance`` (one record per conversation: ``n_filler``,
    ``distance``, ``choice``, ``generate``, ``answer``), ``strategies`` (per strategy:
    ``fact_kept``, ``recall``, ``latest``) and ``needle`` (per number of distractors, one
    record per position: ``position``, ``distance``, ``choice``, ``generate``).

    Introduced in chapter 9.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the measurements were made on other models.

    Examples
    --------
    >>> curves, manifest = load_memory_curves()
    >>> sorted(curves), sorted(curves["memory"]["strategies"])
    (['memory', 'sft'], ['sliding window', 'summarise', 'truncate', 'window only'])
    """
    directory, manifest, files = load_shipped(
        CURVES_SPEC, CURVES_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    recorded = (manifest["sft_manifest_sha256"], manifest["memory_manifest_sha256"])
    if recorded != (SFT_MANIFEST_SHA256, MEMORY_MANIFEST_SHA256):
        raise ValueError(
            f"the measurements in {directory} were made on other models; "
            f"rerun `{CURVES_SPEC.command}`"
        )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return json.loads(files[CURVES_FILE]), manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Measure, write the files, print the summary and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = measure_memory(out, force=args.force)
    print(f"wrote {out} ({manifest['results']['cpu_s']:.0f} s of CPU time)")
    for name in ("sft", "memory"):
        row = manifest["results"][name]
        print(
            f"{name}: recall inside the window {row['recall_inside_window']:.1%}, "
            f"past it {row['recall_past_window']:.1%}"
        )
        for strategy, r in row["strategies"].items():
            print(
                f"  {strategy:<15} fact kept {r['fact_kept']:.0%}  recall {r['recall']:.1%}"
                f"  latest question {r['latest']:.1%}"
            )
    report_manifest(out, MANIFEST_SHA256, CURVES_DIR, "memory_curves")
    return 0
