"""Tests for stepbytoken.generation.sampling: filters, the sampler and the generation loop."""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from stepbytoken.generation import (
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

# ----------------------------------------------------------------------------------------------
# Tiny fake models


class Bigram(nn.Module):
    """A lookup table of next-token logits, GPT-style: forward(idx, targets) -> (logits, loss)."""

    def __init__(self, vocab_size: int = 7, seed: int = 0, block_size: int | None = None):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.table = nn.Parameter(torch.randn(vocab_size, vocab_size, generator=generator))
        if block_size is not None:
            self.block_size = block_size
        self.seen_training: list[bool] = []
        self.seen_grad: list[bool] = []

    def forward(self, idx, targets=None):
        self.seen_training.append(self.training)
        self.seen_grad.append(torch.is_grad_enabled())
        logits = self.table[idx]  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss


class ContextLength(nn.Module):
    """Puts all its mass on token ``T mod vocab_size``, T being the length of what it reads."""

    def __init__(self, vocab_size: int = 10):
        super().__init__()
        self.vocab_size = vocab_size
        self.seen_lengths: list[int] = []

    def forward(self, idx):
        B, T = idx.shape
        self.seen_lengths.append(T)
        target = torch.full((B, T), T % self.vocab_size)
        return F.one_hot(target, self.vocab_size).float() * 20.0  # (B, T, V)


def counter(idx):
    """A plain callable: the next token is the last one plus one (mod 5), almost surely."""
    return F.one_hot((idx + 1) % 5, 5).float() * 30.0


def brute_force_nucleus(probs: list[float], p: float) -> int:
    """Size of the smallest subset of tokens whose probabilities sum to >= p (by enumeration)."""
    n = len(probs)
    for size in range(1, n + 1):
        if any(sum(probs[i] for i in c) >= p for c in itertools.combinations(range(n), size)):
            return size
    return n


logit_rows = st.lists(
    st.floats(min_value=-8, max_value=8, allow_nan=False, width=32), min_size=1, max_size=8
)
tied_logit_rows = st.lists(st.integers(-2, 2).map(float), min_size=1, max_size=12)

# ----------------------------------------------------------------------------------------------
# Temperature


def test_temperature_divides_logits():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    torch.testing.assert_close(apply_temperature(logits, 0.5), logits * 2)
    torch.testing.assert_close(apply_temperature(logits, 4), logits / 4)


@pytest.mark.parametrize("temperature", [0, 0.0, -1.0])
def test_temperature_zero_or_negative_points_to_greedy(temperature):
    with pytest.raises(ValueError, match="temperature must be > 0.*use greedy decoding"):
        apply_temperature(torch.zeros(3), temperature)


@pytest.mark.parametrize(
    "temperature, error",
    [(math.nan, ValueError), (math.inf, ValueError), (True, TypeError), ("1", TypeError)],
)
def test_temperature_bad_values(temperature, error):
    with pytest.raises(error, match="temperature"):
        next_token_distribution(torch.zeros(3), temperature=temperature)


def test_lower_temperature_sharpens_and_tends_to_greedy():
    logits = torch.tensor([1.0, 2.5, 2.0, -1.0])
    top = [float(next_token_distribution(logits, temperature=t)[1]) for t in (5, 1, 0.3, 0.05)]
    assert top == sorted(top) and top[0] < 0.4
    assert top[-1] > 0.999
    # Far below any sensible temperature: still a valid one-hot, no overflow to NaN.
    tiny = next_token_distribution(logits, temperature=1e-30)
    torch.testing.assert_close(tiny, F.one_hot(torch.tensor(1), 4).float())
    high = next_token_distribution(logits, temperature=1e6)
    torch.testing.assert_close(high, torch.full((4,), 0.25), atol=1e-5, rtol=0)


@settings(max_examples=60, deadline=None)
@given(logit_rows, st.integers(0, 1000))
def test_low_temperature_sampling_equals_greedy(row, seed):
    logits = torch.tensor(row)
    ordered = sorted(row, reverse=True)
    assume(len(row) == 1 or ordered[0] - ordered[1] > 0.05)
    drawn = sample_next(logits, temperature=1e-4, seed=seed)
    assert int(drawn) == int(sample_next(logits, greedy=True)) == row.index(ordered[0])


# ----------------------------------------------------------------------------------------------
# Top-k


@settings(max_examples=80, deadline=None)
@given(tied_logit_rows, st.integers(1, 14))
def test_top_k_keeps_exactly_k_with_ties_to_the_lower_id(row, k):
    filtered = top_k_filter(torch.tensor(row), k)
    kept = {i for i, v in enumerate(filtered.tolist()) if v != -math.inf}
    # Reference: order by (highest logit, lowest id) and take the first k.
    expected = set(sorted(range(len(row)), key=lambda i: (-row[i], i))[:k])
    assert kept == expected
    assert len(kept) == min(k, len(row))
    assert all(filtered[i] == row[i] for i in kept)  # survivors are untouched


def test_top_k_rows_are_independent_and_k_above_vocab_keeps_all():
    logits = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
    batched = top_k_filter(logits, 2)
    for b in range(4):
        assert torch.equal(batched[b], top_k_filter(logits[b], 2))
    assert torch.equal(top_k_filter(logits, 6), logits)
    assert torch.equal(top_k_filter(logits, 100), logits)


@pytest.mark.parametrize("k, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError)])
def test_top_k_bad_k(k, error):
    with pytest.raises(error, match="top_k"):
        top_k_filter(torch.zeros(5), k)


# ----------------------------------------------------------------------------------------------
# Top-p


@settings(max_examples=100, deadline=None)
@given(logit_rows, st.floats(min_value=0.01, max_value=1.0))
def test_top_p_keeps_the_smallest_nucleus(row, p):
    logits = torch.tensor(row)
    probs = torch.softmax(logits.double(), dim=-1).tolist()
    ordered = sorted(probs, reverse=True)
    # Stay away from prefixes whose mass is within rounding of p, where "smallest" is a coin toss.
    assume(all(abs(sum(ordered[: n + 1]) - p) > 1e-9 for n in range(len(ordered))))
    filtered = top_p_filter(logits, p)
    kept = [i for i, v in enumerate(filtered.tolist()) if v != -math.inf]
    assert len(kept) == brute_force_nucleus(probs, p)
    assert sum(probs[i] for i in kept) >= p - 1e-12
    # It is made of the most likely tokens.
    removed = set(range(len(row))) - set(kept)
    assert all(probs[i] >= probs[j] for i in kept for j in removed)


def test_top_p_always_keeps_the_top_token_and_one_keeps_all():
    logits = torch.tensor([0.1, 3.0, 0.2])
    filtered = top_p_filter(logits, 1e-6)
    assert torch.equal(filtered.isfinite(), torch.tensor([False, True, False]))
    assert torch.equal(top_p_filter(logits, 1.0), logits)


def test_top_p_ties_go_to_the_lower_id():
    # Four equally likely tokens: half the mass is reached with two, the first two ids.
    filtered = top_p_filter(torch.zeros(4), 0.5)
    assert filtered.isfinite().tolist() == [True, True, False, False]


@pytest.mark.parametrize("p, error", [(0.0, ValueError), (1.5, ValueError), ("0.5", TypeError)])
def test_top_p_bad_p(p, error):
    with pytest.raises(error, match="top_p"):
        top_p_filter(torch.zeros(5), p)


# ----------------------------------------------------------------------------------------------
# The distribution and the draw


def test_next_token_distribution_defaults_to_softmax_and_applies_filters_in_order():
    logits = torch.randn(3, 9, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(next_token_distribution(logits), torch.softmax(logits, -1))
    probs = next_token_distribution(logits, temperature=0.7, top_k=5, top_p=0.8)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3))
    expected = torch.softmax(top_p_filter(top_k_filter(logits / 0.7, 5), 0.8), dim=-1)
    torch.testing.assert_close(probs, expected)


@pytest.mark.parametrize(
    "logits", [torch.tensor([-math.inf, -math.inf]), torch.tensor([0.0, math.inf])]
)
def test_next_token_distribution_needs_a_finite_maximum(logits):
    with pytest.raises(ValueError, match="finite"):
        next_token_distribution(logits)


def test_nan_logits_and_bad_types_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        sample_next(torch.tensor([0.0, math.nan]), seed=0)
    with pytest.raises(TypeError, match="torch.Tensor"):
        next_token_distribution([0.0, 1.0])
    with pytest.raises(ValueError, match="last dimension"):
        next_token_distribution(torch.tensor(1.0))


def chi_square(counts: torch.Tensor, probs: torch.Tensor) -> float:
    expected = probs * counts.sum()
    mask = expected > 0
    return float(((counts[mask] - expected[mask]) ** 2 / expected[mask]).sum())


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, [0.5, 0.25, 0.15, 0.1]),
        ({"top_k": 2}, [2 / 3, 1 / 3, 0.0, 0.0]),
        ({"top_p": 0.85}, [0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0.0]),
        ({"temperature": 0.5}, [0.25 / 0.345, 0.0625 / 0.345, 0.0225 / 0.345, 0.01 / 0.345]),
    ],
)
def test_sampling_frequencies_match_the_distribution(options, expected):
    logits = torch.tensor([0.5, 0.25, 0.15, 0.1]).log()
    expected = torch.tensor(expected)
    torch.testing.assert_close(next_token_distribution(logits, **options), expected)
    n = 20_000
    ids = sample_next(logits.expand(n, 4), generator=torch.Generator().manual_seed(0), **options)
    counts = torch.bincount(ids, minlength=4).float()
    assert counts[expected == 0].sum() == 0  # removed tokens are never drawn
    # 3 degrees of freedom: 16.27 is the 0.1% critical value (the draw is seeded, so no flakes).
    assert chi_square(counts, expected) < 16.27


