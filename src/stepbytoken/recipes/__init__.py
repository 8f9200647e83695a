"""Recipes: one module per shipped artifact, each a command of ``python -m stepbytoken``.

A recipe module has the same small shape, so the command line finds it in :data:`RECIPES`:

* ``NAME``, the command's words (``"corpus"``, ``"train reference"``);
* ``HELP``, a one-line description;
* ``add_arguments(parser)``, which adds its options to an ``argparse`` parser;
* ``run(args) -> int``, which rebuilds the artifact and returns the exit code.

A two-word ``NAME`` puts the recipe under a group command, described in :data:`GROUPS`.
"""

from __future__ import annotations

import argparse
from typing import Protocol

from stepbytoken.recipes import (
    ablations,
    agent,
    best_of_n,
    calibration,
    constitution,
    corpus,
    decoders,
    diffusion,
    dpo,
    evaluation,
    family,
    grouped_query,
    induction,
    lora,
    memory,
    memory_curves,
    model_widths,
    prompting,
    rag,
    reader,
    reference,
    reward,
    sae,
    scaling,
    sft,
    sft_guess,
    side_by_side,
    thinking,
    thinking_small,
    vision,
    word_mlp,
    word_vectors,
)
from stepbytoken.recipes.reference import (
    CORPUS_ARGS,
    MODEL_ARGS,
    MODEL_SEED,
    NUM_MERGES,
    NUM_THREADS,
    TRAIN_ARGS,
    VAL_EVERY,
    WORLD_SEED,
    reference_corpus,
    reference_settings,
    train_reference,
)

__all__ = [
    "CORPUS_ARGS",
    "GROUPS",
    "MODEL_ARGS",
    "MODEL_SEED",
    "NUM_MERGES",
    "NUM_THREADS",
    "RECIPES",
    "TRAIN_ARGS",
    "VAL_EVERY",
    "WORLD_SEED",
    "Recipe",
    "reference_corpus",
    "reference_settings",
    "train_reference",
]


class Recipe(Protocol):
    """The shape of a recipe module (see the module docstring)."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


#: Every recipe, in the order ``python -m stepbytoken --help`` lists them.
RECIPES: tuple[Recipe, ...] = (
    corpus,
    reference,
    word_mlp,
    word_vectors,
    ablations,
    model_widths,
    decoders,
    sft,
    sft_guess,
    reward,
    dpo,
    best_of_n,
    side_by_side,
    constitution,
    memory,
    memory_curves,
    reader,
    rag,
    agent,
    calibration,
    prompting,
    family,
    lora,
    vision,
    evaluation,
    thinking,
    thinking_small,
    grouped_query,
    scaling,
    induction,
    sae,
    diffusion,
)

#: One-line descriptions of the group commands (the first word of a two-word ``NAME``).
GROUPS: dict[str, str] = {"train": "train a model that ships with the package"}
