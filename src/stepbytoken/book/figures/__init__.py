"""The book's figure builders and widget data, one module per topic."""

from __future__ import annotations

from stepbytoken.book.figures.agent import (
    OUTCOME_LABELS,
    episode_frames,
    plot_failures,
    plot_tool_accuracy,
)
from stepbytoken.book.figures.assistants import (
    MODEL_LABELS,
    RULE_LABELS,
    plot_grades,
    plot_over_optimisation,
    plot_reward_agreement,
    plot_violations,
    side_by_side_widget,
)
from stepbytoken.book.figures.attention import (
    matrix_table,
    plot_attention_cost,
    plot_causal_weights,
    plot_head_accuracy,
    plot_scaling,
)
from stepbytoken.book.figures.attention_maps import plot_attention_maps
from stepbytoken.book.figures.calibration import (
    plot_confidence_histograms,
    plot_coverage_accuracy,
    plot_reliability,
    threshold_slider_data,
)
from stepbytoken.book.figures.embeddings import (
    GROUP_STYLES,
    analogy_widget,
    int8_rows,
    plot_analogy_accuracy,
    plot_neighbour_overlap,
    plot_similarity_heatmaps,
    plot_word_map,
    word_groups,
)
from stepbytoken.book.figures.learning import (
    plot_descent_losses,
    plot_descent_paths,
    plot_lr_schedule,
    plot_model_sizes,
    plot_training_samples,
)
from stepbytoken.book.figures.live import (
    live_next_token_widget,
    live_sampler_widget,
    next_token_state,
    sampler_state,
)
from stepbytoken.book.figures.live_attention import live_attention_widget
from stepbytoken.book.figures.memory import (
    plot_needle,
    plot_position_loss,
    plot_recall_by_distance,
    plot_strategies,
    window_steps,
    window_widget,
)
from stepbytoken.book.figures.ngrams import (
    generation_widget,
    next_token_widget,
    plot_loss_curves,
    plot_perplexities,
    top_next_words,
)
from stepbytoken.book.figures.prompting import (
    plot_chain_of_thought,
    plot_few_shot,
    plot_order_spread,
    plot_self_consistency,
    prompting_widget_data,
)
from stepbytoken.book.figures.sampling import (
    DECODER_FAMILIES,
    plot_copy_probabilities,
    plot_decoder_tradeoff,
    plot_nucleus_sizes,
    plot_temperature_sweep,
    sampling_widget,
    sampling_widget_prompts,
)
from stepbytoken.book.figures.tokens import (
    PLAYGROUND_EXAMPLES,
    plot_compression,
    plot_merge_slider,
    tokenizer_widget,
)
from stepbytoken.book.figures.transformer import (
    gpt2_sizes,
    parameter_calculator,
    plot_ablation_runs,
    plot_depth_profiles,
    plot_parameter_shares,
    plot_positions,
    transformer_explorer,
)

__all__ = [
    "plot_confidence_histograms",
    "plot_coverage_accuracy",
    "plot_reliability",
    "threshold_slider_data",
    "plot_needle",
    "plot_chain_of_thought",
    "plot_few_shot",
    "plot_order_spread",
    "plot_self_consistency",
    "prompting_widget_data",
    "plot_position_loss",
    "plot_recall_by_distance",
    "plot_strategies",
    "window_steps",
    "window_widget",
    "OUTCOME_LABELS",
    "episode_frames",
    "plot_failures",
    "plot_tool_accuracy",
    "MODEL_LABELS",
    "RULE_LABELS",
    "plot_grades",
    "plot_over_optimisation",
    "plot_reward_agreement",
    "plot_violations",
    "side_by_side_widget",
    "live_next_token_widget",
    "live_sampler_widget",
    "next_token_state",
    "sampler_state",
    "matrix_table",
    "plot_attention_cost",
    "plot_attention_maps",
    "live_attention_widget",
    "plot_causal_weights",
    "plot_head_accuracy",
    "plot_scaling",
    "gpt2_sizes",
    "parameter_calculator",
    "plot_ablation_runs",
    "plot_depth_profiles",
    "plot_parameter_shares",
    "plot_positions",
    "transformer_explorer",
    "plot_descent_losses",
    "plot_descent_paths",
    "plot_lr_schedule",
    "plot_model_sizes",
    "plot_training_samples",
    "DECODER_FAMILIES",
    "plot_copy_probabilities",
    "plot_decoder_tradeoff",
    "plot_nucleus_sizes",
    "plot_temperature_sweep",
    "sampling_widget",
    "sampling_widget_prompts",
    "PLAYGROUND_EXAMPLES",
    "generation_widget",
    "next_token_widget",
    "plot_compression",
    "plot_loss_curves",
    "plot_merge_slider",
    "plot_perplexities",
    "tokenizer_widget",
    "top_next_words",
    "GROUP_STYLES",
    "analogy_widget",
    "int8_rows",
    "plot_analogy_accuracy",
    "plot_neighbour_overlap",
    "plot_similarity_heatmaps",
    "plot_word_map",
    "word_groups",
]
