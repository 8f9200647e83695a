"""A ViT that names shapes and a CLIP pair that matches pictures with captions.

``python -m stepbytoken train vision`` trains two small models on the pictures of
:mod:`stepbytoken.world.images` (16 x 16 pixels, 4 x 4 patches):

* a :class:`~stepbytoken.nn.vit.ViT` that names the shape of a picture (six classes), trained
  on pictures of every kind with noise and small random shifts;
* a :class:`~stepbytoken.nn.clip.CLIP` pair of encoders trained contrastively on pictures and
  their captions, **without** the six shape-colour pairs that
  :func:`~stepbytoken.world.images.combination_split` holds out (no picture and no caption of
  any of them). Its batches are built with hard negatives
  (:func:`~stepbytoken.training.contrastive.hard_negative_batch`): half of each batch shares
  one size and position, so only shape and colour tell those pairs apart.

Zero-shot classification is then measured on the held-out pairs' pictures
(:func:`heldout_set`) with short prompts that are never training captions
(:func:`~stepbytoken.evaluation.zero_shot.zero_shot_accuracy`).

The package ships the result in ``data/vision/``: ``vit.safetensors``, ``clip.safetensors``
and ``manifest.json``, with ``timing.json``. :func:`load_vision` checks the files against
:data:`MANIFEST_SHA256`. Deterministic on the CPU (one thread).

Introduced in chapter 15.
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

import torch
import torch.nn.functional as F

from stepbytoken.artifacts import (
    ArtifactSpec,
    check_output_path,
    load_shipped,
    load_timing,
    parse_weights,
    save_weights,
    write_artifact,
)
from stepbytoken.checks import (
    check_bool,
    check_instance,
    check_int,
)
from stepbytoken.evaluation.zero_shot import every_place_templates, zero_shot_accuracy
from stepbytoken.nn import count_parameters
from stepbytoken.nn.clip import CLIP, CLIPConfig, tokenize_captions
from stepbytoken.nn.vit import ViT, ViTConfig
from stepbytoken.recipes.options import (
    DEFAULT_OUT_ROOT,
    add_output_arguments,
    add_steps_argument,
    output_path,
    recorded_command,
    report_manifest,
    stages,
)
from stepbytoken.text.words import split_words
from stepbytoken.tokenizers.vocab import WordVocab
from stepbytoken.training.contrastive import clip_loss, hard_negative_batch
from stepbytoken.world.images import (
    COLOURS,
    SHAPES,
    ImageSet,
    ImageSpec,
    caption,
    combination_split,
    make_dataset,
)

__all__ = [
    "CLIP_ARGS",
    "DEFAULT_OUT",
    "HELP",
    "MANIFEST_SHA256",
    "NAME",
    "SHAPE_TEMPLATES",
    "VISION_DIR",
    "VISION_SPEC",
    "VIT_ARGS",
    "Vision",
    "add_arguments",
    "heldout_set",
    "load_vision",
    "measure",
    "run",
    "fresh_set",
    "train_vision",
    "vision_vocab",
]

#: The command's words after ``python -m stepbytoken``, and its one-line description.
NAME = "train vision"
HELP = (
    "train a ViT shape classifier and a CLIP pair on small pictures (minutes on a CPU)"
)

#: Where the recipe writes by default, relative to the current folder.
DEFAULT_OUT = DEFAULT_OUT_ROOT / "vision"

#: Folder of the shipped models inside the package.
VISION_DIR = Path(__file__).resolve().parent.parent / "data" / "vision"

#: SHA-256 of the shipped ``manifest.json`` (which holds the SHA-256 of the weights).
MANIFEST_SHA256 = "74ccd11ad51ff60d198c37e5b44a64d6df0e3c3dc59e3d2918ee1ad951e2297e"

VIT_FILE, CLIP_FILE = "vit.safetensors", "clip.safetensors"

#: What the artifact holds.
VISION_SPEC = ArtifactSpec(
    "stepbytoken-vision", 1, (VIT_FILE, CLIP_FILE), "python -m stepbytoken train vision"
)

#: The pictures: side, noise, shift, and the seed of the held-out shape-colour pairs.
IMAGE_SIZE, NOISE, JITTER, SPLIT_SEED = 16, 0.05, 1.0, 0
#: Settings of the ViT shape classifier.
VIT_ARGS = {
    "n_images": 6000,
    "steps": 1500,
    "batch_size": 64,
    "lr": 2e-3,
    "model": {"patch": 4, "n_layer": 2, "n_head": 2, "d_model": 32},
}
#: Settings of the CLIP pair: ``copies`` noisy drawings of each training spec.
CLIP_ARGS = {
    "copies": 20,
    "steps": 3000,
    "batch_size": 64,
    "lr": 2e-3,
    "model": {"patch": 4, "n_layer": 2, "n_head": 2, "d_model": 48, "d_embed": 48},
}
#: Prompt templates for zero-shot shape classification; ``{}`` is the shape's name.
SHAPE_TEMPLATES = ("{}", "a {}", "a small {}", "a large {}", "a {} in the centre")
NUM_THREADS = 1
STAGES = ("data", "ViT", "CLIP", "files")


class Vision(NamedTuple):
    """The shipped models, as :func:`load_vision` returns them.

    Fields:

    vit : ViT
        The shape classifier (eval mode).
    clip : CLIP
        The pair of encoders (eval mode).
    vocab : WordVocab
        The words of the training captions, the text encoder's ids.
    manifest : dict
        The manifest, with ``timing.json``'s durations in ``results``.

    Introduced in chapter 15.
    """

    vit: ViT
    clip: CLIP
    vocab: WordVocab
    manifest: dict[str, Any]


def vision_vocab(specs: Sequence[ImageSpec] | None = None) -> WordVocab:
    """The words of the captions of ``specs`` (the CLIP training specs by default).

    Examples
    --------
    >>> vocab = vision_vocab()
    >>> len(vocab), "circle" in vocab, "picture" in vocab
    (23, True, False)

    Introduced in chapter 15.
    """
    if specs is None:
        specs = combination_split(SPLIT_SEED).train
    if isinstance(specs, (str, bytes)) or not isinstance(specs, Sequence):
        raise TypeError(f"specs must be a sequence of ImageSpec, got {specs!r:.80}")
    if not specs:
        raise ValueError("specs must hold at least one ImageSpec")
    for i, spec in enumerate(specs):
        check_instance(f"specs[{i}]", spec, ImageSpec)
    words = [w for spec in specs for w in split_words(caption(spec))]
    return WordVocab.from_words(words, specials=())


def heldout_set(copies: int = 2) -> ImageSet:
    """Noisy pictures of the held-out shape-colour pairs, which CLIP never saw.

    ``copies`` drawings of each of the 60 held-out specs (seed 1: other noise and shifts
    than in training).

    Examples
    --------
    >>> heldout_set().images.shape
    torch.Size([120, 3, 16, 16])

    Introduced in chapter 15.
    """
    copies = check_int("copies", copies, minimum=1, maximum=100)
    specs = list(combination_split(SPLIT_SEED).heldout) * copies
    return make_dataset(specs, size=IMAGE_SIZE, seed=1, noise=NOISE, jitter=JITTER)


def fresh_set(n: int = 1000) -> ImageSet:
    """``n`` fresh pictures of every kind for the classifier's accuracy (seed 1).

    Examples
    --------
    >>> fresh_set(5).labels.shape
    torch.Size([5, 4])

    Introduced in chapter 15.
    """
    n = check_int("n", n, minimum=1, maximum=100_000)
    return make_dataset(n, size=IMAGE_SIZE, seed=1, noise=NOISE, jitter=JITTER)


def _train_vit(steps: int) -> tuple[ViT, float]:
    data = make_dataset(
        VIT_ARGS["n_images"], size=IMAGE_SIZE, seed=0, noise=NOISE, jitter=JITTER
    )
    labels = data.attribute("shape")
    model = ViT(ViTConfig(image_size=IMAGE_SIZE, n_classes=6, **VIT_ARGS["model"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=VIT_ARGS["lr"])
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=VIT_ARGS["lr"], total_steps=steps, pct_start=0.1
    )
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        rows = torch.randint(
            len(labels), (VIT_ARGS["batch_size"],), generator=generator
        )
        loss = F.cross_entropy(model(data.images[rows]), labels[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval(), loss.item()


def _train_clip(steps: int, vocab: WordVocab) -> tuple[CLIP, float]:
    specs = list(combination_split(SPLIT_SEED).train)
    copies = CLIP_ARGS["copies"]
    data = make_dataset(
        specs * copies, size=IMAGE_SIZE, seed=0, noise=NOISE, jitter=JITTER
    )
    idx, lengths = tokenize_captions(data.captions, vocab)
    config = CLIPConfig(
        vocab_size=len(vocab), image_size=IMAGE_SIZE, **CLIP_ARGS["model"]
    )
    model = CLIP(config, seed=0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=CLIP_ARGS["lr"])
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=CLIP_ARGS["lr"], total_steps=steps, pct_start=0.1
    )
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        batch = torch.tensor(
            hard_negative_batch(specs, CLIP_ARGS["batch_size"], generator)
        )
        copy = torch.randint(copies, (len(batch),), generator=generator)
        rows = copy * len(specs) + batch  # one drawing of each spec of the batch
        loss = clip_loss(model(data.images[rows], idx[rows], lengths[rows]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval(), loss.item()


def measure(vit: ViT, clip: CLIP, vocab: WordVocab) -> dict[str, Any]:
    """The numbers the manifest records: classifier and zero-shot accuracies.

    Examples
    --------
    >>> vision = load_vision()
    >>> results = measure(vision.vit, vision.clip, vision.vocab)
    >>> results["vit_accuracy"] == vision.manifest["results"]["vit_accuracy"]
    True

    Introduced in chapter 15.
    """
    check_instance("vit", vit, ViT)
    check_instance("clip", clip, CLIP)
    test = fresh_set()
    with torch.no_grad():
        predicted = vit(test.images).argmax(dim=1)
    held = heldout_set()
    shapes, colours = held.attribute("shape"), held.attribute("colour")

    def shape(templates: Sequence[str]) -> float:
        return round(
            zero_shot_accuracy(clip, vocab, held.images, shapes, SHAPES, templates), 4
        )

    pairs = [f"{c} {s}" for s in SHAPES for c in COLOURS]
    return {
        "vit_accuracy": round(
            (predicted == test.attribute("shape")).float().mean().item(), 4
        ),
        "zero_shot_shape": {t: shape([t]) for t in SHAPE_TEMPLATES},
        "zero_shot_shape_every_place": shape(every_place_templates()),
        "zero_shot_colour": round(
            zero_shot_accuracy(clip, vocab, held.images, colours, COLOURS, ["a {}"]), 4
        ),
        "zero_shot_pair": round(
            zero_shot_accuracy(
                clip,
                vocab,
                held.images,
                shapes * len(COLOURS) + colours,
                pairs,
                ["a {}"],
            ),
            4,
        ),
    }


def train_vision(
    out_dir: str | PathLike[str],
    *,
    steps: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Train the ViT classifier and the CLIP pair; write the artifact.

    Introduced in chapter 15.

    Parameters
    ----------
    out_dir : str or path-like
        Destination folder (created if needed; its files are overwritten).
    steps : int, optional
        Training steps of each model; None uses those of :data:`VIT_ARGS` and
        :data:`CLIP_ARGS`.
    progress : bool, default True
        Show a progress bar over the stages.
    force : bool, default False
        Allow overwriting the shipped artifact inside the installed package.

    Returns
    -------
    dict
        The manifest that was written, with ``timing.json``'s durations in ``results``.
    """
    out_dir = check_output_path(out_dir, force=force, what="out_dir")
    vit_steps = (
        VIT_ARGS["steps"] if steps is None else check_int("steps", steps, minimum=1)
    )
    clip_steps = CLIP_ARGS["steps"] if steps is None else steps
    check_bool("progress", progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(NUM_THREADS)
    try:
        with stages(NAME, STAGES, enabled=progress) as stage:
            stage("data")
            vocab = vision_vocab()
            stage("ViT")
            start = time.perf_counter()
            vit, vit_loss = _train_vit(vit_steps)
            vit_s = time.perf_counter() - start
            stage("CLIP")
            start = time.perf_counter()
            clip, clip_loss_ = _train_clip(clip_steps, vocab)
            clip_s = time.perf_counter() - start
            results = measure(vit, clip, vocab)
            stage("files")
    finally:
        torch.set_num_threads(threads)
    split = combination_split(SPLIT_SEED)
    details = {
        "data": {
            "image_size": IMAGE_SIZE,
            "noise": NOISE,
            "jitter": JITTER,
            "split_seed": SPLIT_SEED,
            "heldout_pairs": [list(p) for p in split.pairs],
            "clip_train_specs": len(split.train),
        },
        "vocab": vocab.itos,
        "vit": {
            "config": dataclasses.asdict(vit.config),
            "parameters": count_parameters(vit),
            "training": {**VIT_ARGS, "steps": vit_steps},
        },
        "clip": {
            "config": dataclasses.asdict(clip.config),
            "parameters": count_parameters(clip),
            "training": {**CLIP_ARGS, "steps": clip_steps, "batches": "hard negatives"},
        },
        "results": {
            **results,
            "vit_final_loss": round(vit_loss, 4),
            "clip_final_loss": round(clip_loss_, 4),
        },
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "num_threads": NUM_THREADS,
        },
    }
    timing = {"vit_time_s": round(vit_s, 1), "clip_time_s": round(clip_s, 1)}
    recipe = recorded_command(VISION_SPEC.command, steps=steps)
    manifest = write_artifact(
        out_dir,
        VISION_SPEC,
        {
            VIT_FILE: lambda path: save_weights(vit, path),
            CLIP_FILE: lambda path: save_weights(clip, path),
        },
        details,
        recipe=recipe,
        timing=timing,
        force=force,
    )
    manifest["results"] = {**manifest["results"], **timing}
    return manifest


