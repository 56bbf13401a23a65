"""Influence matrix and opinion axis, computed by hand on small embeddings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convscope.core.metrics.semantic import influence_by_round, influence_matrix, opinion_axis

S = math.sqrt(0.5)
# rounds x agents x dim: agent 0 stays on x; agent 1 moves from y to the diagonal, then to x
ROUNDS = np.array(
    [
        [[1.0, 0.0], [0.0, 2.0]],  # lengths do not matter: cosines, not dot products
        [[1.0, 0.0], [S, S]],
        [[3.0, 0.0], [1.0, 0.0]],
    ]
)


def test_each_round_compares_a_target_with_every_source_one_round_earlier() -> None:
    per_round = influence_by_round(ROUNDS)
    assert per_round.shape == (2, 2, 2)
    # round 1: target rows, source columns (sources at round 0: x and y)
    np.testing.assert_allclose(per_round[0], [[1.0, 0.0], [S, S]])
    # round 2: sources at round 1 are x and the diagonal
    np.testing.assert_allclose(per_round[1], [[1.0, S], [1.0, S]])


def test_influence_matrix_is_the_mean_over_rounds_with_self_consistency_on_the_diagonal() -> None:
    matrix = influence_matrix(ROUNDS)
    np.testing.assert_allclose(matrix, [[1.0, S / 2], [(S + 1) / 2, S]])
    assert matrix[1, 1] == pytest.approx(np.mean([S, S]))  # agent 1 against its own past


def test_a_missing_turn_is_skipped_not_counted_as_zero() -> None:
    rounds = ROUNDS.copy()
    rounds[1, 1] = np.nan  # agent 1 failed in round 1
    matrix = influence_matrix(rounds)
    assert matrix[0, 0] == pytest.approx(1.0)
    assert matrix[0, 1] == pytest.approx(0.0)  # from round 1 alone (agent 1 was y at round 0)
    assert matrix[1, 0] == pytest.approx(1.0)  # from round 2 alone (agent 1 back, as x)
    assert math.isnan(matrix[1, 1])  # agent 1 never spoke in two consecutive rounds


def test_influence_needs_two_rounds() -> None:
    with pytest.raises(ValueError, match="two rounds"):
        influence_matrix(ROUNDS[:1])


def test_opinion_axis_scales_the_first_principal_component_to_the_unit_interval() -> None:
    direction = np.array([3.0, 4.0]) / 5
    positions = np.array([0.0, 1.0, 2.5, 4.0])
    axis = opinion_axis(positions[:, None] * direction)
    if axis[0] > axis[-1]:  # the sign of a principal component is a convention
        axis = 1 - axis
    np.testing.assert_allclose(axis, positions / 4.0, atol=1e-12)


def test_opinion_axis_follows_the_direction_of_largest_spread() -> None:
    rng = np.random.default_rng(0)
    spread = np.column_stack([np.linspace(-5, 5, 50), rng.normal(0, 0.01, 50), rng.normal(0, 0.01, 50)])
    axis = opinion_axis(spread)
    assert {axis.argmin(), axis.argmax()} == {0, 49}
    assert axis.min() == 0.0
    assert axis.max() == 1.0


def test_identical_utterances_sit_in_the_middle_of_the_axis() -> None:
    np.testing.assert_allclose(opinion_axis(np.ones((4, 3))), 0.5)


def test_opinion_axis_needs_two_utterances() -> None:
    with pytest.raises(ValueError, match="two utterances"):
        opinion_axis(np.ones((1, 3)))
