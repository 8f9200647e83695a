"""Generation: turning logits into tokens, one step at a time."""

from __future__ import annotations

from stepbytoken.generation.sampling import (
    GenerationStep,
    apply_temperature,
    distinct_n,
    generate,
    generation_steps,
    next_token_distribution,
    repeated_ngram_fraction,
    sample_next,
    stream,
    top_k_filter,
    top_p_filter,
)

__all__ = [
    "GenerationStep",
    "apply_temperature",
    "distinct_n",
    "generate",
    "generation_steps",
    "next_token_distribution",
    "repeated_ngram_fraction",
    "sample_next",
    "stream",
    "top_k_filter",
    "top_p_filter",
]