def test_sample_next_shapes_determinism_and_global_rng():
    logits = torch.randn(5, 11, generator=torch.Generator().manual_seed(2))
    state = torch.get_rng_state()
    first = sample_next(logits, seed=7)
    assert first.shape == (5,) and first.dtype == torch.int64
    assert torch.equal(first, sample_next(logits, seed=7))
    assert torch.equal(first, sample_next(logits, generator=torch.Generator().manual_seed(7)))
    unseeded = sample_next(logits)  # fresh entropy, never the global generator
    assert unseeded.shape == (5,)
    assert torch.equal(state, torch.get_rng_state())
    assert sample_next(logits[0], seed=0).shape == ()


def test_different_seeds_give_different_draws():
    logits = torch.zeros(200, 50)
    assert not torch.equal(sample_next(logits, seed=0), sample_next(logits, seed=1))


def test_greedy_takes_the_lowest_id_on_ties_and_ignores_filters():
    logits = torch.tensor([[0.0, 2.0, 2.0], [1.0, 0.0, 1.0]])
    assert sample_next(logits, greedy=True).tolist() == [1, 0]
    assert sample_next(logits, greedy=True, temperature=0.1, top_k=1, top_p=0.1).tolist() == [1, 0]
    with pytest.raises(ValueError, match="temperature"):
        sample_next(logits, greedy=True, temperature=0)


