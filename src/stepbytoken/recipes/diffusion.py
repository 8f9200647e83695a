"""Two small text-to-picture diffusion models: a U-Net and a DiT, trained alike.

``python -m stepbytoken train diffusion`` trains two noise predictors on the pictures of
:mod:`stepbytoken.world.images` (16 x 16 pixels, scaled to ``[-1, 1]``), with the DDPM
loss and the linear schedule of Ho et al. (2020)
(:mod:`stepbytoken.training.diffusion`):

* a convolutional :class:`~stepbytoken.nn.unet.UNet`;
* a transformer over 2 x 2 patches, :class:`~stepbytoken.nn.dit.DiT` (adaLN-Zero),

at about the same number of parameters, with the same data, steps, batch and learning rate.
Both read the caption as chapter 15's frozen CLIP text vector (:func:`caption_vectors`),
replaced by zeros for 10 % of the pictures so that classifier-free guidance works. They are
trained on the 300 specs of :func:`~stepbytoken.world.images.combination_split` (the
shape-colour pairs CLIP saw), each drawn several times with a small random shift.

The recipe then samples with DDIM (:func:`~stepbytoken.generation.diffusion.ddim_sample`)
and scores the samples (:func:`~stepbytoken.evaluation.image_scores.image_scores`) over a
sweep of guidance scales, of sampling steps, and on the held-out shape-colour pairs. The
package ships ``data/diffusion/``: ``unet.safetensors`` and ``dit.safetensors`` (float16)
and ``manifest.json`` (settings, loss curves, scores), with ``timing.json``.
:func:`load_diffusion` checks the files against :data:`MANIFEST_SHA256`. Deterministic on
the CPU (one thread); ``--device cuda`` trains and samples on a GPU (float32). The shipped
models were made with ``--steps 8000 --device cuda`` (about two minutes each on a GPU; the
default 1,000 steps suit a CPU).

Introduced in chapter 21.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_shipped,
    load_timing,
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import check_bool, check_int, check_strings
from stepbytoken.evaluation.image_scores import image_scores
from stepbytoken.generation.diffusion import ddim_sample
from stepbytoken.nn import count_parameters
from stepbytoken.nn.clip import tokenize_captions
from stepbytoken.nn.dit import DiT, DiTConfig
from stepbytoken.nn.unet import UNet, UNetConfig
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_device_argument,
    add_output_arguments,
    add_steps_argument,
    autocast_dtype,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.recipes.vision import Vision, load_vision
from stepbytoken.training import process_group
from stepbytoken.training.diffusion import (
    NoiseSchedule,
    diffusion_loss,
    drop_condition,
    linear_schedule,
)
from stepbytoken.world.images import ImageSpec, caption, combination_split, make_dataset

__all__ = [
    "DEFAULT_OUT",
    "DIFFUSION_DIR",
    "DIFFUSION_SPEC",
    "GUIDANCE_SCALES",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "TRAIN_ARGS",
    "Diffusion",
    "add_arguments",
    "caption_vectors",
    "eval_specs",
    "load_diffusion",
    "run",
    "train_diffusion",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train diffusion"
HELP = "train a U-Net and a DiT to draw small pictures from captions (minutes on a CPU)"

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "diffusion"

#: Folder of the shipped models inside the package.
DIFFUSION_DIR = Path(__file__).resolve().parent.parent / "data" / "diffusion"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "7dae5e6dbd021215a0bf018bcc81b47601c1d583d0f5bc972cf7a4ea8e2668a7"

UNET_FILE, DIT_FILE = "unet.safetensors", "dit.safetensors"

#: What the artifact holds.
DIFFUSION_SPEC = ArtifactSpec(
    "stepbytoken-diffusion",
    1,
    (UNET_FILE, DIT_FILE),
    "python -m stepbytoken train diffusion",
)

#: The pictures: side, largest shift in pixels, drawings per training spec.
IMAGE_SIZE, JITTER, COPIES, SPLIT_SEED = 16, 1.0, 8, 0
#: Settings shared by both models.
TRAIN_ARGS = {"steps": 1000, "batch_size": 64, "lr": 2e-3, "p_uncond": 0.1}
UNET_MODEL = {"channels": (24, 48), "d_emb": 64}
DIT_MODEL = {"patch": 2, "n_layer": 3, "n_head": 4, "d_model": 60}
#: Guidance scales of the sweep, and the one used for the other measurements.
GUIDANCE_SCALES = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0)
GUIDANCE, SAMPLE_STEPS = 3.0, 20
STEP_COUNTS = (5, 10, 20)
N_EVAL, LOSS_EVERY, NUM_THREADS = 60, 50, 1
STAGES = ("data", "U-Net", "DiT", "sampling", "files")


class Diffusion(NamedTuple):
    """The shipped models, as :func:`load_diffusion` returns them.

    Fields:

    unet : UNet
        The convolutional noise predictor (eval mode).
    dit : DiT
        The transformer noise predictor (eval mode).
    schedule : NoiseSchedule
        The schedule both were trained with.
    vision : Vision
        Chapter 15's models, whose CLIP text encoder reads the captions.
    manifest : dict
        The manifest, with ``timing.json``'s durations in ``results``.

    Introduced in chapter 21.
    """

    unet: UNet
    dit: DiT
    schedule: NoiseSchedule
    vision: Vision
    manifest: dict[str, Any]


@torch.no_grad()
def caption_vectors(captions: Sequence[str], vision: Vision | None = None) -> Tensor:
    """Chapter 15's CLIP text vectors of ``captions``: ``(n, 48)`` unit vectors.

    Examples
    --------
    >>> v = caption_vectors(["a large red circle at the top left"])
    >>> v.shape, round(v.norm().item(), 4)
    (torch.Size([1, 48]), 1.0)

    Introduced in chapter 21.
    """
    captions = check_strings("captions", captions)
    vision = load_vision() if vision is None else vision
    if not isinstance(vision, Vision):
        raise TypeError(f"vision must be a Vision, got {type(vision).__name__}")
    idx, lengths = tokenize_captions(captions, vision.vocab)
    return vision.clip.encode_texts(idx, lengths)


def eval_specs(heldout: bool = False) -> tuple[ImageSpec, ...]:
    """The specs the samples are scored on: 60 training specs (seed 1), or 60 held-out ones.

    The held-out specs are those of the six shape-colour pairs that neither CLIP nor the
    denoisers saw (:func:`~stepbytoken.world.images.combination_split`): all 60 of them.

    Examples
    --------
    >>> len(eval_specs()), len(eval_specs(heldout=True))
    (60, 60)

    Introduced in chapter 21.
    """
    split = combination_split(SPLIT_SEED)
    if check_bool("heldout", heldout):
        return split.heldout[:N_EVAL]
    rows = np.random.default_rng(1).choice(len(split.train), N_EVAL, replace=False)
    return tuple(split.train[i] for i in rows)


def _train(model: nn.Module, steps: int, images: Tensor, cond: Tensor) -> list[float]:
    """Train ``model`` in place on the device of ``images``; return the mean loss of every
    ``LOSS_EVERY`` steps."""
    model.to(images.device)
    schedule = linear_schedule()
    optimizer = torch.optim.AdamW(model.parameters(), lr=TRAIN_ARGS["lr"])
    lr_schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=TRAIN_ARGS["lr"], total_steps=steps, pct_start=0.1
    )
    generator = torch.Generator().manual_seed(0)
    curve, total = [], 0.0
    model.train()
    for step in range(steps):
        rows = torch.randint(
            len(images), (TRAIN_ARGS["batch_size"],), generator=generator
        ).to(images.device)
        c = drop_condition(cond[rows], TRAIN_ARGS["p_uncond"], generator)
        loss = diffusion_loss(model, images[rows], c, schedule, generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lr_schedule.step()
        total += loss.item()
        if (step + 1) % LOSS_EVERY == 0 or step + 1 == steps:
            curve.append(round(total / (step % LOSS_EVERY + 1), 4))
            total = 0.0
    model.cpu().eval()
    with torch.no_grad():  # the shipped weights are float16: measure those
        for p in model.parameters():
            p.copy_(p.half().float())
    return curve


def _scores(
    model: nn.Module, specs: Sequence[ImageSpec], vision: Vision, **kwargs: Any
) -> dict[str, float]:
    cond = caption_vectors([caption(s) for s in specs], vision)
    kwargs = {"n_steps": SAMPLE_STEPS, "guidance_scale": GUIDANCE, **kwargs}
    images = ddim_sample(model, cond, linear_schedule(), seed=0, **kwargs).images
    return image_scores(images, specs, vision.vit, vision.clip, vision.vocab)


def _measure(model: nn.Module, vision: Vision, device: torch.device) -> dict[str, Any]:
    specs = eval_specs()
    model.to(device)
    return {
        "guidance": {
            str(s): _scores(model, specs, vision, guidance_scale=s)
            for s in GUIDANCE_SCALES
        },
        "heldout": _scores(model, eval_specs(heldout=True), vision),
        "sampling_steps": {
            str(n): _scores(model, specs, vision, n_steps=n) for n in STEP_COUNTS
        },
        "eta1": _scores(model, specs, vision, eta=1.0),
    }


def train_diffusion(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    device: str = "cpu",
    force: bool = False,
) -> dict[str, Any]:
    """Train the U-Net and the DiT, sample and score them; write the artifact.

    Introduced in chapter 21.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps of each model; None uses :data:`TRAIN_ARGS`.
    progress : bool, default True
        Show a progress bar over the stages.
    device : {"cpu", "cuda"}, default "cpu"
        Where to train and sample (float32 on both).
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    steps = (
        TRAIN_ARGS["steps"] if steps is None else check_int("steps", steps, minimum=1)
    )
    check_bool("progress", progress)
    autocast_dtype(device)  # checks the name
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with (
            process_group(device) as where,  # checks that the device is there
            stages(NAME, STAGES, enabled=progress) as stage,
        ):
            stage("data")
            vision = load_vision()
            specs = list(combination_split(SPLIT_SEED).train)
            data = make_dataset(specs * COPIES, size=IMAGE_SIZE, seed=0, jitter=JITTER)
            images = data.images * 2 - 1  # [0, 1] -> [-1, 1]
            cond = caption_vectors(data.captions, vision)
            unet = UNet(UNetConfig(image_size=IMAGE_SIZE, **UNET_MODEL), seed=0)
            dit = DiT(DiTConfig(image_size=IMAGE_SIZE, **DIT_MODEL), seed=0)
            curves, times = {}, {}
            for name, model in (("U-Net", unet), ("DiT", dit)):
                stage(name)
                start = time.perf_counter()
                curves[name] = _train(model, steps, images.to(where), cond.to(where))
                times[name] = round(time.perf_counter() - start, 1)
            stage("sampling")
            start = time.perf_counter()
            results = {
                "unet": _measure(unet, vision, where),
                "dit": _measure(dit, vision, where),
            }
            unet, dit = unet.cpu(), dit.cpu()
            sampling_s = round(time.perf_counter() - start, 1)
            stage("files")
    finally:
        torch.set_num_threads(threads)
    details = {
        "data": {
            "image_size": IMAGE_SIZE,
            "jitter": JITTER,
            "copies": COPIES,
            "split_seed": SPLIT_SEED,
            "train_specs": len(specs),
        },
        "schedule": {
            "kind": "linear",
            "n_steps": 1000,
            "beta_start": 1e-4,
            "beta_end": 0.02,
        },
        "training": {
            **TRAIN_ARGS,
            "steps": steps,
            "loss_every": LOSS_EVERY,
            "device": where.type,
        },
        "sampling": {
            "sampler": "DDIM",
            "n_steps": SAMPLE_STEPS,
            "guidance_scale": GUIDANCE,
            "guidance_scales": list(GUIDANCE_SCALES),
            "step_counts": list(STEP_COUNTS),
            "n_eval": N_EVAL,
        },
        "unet": {
            "config": dataclasses.asdict(unet.config),
            "parameters": count_parameters(unet),
            "loss_curve": curves["U-Net"],
        },
        "dit": {
            "config": dataclasses.asdict(dit.config),
            "parameters": count_parameters(dit),
            "loss_curve": curves["DiT"],
        },
        "results": results,
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "num_threads": NUM_THREADS,
        },
    }
    timing = {
        "unet_time_s": times["U-Net"],
        "dit_time_s": times["DiT"],
        "sampling_time_s": sampling_s,
    }
    recipe = recorded_command(
        DIFFUSION_SPEC.command,
        steps=steps,
        default_steps=TRAIN_ARGS["steps"],
        device=where,
    )

    def half(model: nn.Module) -> dict[str, Tensor]:
        return {k: v.half() for k, v in model.state_dict().items()}

    manifest = write_artifact(
        out_dir,
        DIFFUSION_SPEC,
        {
            UNET_FILE: lambda path: save_weights(half(unet), path),
            DIT_FILE: lambda path: save_weights(half(dit), path),
        },
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_diffusion(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Diffusion:
    """Load the shipped U-Net and DiT (and chapter 15's models), checking SHA-256 first.

    Introduced in chapter 21.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_diffusion`; :data:`DIFFUSION_DIR` by default.
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
    >>> d = load_diffusion()
    >>> d.dit.config.n_patches, d.schedule.n_steps
    (64, 1000)
    """
    directory, manifest, files = load_shipped(
        DIFFUSION_SPEC, DIFFUSION_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    unet_config = {**manifest["unet"]["config"]}
    unet_config["channels"] = tuple(unet_config["channels"])
    unet = UNet(UNetConfig(**unet_config))
    dit = DiT(DiTConfig(**manifest["dit"]["config"]))
    for model, name in ((unet, UNET_FILE), (dit, DIT_FILE)):
        weights = parse_weights(files[name], source=directory / name)
        model.load_state_dict({k: v.float() for k, v in weights.items()})
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Diffusion(
        unet.eval(), dit.eval(), linear_schedule(), load_vision(), manifest
    )


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--device``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, TRAIN_ARGS["steps"])
    add_device_argument(parser)
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the scores and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_diffusion(
        out, steps=args.steps, progress=True, device=args.device, force=args.force
    )
    r = manifest["results"]
    print(f"wrote {out}")
    for key, name in (("unet", "U-Net"), ("dit", "DiT")):
        scores = r[key]["guidance"][str(GUIDANCE)]
        print(
            f"{name}: match {scores['match']:.3f}, CLIP {scores['clip']:.3f} at guidance "
            f"{GUIDANCE} ({r[key + '_time_s']:.0f} s)"
        )
    report_manifest(out, MANIFEST_SHA256, DIFFUSION_DIR, "diffusion")
    return 0
