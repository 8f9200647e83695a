"""The recipe of chapter 8's constitutional AI: ``python -m stepbytoken train constitution``.

Constitutional AI (Bai et al., 2022) in its two stages, with the constitution of
:mod:`~stepbytoken.evaluation.constitution` and a program as the critic (the book's models are
far too small to critique anything, their own answers included):

1. **Critique and revision** (the paper's section 3). The shipped assistant answers prompts of
   training entities and wordings at temperature 1; an answer that breaks a principle is
   revised by drawing :data:`REVISION_DRAWS` new ones and keeping the first the constitution
   accepts (:func:`~stepbytoken.evaluation.constitution.revise`; prompts with none are
   dropped). The assistant is fine-tuned on the answers kept and, as the paper mixes in
   helpful samples, on its own answers to tool prompts, with pre-training text replayed.
2. **AI feedback** (section 4). For other training prompts, the stage-1 model answers twice,
   the constitution labels the pair (:func:`~stepbytoken.evaluation.constitution.prefer`; ties
   are dropped), and DPO trains the stage-1 model on the pairs against a frozen copy of itself.

Then the assistant and both stages are measured on the assistant's held-out examples
(:func:`~stepbytoken.recipes.sft.eval_examples`): each principle's violation rate on greedy and
on sampled answers (:data:`KINDS`), and the gold judge's grades, correctness included. The
package ships the stage-2 model and the manifest of every count and measurement in
``data/constitution/``; :func:`load_constitution` checks them against :data:`MANIFEST_SHA256`.

Introduced in chapter 8.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import platform
import statistics
import time
from collections.abc import Iterable, Sequence
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
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool
from stepbytoken.evaluation.assistant import grade, summarise
from stepbytoken.evaluation.best_of_n import sample_replies
from stepbytoken.evaluation.constitution import (
    CONSTITUTION,
    critique,
    prefer,
    revise,
    violation_rates,
)
from stepbytoken.generation.chat import assistant_turn
from stepbytoken.nn import GPT
from stepbytoken.recipes import dpo, sft
from stepbytoken.recipes.model_widths import shipped_gpt
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import reference_corpus
from stepbytoken.tokenizers import BPETokenizer, encode_chat
from stepbytoken.tokenizers.chat import END, ChatEncoding
from stepbytoken.training import TrainConfig, TrainResult, fine_tune, train_dpo
from stepbytoken.world import make_world
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.instructions import make_examples
from stepbytoken.world.tools import has_call

__all__ = [
    "CONSTITUTION_DIR",
    "CONSTITUTION_SPEC",
    "DEFAULT_OUT",
    "DPO_ARGS",
    "HELP",
    "KINDS",
    "MANIFEST_SHA256",
    "NAME",
    "REVISION_DRAWS",
    "SFT_ARGS",
    "add_arguments",
    "load_constitution",
    "run",
    "train_constitution",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train constitution"
HELP = "constitutional AI: critique and revision, then AI feedback (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "constitution"

#: Folder of the shipped model inside the package.
CONSTITUTION_DIR = Path(__file__).resolve().parent.parent / "data" / "constitution"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "946641a2e2dfcb782a5504336070dd5a495f196348d7cfec70d7e4ee22f5e5ef"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
CONSTITUTION_SPEC = ArtifactSpec(
    "stepbytoken-constitution", 1, (MODEL_FILE,), f"python -m stepbytoken {NAME}"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
#: The kinds answered in one message (tool answers depend on what the tools return).
KINDS = ("fact", "format", "passage", "scratchpad", "unknown")
#: Stage 1's prompts per kind (training entities and wordings), most where the assistant's
#: sampled answers break a principle: the formatting rule (format), the length (scratchpad).
REVISION_PROMPTS = dict(fact=40, format=240, passage=40, scratchpad=60, unknown=40)
REVISION_SEED = 11
REVISION_DRAWS = 8  # new answers drawn in one batch when the first breaks a principle
#: Tool prompts the assistant answers with its tools (greedy) in stage 1: the paper mixes
#: helpful samples into the revisions, and tool use would be forgotten without them.
TOOL_PROMPTS = 40
#: Stage 2's prompts per kind (other prompts of training entities and wordings).
FEEDBACK_PROMPTS = dict(format=320, scratchpad=80)
FEEDBACK_SEED = 12
TEMPERATURE = 1.0
MAX_NEW_TOKENS = 48
EVAL_PER_KIND = sft.EVAL_PER_KIND  # held-out examples per kind
EVAL_SAMPLES = 4  # answers sampled per held-out prompt
SAMPLING = dict(temperature=TEMPERATURE, max_new_tokens=MAX_NEW_TOKENS)
NUM_THREADS = 1
#: Stage 1 fine-tunes as the assistant's recipe did, shorter and gentler.
SFT_ARGS = sft.TRAIN_ARGS | dict(steps=150, lr=3e-4, min_lr=3e-5, warmup_steps=10)
SFT_ARGS["eval_every"] = None
#: Stage 2 trains as the DPO recipe did, with fewer steps (it has fewer pairs).
DPO_ARGS = {**dpo.TRAIN_ARGS, "steps": 100}


def _prompts(counts: dict[str, int], seed: int) -> list[ChatExample]:
    """Examples of training entities and wordings, ``counts[kind]`` of each kind."""
    world = make_world(WORLD_SEED)
    return [e for k, n in counts.items() for e in make_examples(world, k, n, seed=seed)]


def _progress(items: Sequence[Any], desc: str, enabled: bool) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm.auto import tqdm  # imported only when asked for

    return tqdm(items, desc=desc, unit="prompt")


def _tally(
    examples: list[ChatExample], outcomes: list[str], labels: tuple[str, ...]
) -> dict[str, Any]:
    """How many prompts had each outcome of ``labels``, in all and per kind."""
    kinds = dict.fromkeys(e.kind for e in examples)
    pairs = list(zip((e.kind for e in examples), outcomes, strict=True))
    return {
        "prompts": len(outcomes),
        **{label: outcomes.count(label) for label in labels},
        "by_kind": {k: {lb: pairs.count((k, lb)) for lb in labels} for k in kinds},
    }


def _encode(tok: BPETokenizer, examples: list[ChatExample]) -> list[ChatEncoding]:
    return [encode_chat(tok, e.messages) for e in examples]


def _revision_stage(
    assistant: sft.Assistant,
    prompts: list[ChatExample],
    replay: torch.Tensor,
    config: TrainConfig,
    progress: bool,
) -> tuple[GPT, dict[str, Any], TrainResult]:
    """Stage 1: critique and revision, then fine-tuning on the answers kept."""
    model, tok = assistant.model, assistant.tokenizer
    tool_turns, box = [], sft.eval_toolbox()  # the assistant's own turns, tools run
    for e in _prompts({"tool": TOOL_PROMPTS}, REVISION_SEED):
        turn = assistant_turn(model, tok, e.prompt, box)
        answer = turn[-1].content
        if answer.strip() and not has_call(answer) and not critique(e, answer):
            tool_turns.append(dataclasses.replace(e, reply=turn))
    done = [  # revise draws with seeds 2 * i and 2 * i + 1
        revise(model, tok, e, draws=REVISION_DRAWS, seed=2 * i, **SAMPLING)
        for i, e in enumerate(_progress(prompts, "critique and revision", progress))
    ]
    outcomes = [
        "dropped" if r.revision is None else "accepted" if r.draws == 1 else "revised"
        for r in done
    ]
    kept = tool_turns + [
        e.with_final(r.revision)
        for e, r in zip(prompts, done, strict=True)
        if r.revision
    ]
    limit = model.config.block_size + 1
    conversations = [c for c in _encode(tok, kept) if len(c.token_ids) <= limit]
    model = copy.deepcopy(model)
    result = fine_tune(
        model,
        conversations,
        config,
        pad_id=tok.special_id(END),
        replay=replay,
        replay_batch_size=sft.REPLAY_BATCH,
        progress=progress,
    )
    counts = {
        **_tally(prompts, outcomes, ("accepted", "revised", "dropped")),
        "draws": sum(r.draws for r in done),
        "tool_turns": {"prompts": TOOL_PROMPTS, "kept": len(tool_turns)},
        "trained_on": len(conversations),
        "examples": [
            {"prompt": e.prompt[-1].content, **r._asdict()}
            for e, r, o in zip(prompts, done, outcomes, strict=True)
            if o == "revised"
        ][:6],  # a few revisions, quoted
    }
    return model.eval(), counts, result


def _feedback_stage(
    reference: GPT,
    tok: BPETokenizer,
    prompts: list[ChatExample],
    config: TrainConfig,
    progress: bool,
) -> tuple[GPT, dict[str, Any], TrainResult]:
    """Stage 2: pairs of answers labelled by the constitution (ties dropped), then DPO."""
    chosen, rejected, outcomes = [], [], []
    for i, example in enumerate(_progress(prompts, "AI feedback", progress)):
        answers = sample_replies(reference, tok, example.prompt, 2, seed=i, **SAMPLING)
        label = prefer(example, *answers)
        if not all(a.strip() for a in answers):  # an empty answer is no message
            outcomes.append("empty")
        elif label is None:
            outcomes.append("ties")
        else:
            outcomes.append("pairs")
            chosen.append(example.with_final(label[0]))
            rejected.append(example.with_final(label[1]))
    limit = reference.config.block_size + 1
    pairs = [
        (c, r)
        for c, r in zip(_encode(tok, chosen), _encode(tok, rejected), strict=True)
        if max(len(c.token_ids), len(r.token_ids)) <= limit
    ]
    model = copy.deepcopy(reference)
    result = train_dpo(
        model,
        reference,
        [c for c, _ in pairs],
        [r for _, r in pairs],
        config,
        beta=dpo.BETA,
        pad_id=tok.special_id(END),
        progress=progress,
    )
    counts = {
        **_tally(prompts, outcomes, ("pairs", "ties", "empty")),
        "trained_on": len(pairs),
    }
    return model.eval(), counts, result


def _rates(rows: list[tuple[ChatExample, str]]) -> dict[str, float]:
    examples, answers = [e for e, _ in rows], [a for _, a in rows]
    return {k: round(v, 4) for k, v in violation_rates(examples, answers).items()}


def _measure(
    model: GPT, tok: BPETokenizer, examples: list[ChatExample], progress: bool
) -> dict[str, Any]:
    """The judge's grades, and the violation rates of greedy and of sampled answers."""
    graded = grade(model, tok, examples, toolbox=sft.eval_toolbox())
    rows: dict[str, list[tuple[ChatExample, str]]] = {
        "greedy": [(g.example, g.text) for g in graded if g.example.kind in KINDS],
        "sampled": [],
    }
    one_message = [e for e in examples if e.kind in KINDS]
    for i, example in enumerate(_progress(one_message, "sampling", progress)):
        answers = sample_replies(
            model, tok, example.prompt, EVAL_SAMPLES, seed=i, **SAMPLING
        )
        rows["sampled"] += [(example, a) for a in answers]
    return {
        "grades": summarise(graded),
        "violations": {how: _rates(r) for how, r in rows.items()},
        "violations_by_kind": {
            how: {
                kind: _rates([(e, a) for e, a in r if e.kind == kind])
                for kind in dict.fromkeys(e.kind for e, _ in r)
            }
            for how, r in rows.items()
        },
    }


