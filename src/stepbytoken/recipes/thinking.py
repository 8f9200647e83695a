"""Thinkers and a direct answerer: ``python -m stepbytoken train thinking``.

Chapter 17 asks what writing steps before answering buys. This recipe fine-tunes the
reference model twice on the same multi-step problems (:mod:`~stepbytoken.world.thinking_tasks`:
two chained look-ups, and sums of three-digit numbers), from training combinations only:

- ``thinker`` learns to write its steps between ``<|think|>`` and ``<|/think|>`` before the
  answer (:func:`~stepbytoken.generation.thinking.encode_thinking`);
- ``direct`` learns the answer alone.

Both are fine-tuned with LoRA adapters on every block (:func:`~stepbytoken.nn.lora.add_lora`)
plus the token embedding (which holds the rows of the new tokens), so the package ships only
those tensors. Every step also replays pre-training text, as the
assistant's recipe does. The recipe then measures, on held-out combinations: accuracy against
a thinking budget, majority votes over sampled thoughts, and the compute
(``2 × parameters × tokens``) each answer took. Those results go in ``results.json``. A
smaller thinker, from the model family, is the recipe
:mod:`~stepbytoken.recipes.thinking_small`, with the same settings.

The package ships the result in ``data/thinking/``. :func:`load_thinking` checks the files
against :data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 17.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import time
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import torch

from stepbytoken.artifacts import MANIFEST_SHA256 as REFERENCE_MANIFEST_SHA256
from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.thinking import (
    curve_record,
    direct_record,
    forward_flops,
    is_correct,
    vote_curve,
)
from stepbytoken.generation.thinking import encode_thinking, thinking_tokenizer
from stepbytoken.nn import GPT, count_parameters, grow_vocab
from stepbytoken.nn.lora import adapter_state_dict, add_lora, merge_lora
from stepbytoken.recipes.model_widths import check_tokenizer, tokenizer_sha256
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import reference_corpus
from stepbytoken.tokenizers import BPETokenizer
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, TrainResult, fine_tune
from stepbytoken.world import make_world
from stepbytoken.world.thinking_tasks import ThinkingProblem, thinking_problems

__all__ = [
    "BUDGETS",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "MAX_THOUGHT",
    "NAME",
    "THINKING_DIR",
    "THINKING_SPEC",
    "TRAIN_ARGS",
    "Thinkers",
    "add_arguments",
    "eval_problems",
    "fine_tune_on_problems",
    "load_thinking",
    "measure",
    "run",
    "train_config",
    "train_thinking",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train thinking"
HELP = "fine-tune a thinker and a direct answerer, and measure them (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "thinking"

#: Folder of the shipped models inside the package.
THINKING_DIR = Path(__file__).resolve().parent.parent / "data" / "thinking"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other files).
MANIFEST_SHA256 = "7fc64e8cf3628d2462bcafa821b9b9d3c1370fb437b5b43f44cf3a5224067a4c"

MODELS = ("thinker", "direct")
RESULTS_FILE = "results.json"

#: What the artifact holds.
THINKING_SPEC = ArtifactSpec(
    "stepbytoken-thinking",
    1,
    (*(f"{m}.safetensors" for m in MODELS), RESULTS_FILE),
    "python -m stepbytoken train thinking",
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
N_EXAMPLES = 6000  # training problems
SUM_SHARE = 2 / 3  # sums take more practice than chains
DATA_SEED = 0
N_EVAL = 120  # held-out problems, half chains and half sums
EVAL_SEED = 1
N_VAL = 40  # the first held-out problems, whose loss is tracked while training
N_VOTE = 60  # held-out problems the votes are measured on (the first N_VOTE of N_EVAL)
VOTE_KS = (1, 3, 5, 9)
VOTE_TEMPERATURE = 0.8
BUDGETS = (0, 2, 4, 6, 8, 10, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80)
MAX_THOUGHT = 80
LORA_RANK = 32
REPLAY_CHARS = 600_000
REPLAY_BATCH = 4
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 300,
    "batch_size": 16,
    "lr": 3e-3,
    "warmup_steps": 20,
    "min_lr": 3e-4,
    "weight_decay": 0.0,
    "grad_clip": 1.0,
    "eval_every": 100,
    "seed": 0,
}

#: The recipe's stages, as its progress bar names them.
STAGES = ("data", *MODELS, "measuring", "files")


class Thinkers(NamedTuple):
    """The fine-tuned thinker and direct answerer, their tokenizer, results and manifest.

    Introduced in chapter 17.

    Fields:
        thinker: The reference model taught to think before answering.
        direct: The reference model taught to answer directly.
        tokenizer: The :func:`~stepbytoken.generation.thinking.thinking_tokenizer`.
        results: The measurements of the recipe (``results.json``).
        manifest: The artifact's manifest.
    """

    thinker: GPT
    direct: GPT
    tokenizer: BPETokenizer
    results: dict[str, Any]
    manifest: dict[str, Any]


def eval_problems(n: int = N_EVAL) -> list[ThinkingProblem]:
    """The held-out problems the recipes measure on: ``n`` of them, in order.

    Introduced in chapter 17.

    Examples
    --------
    >>> [p.kind for p in eval_problems(3)]
    ['chain', 'sum', 'chain']
    """
    n = check_int("n", n, minimum=1)
    return thinking_problems(make_world(WORLD_SEED), n, split="heldout", seed=EVAL_SEED)


def train_config(steps: int | None = None) -> TrainConfig:
    """:data:`TRAIN_ARGS` as a config, with ``steps`` (and what depends on it) if given.

    Introduced in chapter 17.
    """
    args = dict(TRAIN_ARGS)
    if steps is not None:
        args["steps"] = check_int("steps", steps, minimum=1)
        args["warmup_steps"] = min(args["warmup_steps"], steps // 10)
        args["eval_every"] = min(args["eval_every"], steps)
    return TrainConfig(**args)


def fine_tune_on_problems(
    model: GPT,
    tokenizer: BPETokenizer,
    config: TrainConfig,
    *,
    thinks: bool,
    n_val: int = N_VAL,
    progress: bool = False,
) -> TrainResult:
    """Fine-tune ``model`` in place on the training problems, with or without thoughts.

    The data are :data:`N_EXAMPLES` training problems (:data:`SUM_SHARE` of them sums),
    encoded by :func:`~stepbytoken.generation.thinking.encode_thinking`; the first
    :data:`REPLAY_CHARS` characters of the reference corpus are replayed at every step.

    Introduced in chapter 17.
    """
    check_bool("thinks", thinks)
    train = thinking_problems(
        make_world(WORLD_SEED),
        N_EXAMPLES,
        split="train",
        seed=DATA_SEED,
        sum_share=SUM_SHARE,
    )

    def encode(p: ThinkingProblem):
        return encode_thinking(
            tokenizer, p.question, p.answer, p.thought if thinks else None
        )

    replay = torch.tensor(
        load_reference().tokenizer.encode(reference_corpus()[:REPLAY_CHARS])
    )
    return fine_tune(
        model,
        [encode(p) for p in train],
        config,
        pad_id=tokenizer.special_id(END),
        val_conversations=[encode(p) for p in eval_problems(n_val)],
        replay=replay,
        replay_batch_size=REPLAY_BATCH,
        progress=progress,
    )


def _adapted(base: GPT, vocab_size: int) -> GPT:
    """``base`` with room for the new tokens, LoRA on every block, a trainable embedding."""
    model = add_lora(grow_vocab(base, vocab_size), LORA_RANK, targets="all", seed=0)
    model.wte.weight.requires_grad_(True)
    return model


def _lora_state(model: GPT) -> dict[str, torch.Tensor]:
    """The trained tensors: the adapters and the embedding."""
    return {
        **adapter_state_dict(model),
        "wte.weight": model.wte.weight.detach().clone(),
    }


def train_thinking(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    n_eval: int = N_EVAL,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the thinker and the direct answerer, measure them; write the artifact.

    Introduced in chapter 17.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps of each model; None uses :data:`TRAIN_ARGS`.
    n_eval : int, default :data:`N_EVAL`
        Held-out problems to measure on.
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
    config = train_config(steps)
    n_eval = check_int("n_eval", n_eval, minimum=2)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    timing: dict[str, float] = {}
    trained: dict[str, GPT] = {}
    losses: dict[str, dict[str, float]] = {}
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            reference = load_reference()
            tokenizer = thinking_tokenizer(reference.tokenizer)
            problems = eval_problems(n_eval)
            for name in MODELS:
                stage(name)
                model = _adapted(reference.model, tokenizer.vocab_size)
                start = time.perf_counter()
                result = fine_tune_on_problems(
                    model,
                    tokenizer,
                    config,
                    thinks=name == "thinker",
                    n_val=min(N_VAL, n_eval),
                    progress=progress,
                )
                timing[f"{name}_training_time_s"] = round(
                    time.perf_counter() - start, 1
                )
                losses[name] = {
                    "final_train_loss": round(result.final_train_loss, 4),
                    "final_val_loss": round(result.final_val_loss, 4),
                }
                trained[name] = model
            stage("measuring")
            start = time.perf_counter()
            plain = {name: merge_lora(m).eval() for name, m in trained.items()}
            results = measure(plain, tokenizer, problems)
            timing["measuring_time_s"] = round(time.perf_counter() - start, 1)
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "examples": N_EXAMPLES,
            "sum_share": round(SUM_SHARE, 4),
            "data_seed": DATA_SEED,
            "eval_problems": n_eval,
            "eval_seed": EVAL_SEED,
            "replay_chars": REPLAY_CHARS,
            "replay_batch": REPLAY_BATCH,
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
        "lora_rank": LORA_RANK,
        "model": dataclasses.asdict(plain["thinker"].config),
        "parameters": count_parameters(plain["thinker"]),
        "training": {**dataclasses.asdict(config), "num_threads": NUM_THREADS},
        "results": {"losses": losses},
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    recipe = recorded_command(THINKING_SPEC.command, steps=steps)
    writers = {
        f"{name}.safetensors": (lambda p, m=m: save_weights(_lora_state(m), p))
        for name, m in trained.items()
    }
    writers[RESULTS_FILE] = lambda p: p.write_text(json.dumps(results) + "\n")
    manifest = write_artifact(
        out_dir,
        THINKING_SPEC,
        writers,
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def measure(
    models: dict[str, GPT], tokenizer: BPETokenizer, problems: list[ThinkingProblem]
) -> dict[str, Any]:
    """Budget curve and votes of ``models["thinker"]``, accuracy of ``models["direct"]``.

    Introduced in chapter 17.
    """
    thinker = curve_record(
        models["thinker"], tokenizer, problems, BUDGETS, max_tokens=MAX_THOUGHT
    )
    voters = problems[:N_VOTE]
    votes = vote_curve(
        models["thinker"],
        tokenizer,
        voters,
        VOTE_KS,
        temperature=VOTE_TEMPERATURE,
        max_tokens=MAX_THOUGHT,
        seed=EVAL_SEED,
    )
    greedy = zip(thinker["answers"][-1], voters, strict=False)  # the first N_VOTE
    n = thinker["parameters"]
    return {
        "budgets": list(BUDGETS),
        "vote_ks": list(VOTE_KS),
        "problems": [p._asdict() for p in problems],
        "thinker": thinker,
        "direct": direct_record(models["direct"], tokenizer, problems),
        "votes": {
            "problems": len(voters),
            "temperature": VOTE_TEMPERATURE,
            "accuracy": votes.accuracy,
            "tokens": votes.tokens,
            "flops": [forward_flops(n, t) for t in votes.tokens],
            "greedy_accuracy": sum(is_correct(a, p.answer) for a, p in greedy)
            / len(voters),
        },
    }


def load_thinking(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Thinkers:
    """Load the shipped thinker and direct answerer, checking the SHA-256 of their files.

    Introduced in chapter 17.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_thinking`; :data:`THINKING_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> models = load_thinking()
    >>> models.thinker.training, models.results["budgets"][0]
    (False, 0)
    """
    directory, manifest, files = load_shipped(
        THINKING_SPEC, THINKING_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    reference = load_reference()
    tokenizer = thinking_tokenizer(reference.tokenizer)
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the thinking tokenizer of the shipped reference model",
        command=THINKING_SPEC.command,
    )
    models = {}
    for name in MODELS:
        adapted = _adapted(reference.model, tokenizer.vocab_size)
        path = directory / f"{name}.safetensors"
        state = parse_weights(files[path.name], source=path)
        unexpected = adapted.load_state_dict(state, strict=False).unexpected_keys
        if unexpected:
            raise ValueError(f"{path} holds unexpected tensors {unexpected}")
        models[name] = merge_lora(adapted).eval()
    results = json.loads(files[RESULTS_FILE])
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Thinkers(models["thinker"], models["direct"], tokenizer, results, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Fine-tune, measure, write the files, print the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_thinking(out, steps=args.steps, progress=True, force=args.force)
    print(f"wrote {out}")
    print(json.dumps(manifest["results"], indent=1))
    report_manifest(out, MANIFEST_SHA256, THINKING_DIR, "thinking")
    return 0
