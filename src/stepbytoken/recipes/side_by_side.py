"""The recipe of chapter 8's comparison: ``python -m stepbytoken side-by-side``.

Three models answer the same held-out prompts (:func:`~stepbytoken.recipes.sft.eval_examples`)
greedily, with the tools of :func:`~stepbytoken.recipes.sft.eval_toolbox`, and the gold judge
scores every answer (:func:`~stepbytoken.evaluation.assistant.grade`):

* ``base``: the reference model of Part II asked in the chat format (:func:`base_assistant`:
  its new tokens' rows start at the mean row, it was never trained on a conversation);
* ``sft``: the assistant (:func:`~stepbytoken.recipes.sft.load_sft`);
* ``dpo``: the assistant after DPO (:func:`~stepbytoken.recipes.dpo.load_dpo`).

The recipe also places DPO on the best-of-n chart of :mod:`~stepbytoken.recipes.best_of_n`:
on the same prompts, it samples answers from the DPO model, scores them with the reward model
(the proxy) and the judge (the gold), and estimates how far DPO moved from the assistant, the
KL divergence ``KL(π_dpo ‖ π_sft)``, as the mean over the samples of
``log π_dpo(answer) - log π_sft(answer)``. (An answer is scored as the text it decodes to,
re-encoded; an answer cut off before ``<|end|>`` is scored as if it had ended there.)

The package ships ``data/side_by_side/``: ``answers.json`` (every prompt with the three
models' answers and verdicts), ``dpo_samples.json`` and ``manifest.json``, with
``timing.json``. :func:`load_side_by_side` checks them against :data:`MANIFEST_SHA256`.

Introduced in chapter 8.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
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
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation.assistant import Graded, grade, summarise
from stepbytoken.evaluation.best_of_n import sample_replies
from stepbytoken.evaluation.judge import judge
from stepbytoken.nn import grow_vocab
from stepbytoken.recipes import best_of_n
from stepbytoken.recipes.dpo import MANIFEST_SHA256 as DPO_MANIFEST_SHA256
from stepbytoken.recipes.dpo import load_dpo
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reward import MANIFEST_SHA256 as REWARD_MANIFEST_SHA256
from stepbytoken.recipes.reward import load_reward
from stepbytoken.recipes.sft import (
    EVAL_PER_KIND,
    Assistant,
    eval_examples,
    eval_toolbox,
    load_sft,
)
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.tokenizers import chat_tokenizer, encode_chat
from stepbytoken.tokenizers.chat import END
from stepbytoken.training import conversation_logprobs, conversation_rewards

__all__ = [
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "MODELS",
    "NAME",
    "SIDE_BY_SIDE_DIR",
    "SIDE_BY_SIDE_SPEC",
    "add_arguments",
    "base_assistant",
    "compare_assistants",
    "load_side_by_side",
    "run",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "side-by-side"
HELP = "answer held-out prompts with the base, SFT and DPO models; judge every answer"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "side_by_side"

#: Folder of the shipped answers inside the package.
SIDE_BY_SIDE_DIR = Path(__file__).resolve().parent.parent / "data" / "side_by_side"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the other files).
MANIFEST_SHA256 = "0d1dd5ee20b109782689ac4711eb435038972d3df820bdfbd6db9b88ad8161eb"

ANSWERS_FILE = "answers.json"
SAMPLES_FILE = "dpo_samples.json"

#: What the artifact holds.
SIDE_BY_SIDE_SPEC = ArtifactSpec(
    "stepbytoken-side-by-side",
    1,
    (ANSWERS_FILE, SAMPLES_FILE),
    "python -m stepbytoken side-by-side",
)

#: The models compared, in the order the page shows them.
MODELS = ("base", "sft", "dpo")

# The settings of DPO's samples: the prompts, temperature and length of the best-of-n recipe.
N_SAMPLES = 8  # answers with text kept per prompt
N_DRAWN = 12
NUM_THREADS = 1


def base_assistant() -> Assistant:
    """The reference model asked in the chat format, before any fine-tuning.

    Its tokenizer is the chat tokenizer of the shipped reference tokenizer; the rows of the
    new chat tokens start at the mean of the old rows
    (:func:`~stepbytoken.nn.vocab_resize.grow_vocab`), as they did when fine-tuning began.

    Introduced in chapter 8.

    Examples
    --------
    >>> base = base_assistant()
    >>> base.model.config.vocab_size == base.tokenizer.vocab_size
    True
    """
    reference = load_reference()
    tokenizer = chat_tokenizer(reference.tokenizer)
    model = grow_vocab(copy.deepcopy(reference.model), tokenizer.vocab_size)
    return Assistant(model.eval(), tokenizer, reference.manifest)


def _row(rows: dict[str, Graded]) -> dict[str, Any]:
    """One prompt with each model's turn (tool calls included) and verdict, as JSON."""
    example = rows["sft"].example
    return {
        "kind": example.kind,
        "prompt": [[m.role, m.content] for m in example.prompt],
        "reference": example.reply[-1].content,
        "answers": {
            name: {
                "turn": [[m.role, m.content] for m in graded.turn],
                "rules": dict(graded.verdict.rules),
                "score": graded.verdict.score,
            }
            for name, graded in rows.items()
        },
    }


