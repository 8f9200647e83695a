"""Generation: turning logits into tokens, one step at a time."""

from __future__ import annotations

from stepbytoken.generation.chat import assistant_turn, reply
from stepbytoken.generation.context import (
    STRATEGIES,
    prompt_length,
    sliding_window,
    summarise,
    truncate,
    user_statements,
)
from stepbytoken.generation.filters import (
    apply_temperature,
    check_logits,
    check_sampler,
    next_token_distribution,
    top_k_filter,
    top_p_filter,
)
from stepbytoken.generation.generate import (
    GenerationStep,
    generate,
    generation_steps,
    stream,
)
from stepbytoken.generation.sampler import draw, resolve_generator, sample_next

__all__ = [
    "STRATEGIES",
    "GenerationStep",
    "apply_temperature",
    "assistant_turn",
    "check_logits",
    "check_sampler",
    "draw",
    "generate",
    "generation_steps",
    "next_token_distribution",
    "prompt_length",
    "reply",
    "resolve_generator",
    "sample_next",
    "sliding_window",
    "stream",
    "summarise",
    "top_k_filter",
    "top_p_filter",
    "truncate",
    "user_statements",
]
