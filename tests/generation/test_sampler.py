"""Tests for stepbytoken.generation.sampler: one draw per step, seeded, or greedy."""

from __future__ import annotations

import pytest
import torch

from stepbytoken.generation import next_token_distribution, sample_next


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
        (
            {"temperature": 0.5},
            [0.25 / 0.345, 0.0625 / 0.345, 0.0225 / 0.345, 0.01 / 0.345],
        ),
    ],
)
def test_sampling_frequencies_match_the_distribution(options, expected):
    logits = torch.tensor([0.5, 0.25, 0.15, 0.1]).log()
    expected = torch.tensor(expected)
    torch.testing.assert_close(next_token_distribution(logits, **options), expected)
    n = 20_000
    ids = sample_next(
        logits.expand(n, 4), generator=torch.Generator().manual_seed(0), **options
    )
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
    assert torch.equal(
        first, sample_next(logits, generator=torch.Generator().manual_seed(7))
    )
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
    assert sample_next(
        logits, greedy=True, temperature=0.1, top_k=1, top_p=0.1
    ).tolist() == [1, 0]
    with pytest.raises(ValueError, match="temperature"):
        sample_next(logits, greedy=True, temperature=0)


def test_seed_and_generator_together_are_rejected():
    with pytest.raises(ValueError, match="not both"):
        sample_next(torch.zeros(3), seed=0, generator=torch.Generator())
    with pytest.raises(ValueError, match="seed"):
        sample_next(torch.zeros(3), seed=-1)


def test_a_tiny_temperature_is_greedy_not_nan():
    logits = torch.tensor([[1.0, 2.0, 0.0], [0.5, -1.0, 0.25]])
    for temperature in (1e-46, 1e-300, 5e-324):
        probs = next_token_distribution(logits, temperature=temperature)
        assert torch.equal(probs, torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))
        assert sample_next(logits, temperature=temperature, seed=0).tolist() == [1, 0]


@pytest.mark.parametrize("greedy", [True, False])
@pytest.mark.parametrize(
    "bad", [[float("nan"), 1.0], [float("-inf"), float("-inf")], [float("inf"), 0.0]]
)
def test_rows_without_a_finite_maximum_are_refused_greedy_or_not(bad, greedy):
    logits = torch.tensor([[0.0, 1.0], bad])
    with pytest.raises(ValueError, match="NaN|finite maximum"):
        sample_next(logits, greedy=greedy, seed=0)
