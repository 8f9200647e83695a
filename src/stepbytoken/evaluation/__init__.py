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
from stepbytoken.evaluation.agreement import (
    AgreementCase,
    agreement_accuracy,
    agreement_cases,
)
from stepbytoken.evaluation.analogies import (
    answer_analogies,
    evaluate_analogies,
    top_answers,
)
from stepbytoken.evaluation.attention_cost import (
    AttentionCost,
    attention_cost,
    growth_exponent,
    peak_bytes,
    score_matrix_bytes,
)
from stepbytoken.evaluation.attention_stats import (
    diagonal_spread,
    effective_keys,
    previous_token_share,
    softmax_jacobian_norm,
)
from stepbytoken.evaluation.compression import compression, compression_curve
from stepbytoken.evaluation.contextual import contextual_vectors, mean_pairwise_cosine
from stepbytoken.evaluation.decoding import (
    compare_decoders,
    effective_choices,
    first_token_hits,
    mean_and_error,
    next_token_logits,
    paired_difference,
    token_log_probs,
)
from stepbytoken.evaluation.diversity import distinct_n, repeated_ngram_fraction
from stepbytoken.evaluation.embedding_space import (
    nearest_neighbours,
    neighbour_overlap,
    offset_consistency,
    same_label_share,
    similarity_correlation,
    word_token_vectors,
)
from stepbytoken.evaluation.facts import (
    MAX_ANSWER_TOKENS,
    answer_questions,
    fact_accuracy,
    question_prompt,
)
from stepbytoken.evaluation.judge import RULES, Verdict, final_answer, judge
from stepbytoken.evaluation.length import loss_by_position, with_block_size
from stepbytoken.evaluation.memory import (
    Recall,
    accuracy_by_distance,
    choice_scores,
    fact_distance,
    recall,
)
from stepbytoken.evaluation.perplexity import perplexity, token_probs
from stepbytoken.evaluation.preferences import PreferencePair, preference_pairs
from stepbytoken.evaluation.probes import (
    PRONOUN,
    HeadProbe,
    PronounCase,
    held_out,
    pad_batch,
    prefers_right_pronoun,
    probe_heads,
    pronoun_cases,
    stories_of,
)
from stepbytoken.evaluation.repetition import (
    Loop,
    copy_probabilities,
    copy_trend,
    find_loop,
)
from stepbytoken.evaluation.scaling import non_embedding_parameters
from stepbytoken.evaluation.training_samples import SampleRecorder, real_word_share

__all__ = [
    "ablated_config",
    "accuracy_by_distance",
    "choice_scores",
    "fact_distance",
    "loss_by_position",
    "recall",
    "Recall",
    "with_block_size",
    "agreement_accuracy",
    "agreement_cases",
    "AgreementCase",
    "answer_analogies",
    "answer_questions",
    "attention_cost",
    "AttentionCost",
    "growth_exponent",
    "peak_bytes",
    "previous_token_share",
    "score_matrix_bytes",
    "compare_decoders",
    "compare_variants",
    "compression",
    "compression_curve",
    "contextual_vectors",
    "copy_probabilities",
    "copy_trend",
    "find_loop",
    "Loop",
    "mean_and_error",
    "paired_difference",
    "depth_profile",
    "DepthProfile",
    "diagonal_spread",
    "distinct_n",
    "effective_choices",
    "effective_keys",
    "evaluate_analogies",
    "fact_accuracy",
    "question_prompt",
    "first_token_hits",
    "final_answer",
    "HeadProbe",
    "judge",
    "held_out",
    "MAX_ANSWER_TOKENS",
    "mean_pairwise_cosine",
    "nearest_neighbours",
    "neighbour_overlap",
    "next_token_logits",
    "non_embedding_parameters",
    "offset_consistency",
    "pad_batch",
    "perplexity",
    "PreferencePair",
    "preference_pairs",
    "prefers_right_pronoun",
    "probe_heads",
    "PRONOUN",
    "pronoun_cases",
    "PronounCase",
    "real_word_share",
    "RULES",
    "repeated_ngram_fraction",
    "same_label_share",
    "SampleRecorder",
    "similarity_correlation",
    "softmax_jacobian_norm",
    "stories_of",
    "token_log_probs",
    "token_probs",
    "top_answers",
    "unigram_loss",
    "Verdict",
    "VARIANTS",
    "word_token_vectors",
]
