"""Tests of stepbytoken.evaluation.decoding: measuring what decoders do."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from stepbytoken.evaluation import (
    compare_decoders,
    distinct_n,
    effective_choices,
    first_token_hits,
    next_token_logits,
    token_log_probs,
)
from stepbytoken.evaluation.decoding import mean_and_error, paired_difference
from stepbytoken.generation import generate
from stepbytoken.nn import GPT, GPTConfig
from stepbytoken.tokenizers import BPETokenizer

TEXT = (
    "<|endoftext|>\nQ: Who is Ada?\nA: a smith\n<|endoftext|>\nQ: Who is Bo?\nA: a baker\n"
    * 5
)


@pytest.fixture(scope="module")
def tok():
    return BPETokenizer.train(TEXT, 10, special_tokens=["<|endoftext|>"])


@pytest.fixture(scope="module")
def model(tok):
    config = GPTConfig(
        vocab_size=tok.vocab_size, block_size=8, n_layer=1, n_head=2, d_model=16
    )
    return GPT(config, seed=0).eval()


def test_next_token_logits_reads_the_last_block(model, tok):
    short = tok.encode("Who")
    logits, _ = model(torch.tensor([short]))
    assert torch.equal(next_token_logits(model, tok, "Who"), logits[0, -1])
    long = tok.encode(TEXT[:80])
    assert len(long) > model.block_size
    logits, _ = model(torch.tensor([long[-model.block_size :]]))
    assert torch.equal(next_token_logits(model, tok, TEXT[:80]), logits[0, -1])
    with pytest.raises(ValueError, match="text must be a non-empty str"):
        next_token_logits(model, tok, "")


@given(st.lists(st.floats(-5, 5), min_size=1, max_size=30))
def test_effective_choices_is_the_exponential_of_the_entropy(scores):
    probs = torch.softmax(torch.tensor(scores, dtype=torch.float64), dim=0)
    entropy = torch.distributions.Categorical(probs=probs).entropy()  # the reference
    assert effective_choices(probs) == pytest.approx(math.exp(entropy), rel=1e-9)
    assert 1 - 1e-9 <= effective_choices(probs) <= len(scores) + 1e-9


@pytest.mark.parametrize("n", [1, 3, 50])
def test_effective_choices_counts_uniform_tokens_and_ignores_zeros(n):
    probs = torch.cat([torch.full((n,), 1 / n, dtype=torch.float64), torch.zeros(4)])
    assert effective_choices(probs) == pytest.approx(n)
    with pytest.raises(ValueError, match="probs must have 1 dimensions"):
        effective_choices(probs[None])


def test_token_log_probs_is_minus_the_cross_entropy(model):
    idx = torch.randint(
        0, model.vocab_size, (3, 8), generator=torch.Generator().manual_seed(0)
    )
    logits, _ = model(idx[:, :-1])
    reference = -F.cross_entropy(logits.transpose(1, 2), idx[:, 1:], reduction="none")
    assert torch.allclose(token_log_probs(model, idx), reference, atol=1e-6)
    with pytest.raises(ValueError, match="at least 2 tokens"):
        token_log_probs(model, idx[:, :1])


def test_compare_decoders_scores_each_setting_per_prompt(model):
    prompts = [[1, 2, 3], [3, 2, 1]]
    settings = {"greedy": {"greedy": True}, "T = 1": {}, "top-k = 2": {"top_k": 2}}
    results = compare_decoders(
        model, prompts, settings, n_samples=5, max_new_tokens=4, seed=3
    )
    assert list(results) == list(settings)
    # prompt 0 five times, then 1
    batch = torch.tensor(prompts).repeat_interleave(5, dim=0)
    greedy = generate(model, torch.tensor(prompts), 4, greedy=True).repeat_interleave(
        5, dim=0
    )
    sampled = generate(model, batch, 4, seed=3, top_k=2)
    for name, out in [("greedy", greedy), ("top-k = 2", sampled)]:
        assert results[name]["distinct-2"].shape == (2,)
        log_probs = token_log_probs(model, out)[:, 2:]  # (10, 4)
        for k in range(2):
            rows = slice(5 * k, 5 * (k + 1))
            assert results[name]["distinct-2"][k] == distinct_n(out[rows, 3:], 2)
            expected = log_probs[rows].mean().item()
            assert results[name]["log-prob"][k] == pytest.approx(expected, abs=1e-6)
    # one text of 3 pairs, 5 times
    assert (results["greedy"]["distinct-2"] <= 3 / 15).all()
    assert results["greedy"]["log-prob"].mean() > results["T = 1"]["log-prob"].mean()
    again = compare_decoders(
        model, prompts, {"T = 1": {}}, n_samples=5, max_new_tokens=4, seed=3
    )
    for score in ("distinct-2", "log-prob"):  # the same seed, the same samples
        assert np.array_equal(again["T = 1"][score], results["T = 1"][score])
    ones = compare_decoders(
        model, prompts, {"T = 1": {}}, n_samples=5, max_new_tokens=4, n=1
    )
    assert list(ones["T = 1"]) == ["distinct-1", "log-prob"]


def test_compare_decoders_checks_its_arguments(model):
    with pytest.raises(ValueError, match="at least one prompt"):
        compare_decoders(model, [], {"T = 1": {}})
    with pytest.raises(ValueError, match="at least one prompt"):
        compare_decoders(model, [[]], {"T = 1": {}})
    with pytest.raises(ValueError, match=r"same length to share a batch, got \[1, 2\]"):
        compare_decoders(model, [[1], [1, 2]], {"T = 1": {}})
    with pytest.raises(ValueError, match="n_samples must be an int >= 1"):
        compare_decoders(model, [[1]], {"T = 1": {}}, n_samples=0)
    with pytest.raises(TypeError, match="model must be a LanguageModel"):
        compare_decoders(torch.nn.Linear(2, 2), [[1]], {"T = 1": {}})


@given(st.lists(st.floats(-100, 100), min_size=2, max_size=40))
def test_mean_and_error_match_the_textbook_formulas(values):
    mean, error = mean_and_error(values)
    assert mean == pytest.approx(statistics.fmean(values), abs=1e-9)
    reference = statistics.stdev(values) / math.sqrt(len(values))
    assert error == pytest.approx(reference, rel=1e-6, abs=1e-9)
    with pytest.raises(ValueError, match="at least two numbers"):
        mean_and_error(values[:1])


def test_paired_difference_cancels_what_the_items_share():
    # items differ a lot from each other
    easy_hard = np.array([0.1, 0.9, 0.2, 0.8, 0.5])
    a, b = easy_hard + 0.05 + np.array([0.0, 0.01, -0.01, 0.0, 0.005]), easy_hard
    diff, error, verdict = paired_difference(a, b)
    assert diff == pytest.approx(0.051) and verdict == "higher"
    assert error == pytest.approx(np.std(a - b, ddof=1) / np.sqrt(5))
    assert paired_difference(b, a)[2] == "lower"
    # unpaired, the spread of the items would swamp a difference of 0.05
    assert abs(a.mean() - b.mean()) < 2 * np.std(b, ddof=1) / np.sqrt(5)
    assert paired_difference([0.5, 0.7, 0.4], [0.6, 0.6, 0.4])[2] == "no different"
    assert paired_difference(a, b, z=100.0)[2] == "no different"
    with pytest.raises(ValueError, match="must score the same items"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="z must be a finite number > 0"):
        paired_difference(a, b, z=0)


def test_first_token_hits_follow_the_temperature(model, tok):
    questions = [("Who is Ada?", "a smith"), ("Who is Bo?", "a baker")]
    hits = first_token_hits(model, tok, questions, [0.01, 1.0])
    assert list(hits) == ["greedy", 0.01, 1.0]
    greedy = []
    for question, answer in questions:
        logits = next_token_logits(model, tok, f"<|endoftext|>\nQ: {question}\nA:")
        greedy.append(float(logits.argmax() == tok.encode(" " + answer)[0]))
    assert hits["greedy"] == sum(greedy) / 2
    # a cold sampler is greedy
    assert hits[0.01] == pytest.approx(hits["greedy"], abs=1e-3)
    assert 0 < hits[1.0] < 1