def test_seed_and_generator_together_are_rejected():
    with pytest.raises(ValueError, match="not both"):
        sample_next(torch.zeros(3), seed=0, generator=torch.Generator())
    with pytest.raises(ValueError, match="seed"):
        sample_next(torch.zeros(3), seed=-1)


# ----------------------------------------------------------------------------------------------
# Generation


def test_greedy_generate_follows_the_bigram_argmax_chain():
    model = Bigram()
    out = generate(model, torch.tensor([[3]]), 10, greedy=True)
    chain = [3]
    for _ in range(10):
        chain.append(int(model.table[chain[-1]].argmax()))
    assert out.tolist() == [chain]


def test_generate_is_deterministic_and_seed_equals_generator():
    model = Bigram()
    prompt = torch.tensor([[0, 1], [2, 3]])
    a = generate(model, prompt, 20, seed=5, temperature=0.9, top_k=4)
    b = generate(
        model, prompt, 20, generator=torch.Generator().manual_seed(5), temperature=0.9, top_k=4
    )
    c = generate(model, prompt, 20, seed=6, temperature=0.9, top_k=4)
    assert a.shape == (2, 22) and torch.equal(a[:, :2], prompt)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_generate_matches_a_manual_sampling_loop():
    # Reference: call the model and sample_next step by step with the same generator.
    model = Bigram(vocab_size=9, seed=3)
    options = dict(temperature=1.3, top_p=0.9)
    out = generate(model, [4], 15, generator=torch.Generator().manual_seed(11), **options)
    generator = torch.Generator().manual_seed(11)
    idx = torch.tensor([[4]])
    for _ in range(15):
        logits = model(idx)[0][:, -1, :].detach()
        idx = torch.cat([idx, sample_next(logits, generator=generator, **options)[:, None]], 1)
    assert out.tolist() == idx[0].tolist()