#: The recipe's stages, as its progress bar names them.
STAGES = ("data", "critique and revision", "AI feedback", "measuring", "files")


def train_constitution(
    out_dir: str | PathLike[str], *, progress: bool = True, force: bool = False
) -> dict[str, Any]:
    """Run both stages of constitutional AI from the shipped assistant; write the artifact.

    Introduced in chapter 8.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    progress : bool, default True
        Show progress bars.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = {"revision": TrainConfig(**SFT_ARGS), "feedback": TrainConfig(**DPO_ARGS)}
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            assistant = sft.load_sft()
            tok = assistant.tokenizer
            revision_prompts = _prompts(REVISION_PROMPTS, REVISION_SEED)
            asked = {e.prompt for e in revision_prompts}  # stage 2 asks other prompts
            feedback_prompts = [
                e
                for e in _prompts(FEEDBACK_PROMPTS, FEEDBACK_SEED)
                if e.prompt not in asked
            ]
            replay = torch.tensor(
                load_reference().tokenizer.encode(
                    reference_corpus()[: sft.REPLAY_CHARS]
                )
            )
            stage("critique and revision")
            stage1, revision, result1 = _revision_stage(
                assistant, revision_prompts, replay, configs["revision"], progress
            )
            stage("AI feedback")
            stage2, feedback, result2 = _feedback_stage(
                stage1, tok, feedback_prompts, configs["feedback"], progress
            )
            stage("measuring")
            clock = time.perf_counter()
            held_out = sft.eval_examples(EVAL_PER_KIND)
            models = {"sft": assistant.model, "stage1": stage1, "stage2": stage2}
            measured = {
                name: _measure(model, tok, held_out, progress)
                for name, model in models.items()
            }
            stage("files")
    finally:
        torch.set_num_threads(threads)
    timing = {
        "revision_training_s": round(result1.elapsed_s, 1),
        "feedback_training_s": round(result2.elapsed_s, 1),
        "measuring_s": round(time.perf_counter() - clock, 1),
        "total_s": round(time.perf_counter() - start, 1),
        "total_cpu_s": round(time.process_time() - cpu_start, 1),
    }
    for counts, result in ((revision, result1), (feedback, result2)):
        counts["steps"] = result.config.steps
        counts["final_loss"] = round(statistics.fmean(result.train_loss[-20:]), 4)
    details = {
        "constitution": [{"name": p.name, "text": p.text} for p in CONSTITUTION],
        "data": {
            "world_seed": WORLD_SEED,
            "revision_prompts": REVISION_PROMPTS,
            "revision_seed": REVISION_SEED,
            "revision_draws": REVISION_DRAWS,
            "tool_prompts": TOOL_PROMPTS,
            "feedback_prompts": FEEDBACK_PROMPTS,
            "feedback_seed": FEEDBACK_SEED,
            "temperature": TEMPERATURE,
            "max_new_tokens": MAX_NEW_TOKENS,
            "replay_chars": sft.REPLAY_CHARS,
            "replay_batch": sft.REPLAY_BATCH,
            "eval_per_kind": EVAL_PER_KIND,
            "eval_samples": EVAL_SAMPLES,
        },
        "beta": dpo.BETA,
        "sft_manifest_sha256": sft.MANIFEST_SHA256,
        "tokenizer_sha256": assistant.manifest["tokenizer_sha256"],
        "model": dataclasses.asdict(stage2.config),
        "training": {
            **{name: dataclasses.asdict(c) for name, c in configs.items()},
            "num_threads": NUM_THREADS,
        },
        "results": {"revision": revision, "feedback": feedback, **measured},
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    manifest = write_artifact(
        out_dir,
        CONSTITUTION_SPEC,
        {MODEL_FILE: lambda path: save_weights(stage2, path)},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_constitution(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> sft.Assistant:
    """Load the shipped stage-2 model of constitutional AI, checking hashes first.

    ``directory`` is a folder written by :func:`train_constitution` (the shipped one by
    default); the manifest's ``results`` hold ``timing.json``'s durations too.

    Introduced in chapter 8.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> tuned = load_constitution()
    >>> tuned.model.training, [p["name"] for p in tuned.manifest["constitution"]]
    (False, ['polite', 'concise', 'follows_instruction', 'honest'])
    """
    directory, manifest, files = load_shipped(
        CONSTITUTION_SPEC, CONSTITUTION_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = sft.load_sft().tokenizer
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE)
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return sft.Assistant(model, tokenizer, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the measurements and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_constitution(out, progress=True, force=args.force)
    results = manifest["results"]
    revision, feedback = results["revision"], results["feedback"]
    print(
        f"wrote {out} in {results['total_s']:.0f} s; revised {revision['revised']} and "
        f"dropped {revision['dropped']} of {revision['prompts']} answers; "
        f"{feedback['pairs']} pairs, {feedback['ties']} ties"
    )
    models = ("sft", "stage1", "stage2")
    for how in ("greedy", "sampled"):
        rates = [f"{results[m]['violations'][how]['any']:.1%}" for m in models]
        print(f"held-out {how} answers breaking a principle: " + " -> ".join(rates))
    for kind in results["sft"]["grades"]:
        cells = [f"{results[m]['grades'][kind]['correct']:.1%}" for m in models]
        print(f"  {kind:<11} answered correctly: " + " -> ".join(cells))
    report_manifest(out, MANIFEST_SHA256, CONSTITUTION_DIR, "constitution")
    return 0