def _dpo_samples(
    dpo: Assistant, sft: Assistant, per_kind: int
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """DPO's sampled answers to the best-of-n prompts, scored, and the KL estimate."""
    reward_model, _ = load_reward()
    tok = dpo.tokenizer
    pad_id = tok.special_id(END)
    examples = [e for e in eval_examples(per_kind) if e.kind in best_of_n.KINDS]
    records = []
    for i, example in enumerate(examples):
        drawn = sample_replies(
            dpo.model,
            tok,
            example.prompt,
            N_DRAWN,
            temperature=best_of_n.TEMPERATURE,
            seed=i,
            max_new_tokens=best_of_n.MAX_NEW_TOKENS,
        )
        answers = [a for a in drawn if a.strip()][:N_SAMPLES]
        encodings = [encode_chat(tok, example.with_final(a).messages) for a in answers]
        logp_dpo = conversation_logprobs(dpo.model, encodings, pad_id=pad_id)
        logp_sft = conversation_logprobs(sft.model, encodings, pad_id=pad_id)
        records.append(
            {
                "kind": example.kind,
                "question": example.prompt[-1].content,
                "answers": answers,
                "proxy": [
                    round(r, 4)
                    for r in conversation_rewards(
                        reward_model, encodings, pad_id=pad_id
                    )
                ],
                "gold": [judge(example, a).score for a in answers],
                "logratio": [
                    round(p - q, 4) for p, q in zip(logp_dpo, logp_sft, strict=True)
                ],
            }
        )
    flat = {
        key: [x for r in records for x in r[key]]
        for key in ("proxy", "gold", "logratio")
    }
    summary = {
        "prompts": len(records),
        "answers": len(flat["gold"]),
        "proxy": round(statistics.fmean(flat["proxy"]), 4),
        "gold": round(statistics.fmean(flat["gold"]), 4),
        "kl": round(statistics.fmean(flat["logratio"]), 4),
    }
    return records, summary


#: The recipe's stages, as its progress bar names them.
STAGES = ("models", "base", "sft", "dpo", "dpo samples", "files")


def compare_assistants(
    out_dir: str | PathLike[str],
    *,
    eval_per_kind: int = EVAL_PER_KIND,
    samples_per_kind: int = best_of_n.PER_KIND,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Answer and judge the held-out prompts with the three models; write the artifact.

    Introduced in chapter 8.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    eval_per_kind : int, default EVAL_PER_KIND
        Held-out examples per kind (fewer make a quick check).
    samples_per_kind : int, default best_of_n.PER_KIND
        Prompts per kind that DPO samples answers to (those of the best-of-n recipe).
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
    check_int("eval_per_kind", eval_per_kind, minimum=1)
    check_int("samples_per_kind", samples_per_kind, minimum=1)
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("models")
            models = {"base": base_assistant(), "sft": load_sft(), "dpo": load_dpo()}
            examples = eval_examples(eval_per_kind)
            toolbox = eval_toolbox()
            graded = {}
            for name, assistant in models.items():
                stage(name)
                graded[name] = grade(
                    assistant.model, assistant.tokenizer, examples, toolbox=toolbox
                )
            answers = [
                _row({name: graded[name][i] for name in MODELS})
                for i in range(len(examples))
            ]
            stage("dpo samples")
            samples, dpo_summary = _dpo_samples(
                models["dpo"], models["sft"], samples_per_kind
            )
            stage("files")
    finally:
        torch.set_num_threads(threads)
    timing = {"cpu_s": round(time.process_time() - cpu_start, 1)}
    answers_text = json.dumps(answers, sort_keys=True) + "\n"
    samples_text = json.dumps(samples, sort_keys=True) + "\n"
    details = {
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "dpo_manifest_sha256": DPO_MANIFEST_SHA256,
        "reward_manifest_sha256": REWARD_MANIFEST_SHA256,
        "settings": {
            "eval_per_kind": eval_per_kind,
            "samples_per_kind": samples_per_kind,
            "dpo_samples": N_SAMPLES,
            "dpo_drawn": N_DRAWN,
            "temperature": best_of_n.TEMPERATURE,
            "max_new_tokens": best_of_n.MAX_NEW_TOKENS,
            "num_threads": NUM_THREADS,
        },
        "results": {
            "grades": {name: summarise(rows) for name, rows in graded.items()},
            "dpo_samples": dpo_summary,
        },
        "environment": {"torch": torch.__version__},
    }
    recipe = SIDE_BY_SIDE_SPEC.command
    if (eval_per_kind, samples_per_kind) != (EVAL_PER_KIND, best_of_n.PER_KIND):
        recipe += (
            f" (eval_per_kind={eval_per_kind}, samples_per_kind={samples_per_kind})"
        )
    manifest = write_artifact(
        out_dir,
        SIDE_BY_SIDE_SPEC,
        {
            ANSWERS_FILE: lambda path: path.write_text(answers_text, encoding="utf-8"),
            SAMPLES_FILE: lambda path: path.write_text(samples_text, encoding="utf-8"),
        },
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_side_by_side(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The shipped answers of the three models, DPO's scored samples, and the manifest.

    Each answer row holds ``kind``, ``prompt`` (``[role, text]`` pairs), ``reference`` (the
    data's own answer) and ``answers``: for each of :data:`MODELS`, its ``turn`` (tool calls
    and results included; the last message is the answer), the judge's ``rules`` and
    ``score``. Each sample record holds ``kind``, ``question``, ``answers``, ``proxy``,
    ``gold`` and ``logratio`` (``log π_dpo - log π_sft`` of each answer).

    Introduced in chapter 8.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the answers were made with other models.

    Examples
    --------
    >>> answers, samples, manifest = load_side_by_side()
    >>> sorted(answers[0]["answers"]) == sorted(MODELS)
    True
    """
    directory, manifest, files = load_shipped(
        SIDE_BY_SIDE_SPEC, SIDE_BY_SIDE_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    recorded = (
        manifest["sft_manifest_sha256"],
        manifest["dpo_manifest_sha256"],
        manifest["reward_manifest_sha256"],
    )
    if recorded != (SFT_MANIFEST_SHA256, DPO_MANIFEST_SHA256, REWARD_MANIFEST_SHA256):
        raise ValueError(
            f"the answers in {directory} were made with other models; "
            f"rerun `{SIDE_BY_SIDE_SPEC.command}`"
        )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return (
        json.loads(files[ANSWERS_FILE]),
        json.loads(files[SAMPLES_FILE]),
        manifest,
    )


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Answer, judge, write the files, print the table and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = compare_assistants(out, force=args.force)
    results = manifest["results"]
    print(f"wrote {out} ({results['cpu_s']:.0f} s of CPU time)")
    print("held-out examples, share answered correctly (base / sft / dpo):")
    grades = results["grades"]
    for kind in grades["sft"]:
        shares = " / ".join(f"{grades[m][kind]['correct']:6.1%}" for m in MODELS)
        print(f"  {kind:<11} {shares}")
    s = results["dpo_samples"]
    print(
        f"DPO samples: proxy {s['proxy']:.3f}, gold {s['gold']:.3f}, "
        f"KL to the assistant {s['kl']:.3f} nats"
    )
    report_manifest(out, MANIFEST_SHA256, SIDE_BY_SIDE_DIR, "side_by_side")
    return 0