@pytest.mark.parametrize(
    "options",
    [{"greedy": True}, {"seed": 0}, {"seed": 1, "temperature": 0.5, "top_k": 3, "top_p": 0.9}],
)
def test_stream_and_generation_steps_agree_with_generate(options):
    model = Bigram()
    prompt = [1, 2, 3]
    full = generate(model, prompt, 12, **options)
    streamed = list(stream(model, prompt, 12, **options))
    steps = generation_steps(model, prompt, 12, **options)
    assert full.tolist() == prompt + streamed
    assert [s.token for s in steps] == streamed
    assert all(isinstance(token, int) for token in streamed)


def test_generation_steps_record_the_distribution():
    model = Bigram(vocab_size=6)
    steps = generation_steps(model, [2], 5, seed=3, temperature=0.8, top_k=4, top=3)
    assert len(steps) == 5 and all(isinstance(s, GenerationStep) for s in steps)
    for i, s in enumerate(steps):
        assert s.step == i and len(s.context) == 1 + i
        if i:
            assert s.context == steps[i - 1].context + (steps[i - 1].token,)
        logits = model.table[s.context[-1]].detach()
        torch.testing.assert_close(
            s.probs, next_token_distribution(logits, temperature=0.8, top_k=4)
        )
        torch.testing.assert_close(s.model_probs, torch.softmax(logits, -1))
        assert s.prob == pytest.approx(float(s.probs[s.token]))
        assert s.prob > 0
        assert len(s.top_ids) == 3 and list(s.top_probs) == sorted(s.top_probs, reverse=True)
        assert s.top_ids[0] == int(s.probs.argmax())


def test_low_temperature_generation_equals_greedy():
    model = Bigram(vocab_size=8, seed=4)
    greedy = generate(model, [0], 15, greedy=True)
    assert torch.equal(generate(model, [0], 15, temperature=1e-5, seed=9), greedy)


@pytest.mark.parametrize("where", ["attribute", "config", "argument"])
def test_context_is_cropped_to_block_size(where):
    model = ContextLength()
    kwargs = {}
    if where == "attribute":
        model.block_size = 3
    elif where == "config":
        model.config = SimpleNamespace(block_size=3)
    else:
        model.block_size = 100  # the argument wins
        kwargs = {"block_size": 3}
    out = generate(model, [9], 6, greedy=True, **kwargs)
    # Reads 1, 2, 3 tokens, then always the last 3: next tokens 1, 2, 3, 3, 3, 3.
    assert out.tolist() == [9, 1, 2, 3, 3, 3, 3]
    assert model.seen_lengths == [1, 2, 3, 3, 3, 3]


def test_no_block_size_means_no_cropping():
    model = ContextLength()
    assert generate(model, [0, 0], 4, greedy=True).tolist() == [0, 0, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="block_size"):
        generate(model, [0], 1, greedy=True, block_size=0)


def test_eval_mode_and_no_grad_during_generation_then_restored():
    model = Bigram()
    model.extra = nn.Dropout(0.5).eval()  # a submodule that was already in eval mode
    model.train()
    model.extra.eval()
    tokens = stream(model, [0], 4, seed=0)
    next(tokens)
    # Between two streamed tokens the caller's state is untouched.
    assert torch.is_grad_enabled() and model.training
    rest = list(tokens)
    assert len(rest) == 3
    assert model.seen_training == [False] * 4 and model.seen_grad == [False] * 4
    assert model.training and not model.extra.training
    out = generate(model, [0], 3, seed=0)
    assert not out.requires_grad and model.training


def test_plain_callables_and_one_dimensional_prompts():
    out = generate(counter, torch.tensor([2]), 4, seed=0)
    assert out.tolist() == [2, 3, 4, 0, 1]
    assert generate(counter, [2], 0).tolist() == [2]


def test_stop_token_ends_generation_and_pads_finished_rows():
    assert generate(counter, [0], 10, greedy=True, stop_token=3).tolist() == [0, 1, 2, 3]
    assert list(stream(counter, [0], 10, greedy=True, stop_token=3)) == [1, 2, 3]
    batch = generate(counter, torch.tensor([[2], [0]]), 10, greedy=True, stop_token=3)
    assert batch.tolist() == [[2, 3, 3, 3], [0, 1, 2, 3]]
    # Never produced: generation runs to max_new_tokens.
    assert generate(counter, [0], 4, greedy=True, stop_token=99).tolist() == [0, 1, 2, 3, 4]