def load_vision(
    directory: str | PathLike[str] | None = None, *, manifest_sha256: str | None = None
) -> Vision:
    """Load the shipped ViT and CLIP, checking the SHA-256 of their files first.

    Introduced in chapter 15.

    Parameters
    ----------
    directory : str or path-like, optional
        A folder written by :func:`train_vision`; :data:`VISION_DIR` by default.
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
    >>> vision = load_vision()
    >>> vision.vit.config.n_patches, vision.clip.training
    (16, False)
    """
    directory, manifest, files = load_shipped(
        VISION_SPEC, VISION_DIR, MANIFEST_SHA256, directory, manifest_sha256
    )
    vit = ViT(ViTConfig(**manifest["vit"]["config"]))
    vit.load_state_dict(parse_weights(files[VIT_FILE], source=directory / VIT_FILE))
    clip = CLIP(CLIPConfig(**manifest["clip"]["config"]))
    clip.load_state_dict(parse_weights(files[CLIP_FILE], source=directory / CLIP_FILE))
    manifest["results"] = {**manifest["results"], **load_timing(directory)}
    return Vision(vit.eval(), clip.eval(), WordVocab(manifest["vocab"]), manifest)


# -- on the command line ----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--steps``, ``--out`` and ``--force`` to the recipe's parser."""
    add_steps_argument(parser, CLIP_ARGS["steps"])
    add_output_arguments(parser, DEFAULT_OUT, "folder")


def run(args: argparse.Namespace) -> int:
    """Train, write the files, print the accuracies and the manifest's SHA-256; exit 0."""
    out = output_path(args)
    manifest = train_vision(out, steps=args.steps, progress=True, force=args.force)
    r = manifest["results"]
    print(f"wrote {out}")
    print(
        f"ViT shape accuracy {r['vit_accuracy']:.3f} ({r['vit_time_s']:.0f} s); CLIP "
        f"zero-shot on held-out pairs: colour {r['zero_shot_colour']:.3f}, shape "
        f"{r['zero_shot_shape_every_place']:.3f} ({r['clip_time_s']:.0f} s)"
    )
    report_manifest(out, MANIFEST_SHA256, VISION_DIR, "vision")
    return 0
