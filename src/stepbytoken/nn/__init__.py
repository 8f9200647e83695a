"""The models of the book, from counting n-grams to the GPT."""

from __future__ import annotations

from stepbytoken.nn.attention import (
    MultiHeadAttention,
    causal_mask,
    scaled_dot_product_attention,
)
from stepbytoken.nn.clip import CLIP, CLIPConfig
from stepbytoken.nn.gpt import GPT, MLP, MLPS, Block, GPTConfig, SwiGLU
from stepbytoken.nn.interface import (
    LanguageModel,
    check_language_model,
    eval_mode,
    model_device,
    restore_modes,
)
from stepbytoken.nn.lora import LoRALinear, add_lora, merge_lora
from stepbytoken.nn.mlp_lm import MLPLanguageModel
from stepbytoken.nn.ngram import SMOOTHINGS, NGramModel
from stepbytoken.nn.norms import NORMS, RMSNorm, make_norm
from stepbytoken.nn.parameters import (
    count_parameters,
    parameter_breakdown,
    parameter_count,
)
from stepbytoken.nn.positions import POSITIONS, RotaryEmbedding, sinusoidal_positions
from stepbytoken.nn.quantize import quantize_blockwise, quantize_model
from stepbytoken.nn.reward_model import RewardModel
from stepbytoken.nn.vit import ViT, ViTConfig
from stepbytoken.nn.vocab_resize import grow_vocab
from stepbytoken.nn.word2vec import sgns_grads, sgns_loss, skipgram_pairs
from stepbytoken.nn.word_vectors import UnknownWordError, WordVectors, cosine_similarity

__all__ = [
    "RewardModel",
    "Block",
    "CLIP",
    "CLIPConfig",
    "GPT",
    "GPTConfig",
    "LanguageModel",
    "LoRALinear",
    "MLP",
    "MLPLanguageModel",
    "MLPS",
    "MultiHeadAttention",
    "NGramModel",
    "NORMS",
    "POSITIONS",
    "RMSNorm",
    "RotaryEmbedding",
    "SMOOTHINGS",
    "SwiGLU",
    "UnknownWordError",
    "ViT",
    "ViTConfig",
    "WordVectors",
    "add_lora",
    "causal_mask",
    "check_language_model",
    "cosine_similarity",
    "count_parameters",
    "eval_mode",
    "grow_vocab",
    "make_norm",
    "merge_lora",
    "model_device",
    "parameter_breakdown",
    "parameter_count",
    "quantize_blockwise",
    "quantize_model",
    "restore_modes",
    "scaled_dot_product_attention",
    "sgns_grads",
    "sgns_loss",
    "sinusoidal_positions",
    "skipgram_pairs",
]
