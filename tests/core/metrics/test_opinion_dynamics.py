"""Consensus measures, checked against exact DeGroot dynamics on random networks (REFERENCE.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convscope.core.graphs import (
    combination_matrix,
    erdos_renyi,
    halving_time,
    ring_graph,
    second_eigenvalue_modulus,
)
from convscope.core.metrics.opinion_dynamics import (
    class_accuracy,
    consensus_report,
    degroot_forecast,
    degroot_simulate,
    disagreement,
    final_opinions,
    fit_decay,
    forecast_rmse,
    halving_round,
    opinion_class,
    tail_decay_rate,
)


def random_network(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """K = 20, p in 0.15-0.35, self-weights 0.8 or 0.6, x0 from {0, 0.5, 1}, as REFERENCE.md."""
    rng = np.random.default_rng(seed)
    graph = erdos_renyi(20, float(rng.uniform(0.15, 0.35)), seed=seed)
    A = combination_matrix(graph, [float(w) for w in rng.choice([0.8, 0.6], 20)])
    x0 = rng.choice([0.0, 0.5, 1.0], 20)
    return A, x0


NETWORKS = [random_network(seed) for seed in range(20)]


def test_tail_decay_rate_of_exact_degroot_matches_lambda2_within_ten_percent_on_every_graph() -> None:
    for A, x0 in NETWORKS:
        std = disagreement(degroot_simulate(A, x0, 80))
        rate = tail_decay_rate(std, (10, 40))
        assert rate is not None
        assert rate == pytest.approx(second_eigenvalue_modulus(A), rel=0.10)


def test_exact_degroot_reaches_the_perron_forecast() -> None:
    for A, x0 in NETWORKS:
        limit = degroot_simulate(A, x0, 2000)[-1]
        np.testing.assert_allclose(limit, degroot_forecast(A, x0), atol=1e-9)


def test_halving_from_the_first_round_is_shorter_than_the_theory_on_average() -> None:
    ratios = []
    for A, x0 in NETWORKS:
        measured = halving_round(disagreement(degroot_simulate(A, x0, 80)))
        assert measured is not None
        ratios.append(measured / halving_time(A))
    assert np.mean(ratios) < 0.9  # REFERENCE.md: about 30% shorter, the fast modes die first


def test_degroot_update_is_the_transpose_product_of_the_left_stochastic_matrix() -> None:
    A = combination_matrix(ring_graph(3, directed=True), 0.5)  # agent k hears k - 1
    history = degroot_simulate(A, [1.0, 0.0, 0.0], 2)
    np.testing.assert_allclose(history[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(history[1], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(history[2], [0.25, 0.5, 0.25])


def test_disagreement_is_the_population_std_per_round_skipping_missing_scores() -> None:
    scores = np.array([[0.0, 1.0, 0.5, np.nan], [0.5, 0.5, 0.5, 0.5], [np.nan] * 4])
    std = disagreement(scores)
    assert std[0] == pytest.approx(np.std([0.0, 1.0, 0.5]))
    assert std[1] == 0.0
    assert math.isnan(std[2])


def test_exponential_fit_recovers_known_parameters() -> None:
    t = np.arange(80)
    fit = fit_decay(0.3 * np.exp(-0.12 * t) + 0.1)
    assert fit is not None
    assert (fit.a, fit.b, fit.c) == pytest.approx((0.3, 0.12, 0.1), rel=1e-4)
    assert fit.r_squared == pytest.approx(1.0)


def test_exponential_fit_on_noisy_decay_stays_close_with_high_r_squared() -> None:
    t = np.arange(80)
    noisy = 0.3 * np.exp(-0.12 * t) + 0.1 + np.random.default_rng(0).normal(0, 0.005, t.size)
    fit = fit_decay(noisy)
    assert fit is not None
    assert fit.b == pytest.approx(0.12, rel=0.1)
    assert fit.c == pytest.approx(0.1, abs=0.005)
    assert fit.r_squared > 0.98


def test_exponential_fit_needs_four_rounds() -> None:
    assert fit_decay([0.4, 0.2, 0.1]) is None


def test_halving_round_is_the_first_round_at_or_below_half_the_initial_std() -> None:
    assert halving_round([0.4, 0.3, 0.2, 0.1]) == 2
    assert halving_round([0.4, 0.35, 0.3]) is None


def test_tail_rate_of_a_geometric_sequence_is_its_ratio_and_ignores_rounding_noise() -> None:
    std = 0.4 * 0.8 ** np.arange(60)
    assert tail_decay_rate(std) == pytest.approx(0.8)
    std[30:] = 1e-17  # exact consensus: rounding noise, not decay
    assert tail_decay_rate(std) == pytest.approx(0.8)
    assert tail_decay_rate(std[:11]) is None  # only round 10 in the window


def test_final_opinion_is_the_mean_of_the_last_ten_rounds() -> None:
    scores = np.vstack([np.zeros((5, 2)), np.tile([0.2, 0.8], (10, 1))])
    np.testing.assert_allclose(final_opinions(scores), [0.2, 0.8])


def test_rmse_and_three_class_accuracy_against_the_forecast() -> None:
    final = np.array([0.5, 0.5, 0.9, 0.1])
    assert forecast_rmse(final, 0.5) == pytest.approx(math.sqrt((0.16 + 0.16) / 4))
    assert class_accuracy(final, 0.5) == 0.5


def test_class_boundaries_are_thirds_with_the_boundaries_neutral() -> None:
    assert [opinion_class(x) for x in (0.0, 0.33, 1 / 3, 0.5, 2 / 3, 0.67, 1.0)] == [
        "against",
        "against",
        "neutral",
        "neutral",
        "neutral",
        "for",
        "for",
    ]
    assert opinion_class((-1 + 3) / 6) == "neutral"  # the judge's -1


def test_consensus_report_of_an_exact_degroot_run_agrees_with_the_theory() -> None:
    A, x0 = NETWORKS[0]
    report = consensus_report(A, x0, degroot_simulate(A, x0, 200))
    assert report.lambda2 == second_eigenvalue_modulus(A)
    assert report.tail_rate is not None
    assert report.tail_rate == pytest.approx(report.lambda2, rel=0.10)
    assert report.halving_tail == pytest.approx(math.log(2) / -math.log(report.tail_rate))
    assert report.halving_first_half is not None
    assert report.rmse < 1e-6
    assert report.accuracy == 1.0
    assert report.final_std < 1e-6
    assert report.decay is not None
    assert report.decay.r_squared > 0.95
