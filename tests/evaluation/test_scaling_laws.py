"""Tests of the scaling-law fits (stepbytoken.evaluation.scaling_laws).

Each fit must recover known constants from synthetic data made with them, plus noise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from stepbytoken.evaluation.scaling_laws import (
    IsoFLOPMinimum,
    ParametricFit,
    PowerLaw,
    compute_optimal,
    fit_parametric,
    fit_power_law,
    isoflop_minima,
)

# Constants of the shape Hoffmann et al. report (their eq. 10), used as a known truth.
TRUE = ParametricFit(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def _grid(noise: float, seed: int = 0):
    """IsoFLOP-style synthetic runs: 7 budgets x 9 sizes, multiplicative noise."""
    rng = np.random.default_rng(seed)
    ns, ds, ls, cs = [], [], [], []
    for budget in np.geomspace(1e18, 1e21, 7):
        best, _ = compute_optimal(TRUE, budget)
        for n in best * np.geomspace(1 / 8, 8, 9):
            d = budget / (6 * n)
            ns.append(n)
            ds.append(d)
            cs.append(budget)
            ls.append(TRUE.loss(n, d) * math.exp(noise * rng.standard_normal()))
    return ns, ds, ls, cs


def test_power_law_recovers_exponent_and_coefficient_under_noise():
    rng = np.random.default_rng(1)
    x = np.geomspace(1e3, 1e9, 40)
    y = 5.4 * x**-0.095 * np.exp(0.01 * rng.standard_normal(x.size))
    law = fit_power_law(x, y)
    assert law.exponent == pytest.approx(-0.095, abs=0.003)
    assert law.coefficient == pytest.approx(5.4, rel=0.05)
    assert law(1e6) == pytest.approx(5.4 * 1e6**-0.095, rel=0.01)


def test_power_law_is_exact_on_exact_data():
    law = fit_power_law([1, 2, 4, 8], [3 * x**0.5 for x in (1, 2, 4, 8)])
    assert law == pytest.approx(PowerLaw(3.0, 0.5))


def test_isoflop_minimum_is_the_vertex_of_a_parabola_in_log_n():
    n = np.geomspace(1e3, 1e7, 9)
    loss = 0.3 * (np.log(n) - math.log(2e5)) ** 2 + 2.5
    (best,) = isoflop_minima([6e12] * 9, n, loss)
    assert best.params == pytest.approx(2e5, rel=1e-6)
    assert best.tokens == pytest.approx(6e12 / (6 * 2e5), rel=1e-6)
    assert best.loss == pytest.approx(2.5) and best.points == 9


def test_isoflop_minima_recover_the_optimal_allocation_exponent():
    ns, ds, ls, cs = _grid(noise=0.002)
    minima = isoflop_minima(cs, ns, ls)
    assert len(minima) == 7
    law = fit_power_law([m.compute for m in minima], [m.params for m in minima])
    # eq. 4 of Hoffmann et al.: N_opt grows as C^(beta / (alpha + beta))
    assert law.exponent == pytest.approx(0.28 / 0.62, abs=0.02)


def test_isoflop_minima_skip_budgets_without_a_minimum():
    n = [1e3, 1e4, 1e5, 1e3, 1e4]
    loss = [3.0, 2.0, 1.0, 3.0, 2.0]  # falling: no minimum; second budget has 2 runs
    assert isoflop_minima([1.0, 1.0, 1.0, 2.0, 2.0], n, loss) == []


@pytest.mark.parametrize("noise", [0.0, 0.005])
def test_parametric_fit_recovers_known_constants(noise):
    ns, ds, ls, _ = _grid(noise)
    fit = fit_parametric(ns, ds, ls)
    tol = 0.002 if noise == 0 else 0.06
    assert fit.alpha == pytest.approx(TRUE.alpha, abs=tol)
    assert fit.beta == pytest.approx(TRUE.beta, abs=tol)
    assert fit.E == pytest.approx(TRUE.E, abs=0.1 if noise else 0.01)
    # what matters downstream: the compute-optimal allocation at a budget inside the data
    n_true, _ = compute_optimal(TRUE, 1e20)
    n_fit, _ = compute_optimal(fit, 1e20)
    assert n_fit == pytest.approx(n_true, rel=0.3 if noise else 0.02)


def test_parametric_fit_shrugs_off_an_outlier():
    """The Huber loss is what makes the fit robust: one wild run barely moves it."""
    ns, ds, ls, _ = _grid(noise=0.0)
    ls[10] *= 1.5
    fit = fit_parametric(ns, ds, ls)
    assert fit.alpha == pytest.approx(TRUE.alpha, abs=0.01)
    assert fit.beta == pytest.approx(TRUE.beta, abs=0.01)


def test_compute_optimal_spends_exactly_the_budget_and_minimises_loss():
    n, d = compute_optimal(TRUE, 5.88e23)
    assert 6 * n * d == pytest.approx(5.88e23)
    for factor in (0.8, 1.25):
        other = n * factor
        assert TRUE.loss(other, 5.88e23 / (6 * other)) > TRUE.loss(n, d)


def test_published_constants_imply_far_more_than_20_tokens_per_parameter():
    """What eq. 10's rounded constants say at Chinchilla's budget (70B x 1.4T tokens)."""
    n, d = compute_optimal(TRUE, 6 * 70e9 * 1.4e12)
    assert 30 < d / n < 100


def test_fit_results_are_named_tuples():
    assert IsoFLOPMinimum._fields[:3] == ("compute", "params", "tokens")
    assert ParametricFit(1, 2, 3, 0.1, 0.2).objective is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: fit_power_law([1, 2], [1]),
        lambda: fit_power_law([1, 1], [1, 2]),
        lambda: fit_power_law([0, 1], [1, 2]),
        lambda: isoflop_minima([1], [1], [1], min_points=2),
        lambda: fit_parametric([1] * 4, [1] * 4, [1] * 4),
        lambda: fit_parametric([1] * 5, [1] * 5, [1] * 5, delta=0),
        lambda: compute_optimal(TRUE, -1),
        lambda: compute_optimal(ParametricFit(1, 1, 1, 0, 0.3), 1e9),
        lambda: TRUE.loss(0, 1),
    ],
)
def test_bad_arguments_raise_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_bad_types_raise_type_errors():
    with pytest.raises(TypeError):
        compute_optimal((1, 2, 3, 0.1, 0.2), 1e9)
    with pytest.raises(TypeError):
        fit_power_law("abc", [1, 2, 3])


def test_isoflop_minima_outside_the_sizes_tried_are_dropped_unless_asked_for():
    n = np.geomspace(1e3, 1e5, 5)
    loss = 0.3 * (np.log(n) - math.log(1e6)) ** 2 + 2.5  # vertex at 1e6, beyond 1e5
    assert isoflop_minima([1.0] * 5, n, loss) == []
    (best,) = isoflop_minima([1.0] * 5, n, loss, inside=False)
    assert best.params == pytest.approx(1e6, rel=1e-6)
