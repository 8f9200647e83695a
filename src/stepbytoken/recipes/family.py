"""The model family: ``python -m stepbytoken train family``.

Part IV compares models of several sizes that differ in size alone. This recipe trains the
smaller members of that family with everything else taken from the reference model's recipe
(:mod:`~stepbytoken.recipes.reference`): the same corpus and validation split, the same
tokenizer (the shipped reference tokenizer), the same optimiser settings, steps and seeds.
The largest member, ``"l"``, is the reference model itself. Chapter 16 ranks the family,
chapter 17 sets a small thinker against a larger direct answerer, and chapter 19 widens the
grid (more sizes, more token budgets) with the same code.

The package ships the result in ``data/family/``: one ``.safetensors`` file per member and
``manifest.json``, with ``timing.json``. :func:`load_family` checks the files against
:data:`MANIFEST_SHA256`. The shipped members were trained with ``--device cuda`` (bfloat16
autocast): the three trained in 106 s on one H200. On a CPU they take tens of minutes (the
reference model alone took 24), and the results differ from the GPU run's in their last
digits rather than being the same bytes.

Introduced in chapter 16.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
from os import PathLike
from pathlib import Path
from typing import Any

import torch

from stepbytoken.artifacts import MANIFEST_SHA256 as REFERENCE_MANIFEST_SHA256
from stepbytoken.artifacts import (
    ArtifactSpec,
    Reference,
    check_output_path,
    load_reference,
    load_shipped,
    load_timing,
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int
from stepbytoken.evaluation import fact_accuracy
from stepbytoken.nn import GPT, GPTConfig, count_parameters
from stepbytoken.recipes.model_widths import check_tokenizer, tokenizer_sha256
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_device_argument,
    add_output_arguments,
    add_steps_argument,
    autocast_dtype,
    device_settings,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.reference import (
    MODEL_ARGS,
    MODEL_SEED,
    NUM_THREADS,
    TRAIN_ARGS,
    WORLD_SEED,
    reference_token_ids,
)
from stepbytoken.training import TrainConfig, process_group, train
from stepbytoken.world import make_world

__all__ = [
    "DEFAULT_OUT",
    "FAMILY_DIR",
    "FAMILY_SPEC",
    "HELP",
    "MANIFEST_SHA256",
    "MEMBERS",
    "NAME",
    "add_arguments",
    "family_config",
    "load_family",
    "run",
    "train_family",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train family"
HELP = "train the smaller models of the family (2 minutes on a GPU, an hour on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "family"

#: Folder of the shipped family inside the package.
FAMILY_DIR = Path(__file__).resolve().parent.parent / "data" / "family"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "585bfb2d6c5f3ac3d48f39d783cd2ab011e9f349e72ec37ad0e719af3dd8b0f6"

#: The members this recipe trains, smallest first: what differs from the reference model's
#: :data:`~stepbytoken.recipes.reference.MODEL_ARGS`. The largest member, ``"l"``, is the
#: reference model (4 layers of width 128).
MEMBERS: dict[str, dict[str, int]] = {
    "xs": {"n_layer": 1, "n_head": 2, "d_model": 32},
    "s": {"n_layer": 2, "n_head": 2, "d_model": 64},
    "m": {"n_layer": 3, "n_head": 4, "d_model": 96},
}

#: What the artifact holds: one weights file per member.
FAMILY_SPEC = ArtifactSpec(
    "stepbytoken-family",
    1,
    tuple(f"{name}.safetensors" for name in MEMBERS),
    "python -m stepbytoken train family",
)

#: The recipe's stages, as its progress bar names them.
STAGES = ("data", *(f"member {name}" for name in MEMBERS), "files")


def family_config(name: str, vocab_size: int) -> GPTConfig:
    """The configuration of one member: the reference model's, with the member's sizes.

    Introduced in chapter 16.

    Parameters
    ----------
    name : str
        A key of :data:`MEMBERS`, or ``"l"`` for the reference model's own configuration.
    vocab_size : int
        The tokenizer's vocabulary size.

    Returns
    -------
    GPTConfig

    Examples
    --------
    >>> config = family_config("s", 1281)
    >>> config.n_layer, config.d_model, config.block_size, config.d_ff
    (2, 64, 128, 256)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name != "l" and name not in MEMBERS:
        raise ValueError(f"name must be one of {[*MEMBERS, 'l']}, got {name!r}")
    check_int("vocab_size", vocab_size, minimum=1)
    return GPTConfig(vocab_size=vocab_size, **{**MODEL_ARGS, **MEMBERS.get(name, {})})


