"""The recipe of chapter 11's agent: ``python -m stepbytoken train agent``.

The shipped assistant (:func:`~stepbytoken.recipes.sft.load_sft`) was fine-tuned on tool
examples of one call, and it does look things up and compute; but asked for two ages and
their sum, or where the mother of someone lives, it answers after one call or none. This
recipe fine-tunes it further on ReAct episodes of the training split
(:func:`~stepbytoken.world.agent_tasks.react_example`: a short thought and a call per step,
then the answer), mixed with chapter 8's instruction data so that it keeps its other
skills. It trains the same model twice, with thoughts and without, to measure whether the
thoughts help; it ships the model with thoughts.

On held-out tasks (entities, problems and wordings no training data holds), per task kind,
it records the share answered correctly with tools (the agent loop,
:func:`~stepbytoken.generation.agent.run_episode`) and without (the question asked plainly),
for the SFT assistant and both agents, the failure modes counted, and a few stored episodes
for the book's episode stepper; for the SFT assistant and the agent, the same on entities
that not even the pre-training corpus mentions (``"unseen"``). All of it is in
``manifest.json`` beside ``model.safetensors`` in ``data/agent/``; :func:`load_agent` checks
the files against :data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 11.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import platform
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
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_choice, check_int
from stepbytoken.evaluation.agent import (
    AgentGrade,
    failure_counts,
    run_tasks,
    summarise_grades,
)
from stepbytoken.nn import GPT
from stepbytoken.recipes.model_widths import (
    check_tokenizer,
    shipped_gpt,
    tokenizer_sha256,
)
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import Assistant, eval_toolbox, load_sft
from stepbytoken.tokenizers import encode_chat
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, fine_tune
from stepbytoken.world import make_world
from stepbytoken.world.agent_tasks import (
    AGENT_KINDS,
    AgentTask,
    agent_tasks,
    react_example,
)
from stepbytoken.world.conversation import ChatExample
from stepbytoken.world.instructions import training_examples

__all__ = [
    "AGENT_DIR",
    "AGENT_SPEC",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "TRAIN_ARGS",
    "UNSEEN_KINDS",
    "add_arguments",
    "agent_training_examples",
    "episode_record",
    "eval_tasks",
    "load_agent",
    "run",
    "train_agent",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train agent"
HELP = (
    "fine-tune the assistant on multi-step tool episodes and measure it (a few minutes)"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "agent"

#: Folder of the shipped model inside the package.
AGENT_DIR = Path(__file__).resolve().parent.parent / "data" / "agent"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "61b1a66af4aa5f542d9b63241b952791e37cb0c2bb895699a33be846ff224842"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
AGENT_SPEC = ArtifactSpec(
    "stepbytoken-agent", 1, (MODEL_FILE,), "python -m stepbytoken train agent"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
EPISODES_PER_KIND = (
    400  # training episodes of each kind (training entities and wordings)
)
N_MIXTURE = 1600  # chapter 8's instruction examples, mixed in
DATA_SEED = 0
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 200,
    "batch_size": 16,
    "lr": 3e-4,
    "warmup_steps": 10,
    "min_lr": 3e-5,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": 50,
    "seed": 0,
}
#: Held-out tasks graded per kind, and the step limit of their episodes.
EVAL_PER_KIND = 40
EVAL_SEED = 1
MAX_STEPS = 4
#: The kinds also graded on unseen entities (arithmetic has no entity).
UNSEEN_KINDS = ("lookup", "ages", "two_hop")
#: Episodes stored per kind for the stepper (the first right and the first wrong ones).
STORED_PER_KIND = 5


def agent_training_examples(*, thoughts: bool = True) -> list[ChatExample]:
    """The recipe's training data: ReAct episodes of every kind, then the instruction mix.

    Introduced in chapter 11.
    """
    check_bool("thoughts", thoughts)
    world = make_world(WORLD_SEED)
    box = eval_toolbox()
    examples = [
        react_example(task, box, thoughts=thoughts)
        for kind in AGENT_KINDS
        for task in agent_tasks(world, kind, EPISODES_PER_KIND, seed=DATA_SEED)
    ]
    return examples + training_examples(
        world, N_MIXTURE, unknown="idk", seed=DATA_SEED + 5
    )


def eval_tasks(
    n_per_kind: int = EVAL_PER_KIND, *, split: str = "heldout"
) -> list[AgentTask]:
    """The held-out tasks the recipe grades: ``n_per_kind`` of each kind, in order.

    ``split="heldout"``: every kind, about entities known from pre-training only;
    ``"unseen"``: the kinds of :data:`UNSEEN_KINDS`, about entities the corpus never
    mentions.

    Examples
    --------
    >>> [task.kind for task in eval_tasks(1)]
    ['arithmetic', 'lookup', 'ages', 'two_hop']

    Introduced in chapter 11.
    """
    check_int("n_per_kind", n_per_kind, minimum=1)
    check_choice("split", split, ("heldout", "unseen"))
    world = make_world(WORLD_SEED)
    kinds = AGENT_KINDS if split == "heldout" else UNSEEN_KINDS
    return [
        task
        for kind in kinds
        for task in agent_tasks(world, kind, n_per_kind, split=split, seed=EVAL_SEED)
    ]


def episode_record(task: AgentTask, grade: AgentGrade) -> dict[str, Any]:
    """A graded episode as JSON-ready data: the task, every message, the outcome.

    Introduced in chapter 11.
    """
    if not isinstance(task, AgentTask):
        raise TypeError(f"task must be an AgentTask, got {type(task).__name__}")
    if not isinstance(grade, AgentGrade) or grade.episode is None:
        raise TypeError("grade must be an AgentGrade of an episode with tools")
    episode = grade.episode
    return {
        "kind": task.kind,
        "question": task.question,
        "gold": task.answer,
        "gold_calls": [str(c) for c in task.calls],
        "messages": [[m.role, m.content] for m in episode.messages],
        "steps": [
            {
                "text": s.text,
                "thought": s.thought,
                "call": None if s.call is None else str(s.call),
                "observation": s.observation,
                "status": s.status,
            }
            for s in episode.steps
        ],
        "answer": episode.answer,
        "stop": episode.stop,
        "outcome": grade.outcome,
    }


def _measure(model: GPT, tokenizer: Any, tasks: list[AgentTask]) -> tuple[dict, list]:
    box = eval_toolbox()
    plain = run_tasks(model, tokenizer, tasks, box, tools=False)
    tools = run_tasks(model, tokenizer, tasks, box, max_steps=MAX_STEPS)
    table = {
        "without_tools": summarise_grades(plain),
        "with_tools": summarise_grades(tools),
        "failures": failure_counts(tools),
    }
    return table, tools


def _stored(tasks: list[AgentTask], grades: list[AgentGrade]) -> list[dict[str, Any]]:
    """Per kind, up to STORED_PER_KIND episodes: right and wrong ones in turn."""
    out = []
    for kind in AGENT_KINDS:
        pairs = [(t, g) for t, g in zip(tasks, grades, strict=True) if t.kind == kind]
        right = [p for p in pairs if p[1].correct]
        wrong = [p for p in pairs if not p[1].correct]
        mixed = [p for pair in zip(right, wrong, strict=False) for p in pair]
        mixed += right[len(mixed) // 2 :] + wrong[len(mixed) // 2 :]
        out += [episode_record(t, g) for t, g in mixed[:STORED_PER_KIND]]
    return out


def train_agent(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    n_per_kind: int = EVAL_PER_KIND,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the assistant on ReAct episodes (with and without thoughts); measure; write.

    Introduced in chapter 11.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps; None uses the recipe's (a few make a quick end-to-end check).
    n_per_kind : int, default EVAL_PER_KIND
        Held-out tasks graded per kind.
    progress : bool, default True
        Show a progress bar.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    train_args = dict(TRAIN_ARGS)
    if steps is not None:
        train_args["steps"] = check_int("steps", steps, minimum=1)
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    n_per_kind = check_int("n_per_kind", n_per_kind, minimum=1)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    config = TrainConfig(**train_args)
    tasks = eval_tasks(n_per_kind)
    unseen = eval_tasks(n_per_kind, split="unseen")
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        assistant = load_sft()
        tokenizer = assistant.tokenizer
        block_size = assistant.model.block_size
        measured = {"sft": _measure(assistant.model, tokenizer, tasks)[0]}
        measured["sft"]["unseen"] = _measure(assistant.model, tokenizer, unseen)[0]
        models, losses, kept, cpu_s = {}, {}, {}, 0.0
        for label, thoughts in (("agent_direct", False), ("agent", True)):
            encodings = [
                encode_chat(tokenizer, e.messages)
                for e in agent_training_examples(thoughts=thoughts)
            ]
            encodings = [e for e in encodings if len(e.token_ids) <= block_size + 1]
            kept[label] = len(encodings)
            model = copy.deepcopy(assistant.model).train()
            cpu_start = time.process_time()
            result = fine_tune(
                model,
                encodings,
                config,
                pad_id=tokenizer.special_id(END),
                progress=progress,
            )
            cpu_s += time.process_time() - cpu_start
            models[label] = model.eval()
            losses[label] = [round(x, 4) for x in result.train_loss]
            measured[label], grades = _measure(model, tokenizer, tasks)
        stored = _stored(tasks, grades)  # the agent with thoughts, measured last
        measured["agent"]["unseen"] = _measure(models["agent"], tokenizer, unseen)[0]
    finally:
        torch.set_num_threads(threads)
    model = models["agent"]
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "episodes_per_kind": EPISODES_PER_KIND,
            "mixture": N_MIXTURE,
            "data_seed": DATA_SEED,
            "kept": kept,
            "eval_per_kind": n_per_kind,
            "eval_seed": EVAL_SEED,
            "max_steps": MAX_STEPS,
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "model": dataclasses.asdict(model.config),
        "training": {**dataclasses.asdict(config), "num_threads": NUM_THREADS},
        "results": {
            "steps": config.steps,
            "final_train_loss": {k: v[-1] for k, v in losses.items()},
            "models": measured,
        },
        "episodes": stored,
        "history": {"train_loss": losses},
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {"training_cpu_s": round(cpu_s, 1)}
    recipe = recorded_command(AGENT_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        AGENT_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_agent(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Assistant:
    """Load chapter 11's agent, checking the SHA-256 of its files first.

    Introduced in chapter 11.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_agent`; the package's :data:`AGENT_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    Assistant
        The model (eval mode), the chat tokenizer, and the manifest (with the measurements
        and the stored episodes).

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> agent = load_agent()
    >>> sorted(agent.manifest["results"]["models"])
    ['agent', 'agent_direct', 'sft']
    """
    directory, manifest, files = load_shipped(
        AGENT_SPEC, AGENT_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = load_sft().tokenizer
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the shipped assistant's",
        command=AGENT_SPEC.command,
    )
    model = shipped_gpt(manifest, files[MODEL_FILE], directory / MODEL_FILE)
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Assistant(model, tokenizer, manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Fine-tune, measure, write the files, print the table; exit code 0."""
    out = output_path(args)
    manifest = train_agent(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print("held-out share correct, per kind: without tools / with tools")
    for label, table in results["models"].items():
        cells = [
            f"{kind} {table['without_tools'][kind]['correct']:.0%}"
            f"/{table['with_tools'][kind]['correct']:.0%}"
            for kind in AGENT_KINDS
        ]
        print(f"  {label:<13}" + "  ".join(cells))
    report_manifest(out, MANIFEST_SHA256, AGENT_DIR, "agent")
    return 0
