"""Measuring models: ablations, probes and scores."""

from __future__ import annotations

from stepbytoken.evaluation.ablation import (
    VARIANTS,
    DepthProfile,
    ablated_config,
    compare_variants,
    depth_profile,
    unigram_loss,
)

__all__ = [
    "DepthProfile",
    "VARIANTS",
    "ablated_config",
    "compare_variants",
    "depth_profile",
    "unigram_loss",
]