def train_family(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    device: str = "cpu",
    force: bool = False,
) -> dict[str, Any]:
    """Train every member of :data:`MEMBERS` with the reference recipe's settings; write them.

    Introduced in chapter 16.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps per member; None uses the reference recipe's (3000).
    progress : bool, default True
        Show progress bars.
    device : {"cpu", "cuda"}, default "cpu"
        Where to train; on CUDA the forward passes run under bfloat16 autocast.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``timing``.
    """
    train_args = dict(TRAIN_ARGS)
    if steps is not None:
        train_args["steps"] = check_int("steps", steps, minimum=1)
        train_args["warmup_steps"] = min(train_args["warmup_steps"], steps // 10)
        train_args["eval_every"] = min(train_args["eval_every"], steps)
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    check_bool("progress", progress)
    train_config = TrainConfig(**train_args)
    members: dict[str, Any] = {}
    models: dict[str, GPT] = {}
    timing: dict[str, float] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with (
            process_group(device) as where,
            stages(NAME, STAGES, enabled=progress) as stage,
        ):
            out_dir.mkdir(parents=True, exist_ok=True)
            stage("data")
            tokenizer = load_reference().tokenizer
            train_data, val_data = reference_token_ids(tokenizer)
            world = make_world(WORLD_SEED)
            autocast = autocast_dtype(where)
            for name in MEMBERS:
                stage(f"member {name}")
                config = family_config(name, tokenizer.vocab_size)
                model = GPT(config, seed=MODEL_SEED).to(where)
                result = train(
                    model,
                    train_data,
                    val_data,
                    train_config,
                    progress=progress,
                    autocast_dtype=autocast,
                )
                model = model.cpu().eval()
                models[name] = model
                timing[f"{name}_training_time_s"] = round(result.elapsed_s, 1)
                members[name] = {
                    "model": dataclasses.asdict(config),
                    "parameters": count_parameters(model),
                    "results": {
                        "final_train_loss": round(result.final_train_loss, 4),
                        "final_val_loss": round(result.final_val_loss, 4),
                        "eval_steps": list(result.eval_steps),
                        "eval_val_loss": [round(x, 4) for x in result.eval_val_loss],
                        "train_fact_accuracy": round(
                            fact_accuracy(model, tokenizer, world.questions("train")), 4
                        ),
                        "heldout_fact_accuracy": round(
                            fact_accuracy(model, tokenizer, world.questions("heldout")),
                            4,
                        ),
                    },
                }
            stage("files")
            details = {
                "members": members,
                "tokenizer_sha256": tokenizer_sha256(tokenizer),
                "reference_manifest_sha256": REFERENCE_MANIFEST_SHA256,
                "model_seed": MODEL_SEED,
                "training": {
                    **dataclasses.asdict(train_config),
                    "num_threads": NUM_THREADS,
                    **device_settings(where),
                },
                "environment": {
                    "torch": torch.__version__,
                    "python": platform.python_version(),
                },
            }
            writers = {
                f"{name}.safetensors": (lambda path, m=model: save_weights(m, path))
                for name, model in models.items()
            }
            recipe = recorded_command(FAMILY_SPEC.command, steps=steps, device=where)
            manifest = write_artifact(
                out_dir,
                FAMILY_SPEC,
                writers,
                details,
                recipe=recipe,
                timing=timing,
                force=force,
            )
    finally:
        torch.set_num_threads(threads)
    manifest["timing"] = timing
    return manifest


def load_family(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> dict[str, Reference]:
    """Load the model family, smallest first, checking the SHA-256 of its files first.

    Introduced in chapter 16.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_family`; :data:`FAMILY_DIR` by default.
    manifest_sha256 : str, optional
        The expected SHA-256 of its ``manifest.json``; :data:`MANIFEST_SHA256` by default.

    Returns
    -------
    dict of str -> Reference
        ``"xs"``, ``"s"``, ``"m"`` and ``"l"`` (the shipped reference model). Each member's
        ``manifest`` holds its own ``model``, ``parameters`` and ``results`` (training times
        merged in as ``training_time_s``) and the family's ``training`` settings.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message names the recipe command that rebuilds it).
    ValueError
        If a hash differs or a file is malformed.

    Examples
    --------
    >>> family = load_family()
    >>> list(family), [m.config.n_layer for m in family.values()]
    (['xs', 's', 'm', 'l'], [1, 2, 3, 4])
    """
    directory, manifest, files = load_shipped(
        FAMILY_SPEC, FAMILY_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    reference = load_reference()
    check_tokenizer(
        reference.tokenizer,
        manifest,
        directory,
        whose="the shipped reference model's",
        command=FAMILY_SPEC.command,
    )
    timing = load_timing(directory)
    family: dict[str, Reference] = {}
    for name in MEMBERS:  # smallest first (the manifest's keys are sorted)
        member = manifest["members"][name]
        config = GPTConfig(**member["model"])
        model = GPT(config, seed=0)
        path = directory / f"{name}.safetensors"
        model.load_state_dict(parse_weights(files[path.name], source=path))
        results = dict(member["results"])
        if f"{name}_training_time_s" in timing:
            results["training_time_s"] = timing[f"{name}_training_time_s"]
        member_manifest = {
            **member,
            "results": results,
            "training": manifest["training"],
            "recipe": manifest["recipe"],
        }
        family[name] = Reference(
            model=model.eval(),
            tokenizer=reference.tokenizer,
            config=config,
            manifest=member_manifest,
        )
    family["l"] = reference
    return family


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out``, ``--force`` and ``--device`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")
    add_device_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print each member's results and the manifest's SHA-256."""
    out = output_path(args)
    manifest = train_family(
        out, steps=args.steps, progress=True, device=args.device, force=args.force
    )
    print(f"wrote {out}")
    for name in MEMBERS:
        member = manifest["members"][name]
        results = member["results"]
        print(
            f"{name}: {member['parameters']:,} parameters, val loss "
            f"{results['final_val_loss']:.3f}, fact accuracy "
            f"{results['train_fact_accuracy']:.1%} (trained) "
            f"{results['heldout_fact_accuracy']:.1%} (held out), "
            f"{manifest['timing'][f'{name}_training_time_s']:.0f} s"
        )
    report_manifest(out, MANIFEST_SHA256, FAMILY_DIR, "family")
    return 0
