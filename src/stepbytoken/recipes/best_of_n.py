"""The recipe of chapter 8's over-optimisation measurement: ``python -m stepbytoken best-of-n``.

For 20 held-out examples of each kind that is answered in one message (tool use is left out:
its answer depends on what the tools return), the recipe samples answers from the shipped
assistant (:func:`~stepbytoken.recipes.sft.load_sft`, temperature 1) and scores each one twice:
with the learned reward model (:func:`~stepbytoken.recipes.reward.load_reward`), the proxy, and
with the gold judge (:func:`~stepbytoken.evaluation.judge.judge`), the truth it was trained to
imitate. Best-of-``n`` over these scores (:func:`~stepbytoken.evaluation.best_of_n_curve`)
shows what happens as the choice leans harder on the proxy. Sampling takes minutes, so the
package ships the scores in ``data/best_of_n/``: ``samples.json`` (every answer with its two
scores) and ``manifest.json``, with ``timing.json``. An empty answer cannot be scored by the
reward model (a message has text), so each prompt keeps the first :data:`N_ANSWERS` non-empty
answers of :data:`N_DRAWN` draws.

Introduced in chapter 8.
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
from stepbytoken.evaluation.best_of_n import best_of_n_curve, sample_replies
from stepbytoken.evaluation.judge import judge
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    output_path,
    report_manifest,
)
from stepbytoken.recipes.reward import MANIFEST_SHA256 as REWARD_MANIFEST_SHA256
from stepbytoken.recipes.reward import load_reward
from stepbytoken.recipes.sft import MANIFEST_SHA256 as SFT_MANIFEST_SHA256
from stepbytoken.recipes.sft import eval_examples, load_sft
from stepbytoken.tokenizers.chat import END, encode_chat
from stepbytoken.training import conversation_rewards

__all__ = [
    "BEST_OF_N_DIR",
    "BEST_OF_N_SPEC",
    "DEFAULT_OUT",
    "HELP",
    "KINDS",
    "MANIFEST_SHA256",
    "NAME",
    "NS",
    "N_ANSWERS",
    "N_DRAWN",
    "add_arguments",
    "load_best_of_n",
    "run",
    "score_best_of_n",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "best-of-n"
HELP = "sample the assistant, score its answers by the reward model and the judge (minutes)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "best_of_n"

#: Folder of the shipped scores inside the package.
BEST_OF_N_DIR = Path(__file__).resolve().parent.parent / "data" / "best_of_n"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of ``samples.json``).
MANIFEST_SHA256 = "a72ca464ebbbc52d827d310ea7d0dc6b62ebc1d5eb05d846acf51d3a09990f1c"

SAMPLES_FILE = "samples.json"

#: What the artifact holds.
BEST_OF_N_SPEC = ArtifactSpec(
    "stepbytoken-best-of-n", 1, (SAMPLES_FILE,), "python -m stepbytoken best-of-n"
)

# The recipe's settings: change one, rerun the recipe, pin the new MANIFEST_SHA256.
KINDS = ("fact", "format", "passage", "scratchpad", "unknown")
PER_KIND = 20
N_DRAWN = 40
N_ANSWERS = 32
TEMPERATURE = 1.0
MAX_NEW_TOKENS = 48
NUM_THREADS = 1
#: The values of n the manifest summarises.
NS = (1, 2, 4, 8, 16, 32)


def score_best_of_n(
    out_dir: str | PathLike[str], *, per_kind: int = PER_KIND, force: bool = False
) -> dict[str, Any]:
    """Sample and score the answers, and write the artifact to ``out_dir``.

    Introduced in chapter 8.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    per_kind : int, default PER_KIND
        Held-out examples per kind (fewer make a quick check).
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    assistant = load_sft()
    reward_model, _ = load_reward()
    tok = assistant.tokenizer
    pad_id = tok.special_id(END)
    examples = [e for e in eval_examples(per_kind) if e.kind in KINDS]
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    cpu_start = time.process_time()
    records = []
    try:
        for i, example in enumerate(examples):
            drawn = sample_replies(
                assistant.model,
                tok,
                example.prompt,
                N_DRAWN,
                temperature=TEMPERATURE,
                seed=i,
                max_new_tokens=MAX_NEW_TOKENS,
            )
            answers = [a for a in drawn if a.strip()][:N_ANSWERS]
            if len(answers) < N_ANSWERS:
                raise RuntimeError(
                    f"only {len(answers)} of {N_DRAWN} answers to example {i} had text; "
                    "raise N_DRAWN"
                )
            encodings = [
                encode_chat(tok, example.with_final(a).messages) for a in answers
            ]
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
                }
            )
    finally:
        torch.set_num_threads(threads)
    timing = {"sampling_cpu_s": round(time.process_time() - cpu_start, 1)}
    curve = best_of_n_curve(
        [r["proxy"] for r in records], [r["gold"] for r in records], NS
    )
    text = json.dumps(records, sort_keys=True) + "\n"
    details = {
        "sft_manifest_sha256": SFT_MANIFEST_SHA256,
        "reward_manifest_sha256": REWARD_MANIFEST_SHA256,
        "settings": {
            "kinds": list(KINDS),
            "per_kind": per_kind,
            "n_drawn": N_DRAWN,
            "n_answers": N_ANSWERS,
            "temperature": TEMPERATURE,
            "max_new_tokens": MAX_NEW_TOKENS,
            "num_threads": NUM_THREADS,
        },
        "results": {
            "prompts": len(records),
            "curve": [{k: round(v, 4) for k, v in row.items()} for row in curve],
        },
        "environment": {"torch": torch.__version__},
    }
    manifest = write_artifact(
        out_dir,
        BEST_OF_N_SPEC,
        {SAMPLES_FILE: lambda path: path.write_text(text, encoding="utf-8")},
        details,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_best_of_n(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The shipped answers with their proxy and gold scores, and the manifest.

    Each record holds ``kind``, ``question``, ``answers``, ``proxy`` (the reward model's
    scores) and ``gold`` (the judge's), one per answer.

    Introduced in chapter 8.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs, or the scores were made with another assistant or reward model.

    Examples
    --------
    >>> records, manifest = load_best_of_n()
    >>> len(records[0]["answers"]) == len(records[0]["proxy"]) == 32
    True
    """
    directory, manifest, files = load_shipped(
        BEST_OF_N_SPEC, BEST_OF_N_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    recorded = (manifest["sft_manifest_sha256"], manifest["reward_manifest_sha256"])
    if recorded != (SFT_MANIFEST_SHA256, REWARD_MANIFEST_SHA256):
        raise ValueError(
            f"the scores in {directory} were made with another assistant or reward model; "
            f"rerun `{BEST_OF_N_SPEC.command}`"
        )
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return json.loads(files[SAMPLES_FILE]), manifest


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out`` and ``--force`` to the recipe's parser."""
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Sample, score, write the files, print the curve and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = score_best_of_n(out, force=args.force)
    print(f"wrote {out} ({manifest['results']['sampling_cpu_s']:.0f} s of CPU time)")
    for row in manifest["results"]["curve"]:
        print(
            f"  n = {row['n']:>2}  KL <= {row['kl']:.2f}  reward model {row['proxy']:.3f}"
            f"  judge {row['gold']:.3f}"
        )
    report_manifest(out, MANIFEST_SHA256, BEST_OF_N_DIR, "best_of_n")
    return 0
