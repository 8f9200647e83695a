"""The models of the book, from counting n-grams to the GPT."""

from __future__ import annotations

from stepbytoken.nn.attention import (
    MultiHeadAttention,
    RotaryEmbedding,
    causal_mask,
    scaled_dot_product_attention,
    sinusoidal_positions,
)
from stepbytoken.nn.gpt import (
    GPT,
    MLP,
    NORMS,
    POSITIONS,
    Block,
    GPTConfig,
    RMSNorm,
    count_parameters,
    parameter_count,
)
from stepbytoken.nn.mlp_lm import (
    MLPLanguageModel,
    perplexity,
    token_probs,
)
from stepbytoken.nn.ngram import (
    SMOOTHINGS,
    NGramModel,
)
from stepbytoken.nn.word2vec import (
    Vocab,
    WordVectors,
    build_vocab,
    cosine_similarity,
    sgns_grads,
    sgns_loss,
    skipgram_pairs,
    train_word_vectors,
)

__all__ = [
    "Block",
    "GPT",
    "GPTConfig",
    "MLP",
    "MLPLanguageModel",
    "MultiHeadAttention",
    "NGramModel",
    "NORMS",
    "POSITIONS",
    "RMSNorm",
    "RotaryEmbedding",
    "SMOOTHINGS",
    "Vocab",
    "WordVectors",
    "build_vocab",
    "causal_mask",
    "cosine_similarity",
    "count_parameters",
    "parameter_count",
    "perplexity",
    "scaled_dot_product_attention",
    "sgns_grads",
    "sgns_loss",
    "sinusoidal_positions",
    "skipgram_pairs",
    "token_probs",
    "train_word_vectors",
]
