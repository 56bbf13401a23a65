"""TwoNN against scikit-dimension's reference values and the duplicate / n/a conventions."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from convscope.core.metrics.twonn import twonn, twonn_by_label, twonn_dimension, twonn_sliding


def cube5() -> NDArray[np.float64]:
    r = np.random.default_rng(0)
    U = r.uniform(0, 1, (500, 5))
    return np.hstack([U, np.zeros((500, 15))])


def plane(noise: float) -> NDArray[np.float64]:
    r = np.random.default_rng(0)
    U = r.uniform(0, 1, (200, 2))
    Q, _ = np.linalg.qr(r.standard_normal((384, 2)))
    return np.asarray(U @ Q.T + noise * r.standard_normal((200, 384)))


def gauss3() -> NDArray[np.float64]:
    r = np.random.default_rng(0)
    return np.hstack([r.standard_normal((1000, 3)), np.zeros((1000, 7))])


@pytest.mark.parametrize(
    ("points", "reference"),
    [(cube5(), 4.4146), (plane(1e-4), 2.0487), (plane(0.0), 2.0314), (gauss3(), 2.8910)],
    ids=["cube5", "plane-noise-1e-4", "plane-noise-0", "gauss3"],
)
def test_dimension_agrees_with_scikit_dimension_within_one_percent(
    points: NDArray[np.float64], reference: float
) -> None:
    dimension = twonn_dimension(points)
    assert dimension is not None
    assert dimension == pytest.approx(reference, rel=0.01)


def test_duplicates_are_removed_before_the_fit_and_their_share_reported() -> None:
    distinct = gauss3()[:200]
    copies = np.vstack([distinct, distinct[:100], distinct[:100], distinct[:100]])
    result = twonn(copies)
    assert result.n_points == 500
    assert result.n_distinct == 200
    assert result.duplicate_share == pytest.approx(0.6)
    assert result.dimension == twonn_dimension(distinct)


def test_converged_texts_with_fewer_than_ten_distinct_points_are_not_available() -> None:
    nine = np.random.default_rng(1).standard_normal((9, 384))
    result = twonn(np.repeat(nine, 5, axis=0))
    assert result.dimension is None
    assert (result.n_points, result.n_distinct) == (45, 9)
    assert twonn_dimension(nine) is None


def test_ten_distinct_points_are_enough_for_an_estimate() -> None:
    assert twonn_dimension(np.random.default_rng(2).standard_normal((10, 3))) is not None


def test_empty_input_is_not_available_with_no_duplicates() -> None:
    result = twonn(np.empty((0, 384)))
    assert result.dimension is None
    assert result.duplicate_share == 0.0


def test_non_matrix_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="2-D"):
        twonn(np.zeros(10))


def test_pooling_by_round_estimates_each_round_on_its_own_points() -> None:
    points = gauss3()[:300]
    rounds = [index % 3 for index in range(300)]
    results = twonn_by_label(points, rounds)
    assert list(results) == [0, 1, 2]
    for label, result in results.items():
        assert result == twonn(points[label::3])


def test_labels_must_match_the_points() -> None:
    with pytest.raises(ValueError, match="labels"):
        twonn_by_label(np.zeros((4, 2)), ["a", "b"])


def test_sliding_window_covers_the_last_utterances_and_starts_as_not_available() -> None:
    points = gauss3()[:60]
    windows = twonn_sliding(points, size=25, step=5)
    assert [end for end, _ in windows] == list(range(5, 61, 5))
    assert windows[0][1].dimension is None  # 5 utterances so far
    for end, result in windows:
        assert result == twonn(points[max(0, end - 25) : end])
