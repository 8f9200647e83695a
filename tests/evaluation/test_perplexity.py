"""Tests for stepbytoken.evaluation.perplexity: one perplexity for every language model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from stepbytoken.evaluation import perplexity, token_probs
from stepbytoken.nn import GPT, GPTConfig, MLPLanguageModel, NGramModel


def test_token_probs_agree_with_a_full_forward_pass_in_chunks():
    model = MLPLanguageModel(30, context=3, d_embed=4, d_hidden=8)
    ids = torch.randint(30, (300,), generator=torch.Generator().manual_seed(1)).tolist()
    logits, _ = model(torch.tensor([ids]))
    expected = torch.softmax(logits[0, :-1], -1).gather(
        1, torch.tensor(ids[1:])[:, None]
    )[:, 0]
    assert torch.allclose(token_probs(model, ids, chunk=37), expected, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=2, max_size=60), st.integers(1, 70))
def test_the_chunk_size_does_not_change_the_probabilities(ids, chunk):
    model = MLPLanguageModel(10, context=3, d_embed=4, d_hidden=8, seed=2)
    torch.testing.assert_close(
        token_probs(model, ids, chunk=chunk), token_probs(model, ids)
    )


def test_gpt_scored_one_position_at_a_time_sees_at_most_block_size_tokens():
    config = GPTConfig(vocab_size=11, block_size=4, n_layer=1, n_head=2, d_model=8)
    model = GPT(config, seed=0)
    ids = torch.randint(11, (12,), generator=torch.Generator().manual_seed(0)).tolist()
    with torch.no_grad():
        expected = [
            torch.softmax(model(torch.tensor([ids[max(t - 4, 0) : t]]))[0][0, -1], -1)[
                ids[t]
            ]
            for t in range(1, len(ids))
        ]
    torch.testing.assert_close(token_probs(model, ids, chunk=1), torch.stack(expected))
    with pytest.raises(ValueError, match="longer than block_size"):
        # a GPT refuses windows of chunk + block_size - 1 tokens
        token_probs(model, ids)


def test_ngram_probabilities_are_its_exact_counts():
    model = NGramModel(3, 6).fit([0, 1, 2, 3, 4, 5, 0, 2, 4] * 3)
    ids = [5, 0, 1, 2, 4, 4, 3]
    probs = token_probs(model, ids)
    assert probs.dtype == torch.float64
    assert probs.tolist() == [
        model.prob(ids[max(t - 2, 0) : t], ids[t]) for t in range(1, 7)
    ]
    # the same number as exp of numpy's mean log-probability (what chapter 1 first computed)
    assert perplexity(model, ids) == math.exp(
        -float(np.log(model.token_probs(ids)).mean())
    )


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    assert perplexity(
        NGramModel(1, 8, smoothing="add-k", k=1.0).fit([]), [0, 1, 2, 3, 4]
    ) == (pytest.approx(8.0))
    mlp = MLPLanguageModel(8, context=2)
    with torch.no_grad():
        mlp.output.weight.zero_()  # every token gets the same score
    assert perplexity(mlp, [0, 1, 2, 3, 4]) == pytest.approx(8.0)


def test_more_context_lowers_perplexity_on_repetitive_text():
    text = [0, 1, 2, 3] * 50
    ppl = [perplexity(NGramModel(n, 4).fit(text), text) for n in (1, 2, 3)]
    assert ppl[0] > ppl[1] > ppl[2]


def test_scoring_leaves_modes_alone_and_checks_arguments():
    model = MLPLanguageModel(10, context=2)
    model.train()
    token_probs(model, [1, 2, 3])
    assert model.training
    with pytest.raises(ValueError, match="at least two"):
        perplexity(model, [1])
    with pytest.raises(ValueError, match="chunk must be an int >= 1"):
        token_probs(model, [1, 2], chunk=0)
    with pytest.raises(TypeError, match="LanguageModel"):
        perplexity(torch.nn.Embedding(10, 10), [1, 2])
