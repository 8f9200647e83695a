"""The recipe of chapter 10's reader: ``python -m stepbytoken train reader``.

The shipped assistant (:func:`~stepbytoken.recipes.sft.load_sft`) answers passages about
people it knows, and rarely about people it never met, even with the answer in front of it:
it had learned to remember more than to read. This recipe fine-tunes it further on reading
practice about strangers (:func:`~stepbytoken.world.reading_tasks.reading_examples`: the known
subjects' documents with every name replaced by an invented one, cut into chunks), mixed with
the instruction data of chapter 8 so that it keeps its other skills. The world's unseen
entities, the subject of chapter 10's questions, never appear in it.

The package ships the result in ``data/reader/``: ``model.safetensors`` and ``manifest.json``
(the settings, the training history, and the share of held-out questions answered from the
chunk that holds the answer, before and after), with ``timing.json`` beside them.
:func:`load_reader` checks the files against :data:`MANIFEST_SHA256`. The recipe is
deterministic on the CPU (one thread).

Introduced in chapter 10.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import platform
import random
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
from stepbytoken.checks import check_bool, check_instance, check_int
from stepbytoken.evaluation.retrieval import answering_chunks, right_answer
from stepbytoken.generation.chat import reply
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
from stepbytoken.recipes.sft import Assistant, load_sft
from stepbytoken.text.chunking import chunk_document
from stepbytoken.tokenizers import BPETokenizer, encode_chat
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import TrainConfig, fine_tune
from stepbytoken.world import make_world
from stepbytoken.world.conversation import ChatExample, Message
from stepbytoken.world.facts import Fact
from stepbytoken.world.instructions import training_examples
from stepbytoken.world.reading_tasks import READ_TEMPLATE, renamed_documents
from stepbytoken.world.retrieval_documents import retrieval_set
from stepbytoken.world.task_context import answer_sentence
from stepbytoken.world.world import World

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "READER_DIR",
    "READER_SPEC",
    "NAME",
    "TRAIN_ARGS",
    "add_arguments",
    "load_reader",
    "oracle_accuracy",
    "reader_training_examples",
    "reading_examples",
    "run",
    "train_reader",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train reader"
HELP = "fine-tune the assistant to answer from passages about strangers (minutes)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "reader"

#: Folder of the shipped model inside the package.
READER_DIR = Path(__file__).resolve().parent.parent / "data" / "reader"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "05343af87bc00964c7765c25ab0b0f31fdc6a2e5fdc991e3593fa58e992a47b3"

MODEL_FILE = "model.safetensors"

#: What the artifact holds.
READER_SPEC = ArtifactSpec(
    "stepbytoken-reader", 1, (MODEL_FILE,), "python -m stepbytoken train reader"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
WORLD_SEED = 0
N_READING = 6000  # reading examples about renamed documents
N_MIXTURE = 2000  # chapter 8's instruction examples, mixed in
CHUNK_SIZE = 2  # sentences per chunk, as chapter 10 retrieves them
DATA_SEED = 0
NUM_THREADS = 1
TRAIN_ARGS: dict[str, Any] = {
    "steps": 1000,
    "batch_size": 16,
    "lr": 1e-3,
    "warmup_steps": 20,
    "min_lr": 5e-5,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_every": 100,
    "seed": 0,
}


def reading_examples(
    world: World, n: int, *, size: int = 2, max_extra: int = 2, seed: int = 0
) -> list[ChatExample]:
    """``n`` reading questions about renamed documents, each with the chunk that answers it.

    Parameters
    ----------
    world
        The small world.
    n
        Examples (>= 0).
    size
        Sentences per chunk.
    max_extra
        Other chunks shown beside the answering one: 0 to ``max_extra``, from the same
        document or another, in a random order with it.
    seed
        Seed of the documents, the names, the questions and the passages.

    Returns
    -------
    list of ChatExample
        Kind ``"passage"``: the user message is :data:`READ_TEMPLATE` filled, the reply the
        answer in a sentence (:func:`~stepbytoken.world.task_context.answer_sentence`).

    Examples
    --------
    >>> example = reading_examples(make_world(0), 1)[0]
    >>> prompt = example.prompt[0].content
    >>> prompt.startswith("Read this: "), example.answer in prompt
    (True, True)

    Introduced in chapter 10.
    """
    check_instance("world", world, World)
    n = check_int("n", n, minimum=0)
    size = check_int("size", size, minimum=1)
    max_extra = check_int("max_extra", max_extra, minimum=0)
    seed = check_int("seed", seed)
    rng = random.Random(f"reading-examples-{world.seed}-{seed}")
    examples: list[ChatExample] = []
    round_ = 0
    while len(examples) < n:
        docs = renamed_documents(world, seed=seed * 1000 + round_)
        round_ += 1
        chunks = {d.id: chunk_document(d.id, d.text, size=size) for d, _ in docs}
        pool = [c for cs in chunks.values() for c in cs]
        pairs = [(d, q) for d, qs in docs for q in qs]
        rng.shuffle(pairs)
        for doc, q in pairs:
            if len(examples) == n:
                break
            own = chunks[doc.id]
            good = [own[i] for i in answering_chunks(own, q.subject, q.answer)]
            if not good:
                continue
            shown = [rng.choice(good)]
            for _ in range(rng.randint(0, max_extra)):
                source = chunks[doc.id] if rng.random() < 0.5 else pool
                shown.append(rng.choice(source))
            rng.shuffle(shown)
            passage = " ".join(dict.fromkeys(c.text for c in shown))
            fact = Fact(q.subject, q.relation, q.answer)
            examples.append(
                ChatExample(
                    "passage",
                    (Message("user", READ_TEMPLATE.format(p=passage, q=q.question)),),
                    (Message("assistant", answer_sentence(fact)),),
                    q.answer,
                    None,
                    "passage/0",
                    (q.subject,),
                    relation=q.relation,
                )
            )
    return examples


def reader_training_examples() -> list[ChatExample]:
    """The recipe's training conversations: reading practice, then the instruction mix.

    Introduced in chapter 10.
    """
    world = make_world(WORLD_SEED)
    return reading_examples(
        world, N_READING, size=CHUNK_SIZE, seed=DATA_SEED
    ) + training_examples(world, N_MIXTURE, unknown="idk", seed=DATA_SEED + 5)


def oracle_accuracy(model: GPT, tokenizer: BPETokenizer, n: int | None = None) -> float:
    """Share of the unseen entities' questions answered right from the chunk that holds it.

    Each question of :func:`~stepbytoken.world.retrieval_documents.retrieval_set` is asked
    (greedy) about the first chunk of its document that answers it (chunks of
    ``CHUNK_SIZE`` sentences); ``n`` takes the first questions only.

    Introduced in chapter 10.
    """
    check_instance("model", model, GPT)
    check_instance("tokenizer", tokenizer, BPETokenizer)
    if n is not None:
        n = check_int("n", n, minimum=1)
    data = retrieval_set(make_world(WORLD_SEED))
    right = total = 0
    for q in data.questions[:n]:
        doc = data.document(q.document)
        chunks = chunk_document(doc.id, doc.text, size=CHUNK_SIZE)
        good = answering_chunks(chunks, q.subject, q.answer)
        if not good:
            continue
        prompt = READ_TEMPLATE.format(p=chunks[good[0]].text, q=q.question)
        text = reply(model, tokenizer, [Message("user", prompt)], max_new_tokens=24)
        right += right_answer(text, q.answer)
        total += 1
    return round(right / total, 4)


def train_reader(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    evaluate: bool = True,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the shipped assistant on reading practice; write the artifact.

    Introduced in chapter 10.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Fine-tuning steps; None uses the recipe's (a few make a quick end-to-end check).
    evaluate : bool, default True
        Measure reading accuracy on the held-out questions before and after (a minute).
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
    check_bool("evaluate", evaluate)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)  # fail now rather than after training
    config = TrainConfig(**train_args)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        assistant = load_sft()
        tokenizer = assistant.tokenizer
        block_size = assistant.model.block_size
        encodings = [
            encode_chat(tokenizer, e.messages) for e in reader_training_examples()
        ]
        kept = [e for e in encodings if len(e.token_ids) <= block_size + 1]
        before = oracle_accuracy(assistant.model, tokenizer) if evaluate else None
        model = copy.deepcopy(assistant.model).train()
        cpu_start = time.process_time()
        result = fine_tune(
            model,
            kept,
            config,
            pad_id=tokenizer.special_id(END),
            progress=progress,
        )
        cpu_s = time.process_time() - cpu_start
        model.eval()
        after = oracle_accuracy(model, tokenizer) if evaluate else None
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "world_seed": WORLD_SEED,
            "reading": N_READING,
            "mixture": N_MIXTURE,
            "chunk_size": CHUNK_SIZE,
            "data_seed": DATA_SEED,
            "kept": len(kept),
        },
        "tokenizer_sha256": tokenizer_sha256(tokenizer),
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "model": dataclasses.asdict(model.config),
        "training": {**dataclasses.asdict(config), "num_threads": NUM_THREADS},
        "results": {
            "steps": config.steps,
            "final_train_loss": round(result.final_train_loss, 4),
            "oracle_accuracy_before": before,
            "oracle_accuracy_after": after,
        },
        "history": {"train_loss": [round(x, 4) for x in result.train_loss]},
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
    }
    timing = {
        "training_time_s": round(result.elapsed_s, 1),
        "training_cpu_s": round(cpu_s, 1),
    }
    recipe = recorded_command(READER_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        READER_SPEC,
        {MODEL_FILE: lambda path: save_weights(model, path)},
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_reader(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Assistant:
    """Load chapter 10's reader, checking the SHA-256 of its files first.

    Introduced in chapter 10.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_reader`; the package's :data:`READER_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    Assistant
        The model (eval mode), the chat tokenizer, and the manifest.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> reader = load_reader()
    >>> reader.model.block_size
    128
    """
    directory, manifest, files = load_shipped(
        READER_SPEC, READER_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    tokenizer = load_sft().tokenizer
    check_tokenizer(
        tokenizer,
        manifest,
        directory,
        whose="the shipped assistant's",
        command=READER_SPEC.command,
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
    """Fine-tune, write the files, print reading accuracy before and after; exit code 0."""
    out = output_path(args)
    manifest = train_reader(out, steps=args.steps, progress=True, force=args.force)
    results = manifest["results"]
    print(f"wrote {out}")
    print(
        f"{results['steps']} steps in {results['training_time_s']:.0f} s; final loss "
        f"{results['final_train_loss']:.3f}"
    )
    print(
        "held-out questions answered from the right chunk: "
        f"{results['oracle_accuracy_before']:.1%} -> {results['oracle_accuracy_after']:.1%}"
    )
    report_manifest(out, MANIFEST_SHA256, READER_DIR, "reader")
    return 0