def test_global_rng_is_not_used_by_generation():
    model = Bigram()
    state = torch.get_rng_state()
    generate(model, [0], 5)
    list(stream(model, [0], 5, top_p=0.5))
    assert torch.equal(state, torch.get_rng_state())


def test_generation_argument_errors_are_raised_eagerly():
    model = Bigram()
    with pytest.raises(ValueError, match="one sequence"):
        stream(model, torch.zeros(2, 3, dtype=torch.long), 2, seed=0)
    with pytest.raises(ValueError, match="one sequence"):
        generation_steps(model, torch.zeros(2, 3, dtype=torch.long), 2, seed=0)
    with pytest.raises(ValueError, match="temperature"):
        stream(model, [0], 2, temperature=0)  # on the call, not at the first next()
    with pytest.raises(TypeError, match="integer"):
        generate(model, torch.tensor([0.5]), 2)
    with pytest.raises(ValueError, match="at least one token"):
        generate(model, torch.zeros(1, 0, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(model, [0], -1)
    with pytest.raises(TypeError, match="callable"):
        generate("not a model", [0], 1)
    with pytest.raises(ValueError, match="top"):
        generation_steps(model, [0], 1, top=0)


def test_a_model_with_the_wrong_output_shape_is_explained():
    with pytest.raises(ValueError, match=r"\(B, T, vocab_size\)"):
        generate(lambda idx: torch.zeros(idx.shape[0], 5), [0], 1, greedy=True)


def test_a_model_returning_only_the_last_position_works():
    class LastOnly(Bigram):  # like nanoGPT at inference: (B, 1, V) logits and no loss
        def forward(self, idx, targets=None):
            logits, _ = super().forward(idx)
            return logits[:, [-1], :], None

    full, last = Bigram(seed=2), LastOnly(seed=2)
    assert torch.equal(generate(full, [1, 4], 8, seed=3), generate(last, [1, 4], 8, seed=3))


# ----------------------------------------------------------------------------------------------
# Measures of generated text


token_lists = st.lists(st.integers(0, 4), min_size=0, max_size=15)


@settings(max_examples=80, deadline=None)
@given(st.lists(token_lists, min_size=1, max_size=5), st.integers(1, 4))
def test_distinct_n_counts_pooled_ngrams(sequences, n):
    grams = [tuple(s[i : i + n]) for s in sequences for i in range(len(s) - n + 1)]
    if not grams:
        with pytest.raises(ValueError, match="no sequence is at least"):
            distinct_n(sequences, n)
        return
    value = distinct_n(sequences, n)
    assert value == len(set(grams)) / len(grams)
    assert 0 < value <= 1


def test_distinct_n_extremes_and_tensor_input():
    assert distinct_n([[1, 2, 3, 4], [5, 6, 7, 8]], 2) == 1.0
    assert distinct_n([[1, 2, 1, 2, 1, 2]], 2) == 2 / 5
    assert distinct_n(torch.tensor([[1, 2, 3], [1, 2, 3]]), 3) == 0.5
    # the same sequences repeated: fewer distinct n-grams per n-gram
    assert distinct_n([[1, 2, 3]] * 4, 2) < distinct_n([[1, 2, 3]], 2)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (([[1, 2]], 0), ValueError),
        (([[1, 2]], 1.5), TypeError),
        (([[1.0, 2.0]], 1), TypeError),
        (("abc", 1), TypeError),
        ((torch.tensor([1, 2, 3]), 1), TypeError),
    ],
)
def test_distinct_n_bad_arguments(args, error):
    with pytest.raises(error):
        distinct_n(*args)


@settings(max_examples=80, deadline=None)
@given(token_lists, st.integers(1, 4))
def test_repeated_ngram_fraction_counts_earlier_occurrences(ids, n):
    if len(ids) < n:
        with pytest.raises(ValueError, match="at least n"):
            repeated_ngram_fraction(ids, n)
        return
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    repeats = sum(g in grams[:i] for i, g in enumerate(grams))
    assert repeated_ngram_fraction(ids, n) == repeats / len(grams)
    assert repeated_ngram_fraction(torch.tensor(ids), n) == repeats / len(grams)


def test_repeated_ngram_fraction_sees_a_loop():
    loop = [7, 8, 9] * 10
    assert repeated_ngram_fraction(loop, 3) == 25 / 28  # only the first 3 trigrams are new
    assert repeated_ngram_fraction(list(range(30)), 3) == 0.0
    with pytest.raises(TypeError):
        repeated_ngram_fraction([1, True, 2], 1)
