"""TwoNN intrinsic dimension (Facco et al. 2017), the convention fixed in REFERENCE.md.

mu = r2/r1 from exact Euclidean distances; sort; F = i/N (rank i = 1..N); keep the 90% smallest
mu; the dimension is the least-squares slope through the origin of -log(1-F) on log(mu).
This matches scikit-dimension 0.5.0 ``TwoNN()`` (linear fit, discard 0.1).

Converged agents write identical texts, hence identical embeddings, and a zero r1 would
make mu infinite: duplicates are removed first and the share removed is reported, because
"half the points were copies" is itself a finding. Fewer than ``MIN_DISTINCT`` distinct
points give "n/a", represented as ``None`` (not NaN: it survives JSON and the type
checker makes every caller decide how to show it).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

MIN_DISTINCT = 10
DISCARD_FRACTION = 0.1
_ROW_CHUNK = 512  # rows of the distance matrix held at once: bounds memory for large pools

H = TypeVar("H", bound=Hashable)


@dataclass(frozen=True)
class TwoNNResult:
    """An estimate with its provenance; ``dimension`` is None when there were too few points."""

    dimension: float | None
    n_points: int
    n_distinct: int

    @property
    def duplicate_share(self) -> float:
        """Share of the points removed as exact duplicates (0 for an empty input)."""
        return 0.0 if self.n_points == 0 else 1.0 - self.n_distinct / self.n_points


def twonn(X: ArrayLike) -> TwoNNResult:
    """TwoNN estimate of the rows of ``X`` after removing duplicate rows."""
    points = np.asarray(X, dtype=np.float64)
    if points.ndim != 2:
        raise ValueError(f"expected a 2-D array of points, got shape {points.shape}")
    n_points = points.shape[0]
    distinct = np.unique(points, axis=0) if n_points else points
    n_distinct = distinct.shape[0]
    if n_distinct < MIN_DISTINCT:
        return TwoNNResult(None, n_points, n_distinct)
    return TwoNNResult(_fit_dimension(_neighbour_ratios(distinct)), n_points, n_distinct)


def twonn_dimension(X: ArrayLike) -> float | None:
    """The TwoNN dimension of the rows of ``X``, or None ("n/a") below 10 distinct points."""
    return twonn(X).dimension


def twonn_by_label(X: ArrayLike, labels: Sequence[H]) -> dict[H, TwoNNResult]:
    """One estimate per label, in order of first appearance.

    Pooled per round across items (the coding-panel paper, Figure 6): label each code's embedding with
    its round. Per agent (the coding-panel paper, Figure 16): label it with the agent.
    """
    points = np.asarray(X, dtype=np.float64)
    if len(labels) != points.shape[0]:
        raise ValueError(f"{len(labels)} labels for {points.shape[0]} points")
    rows: dict[H, list[int]] = {}
    for index, label in enumerate(labels):
        rows.setdefault(label, []).append(index)
    return {label: twonn(points[indices]) for label, indices in rows.items()}


def twonn_sliding(X: ArrayLike, size: int, step: int = 1) -> list[tuple[int, TwoNNResult]]:
    """Estimates over a window of the last ``size`` utterances of one session.

    Returns ``(end, result)`` for windows ``X[max(0, end - size):end]``, ``end`` = step,
    2·step, ... up to the number of points, so a live session's curve starts as soon as
    there are 10 distinct utterances.
    """
    if size < 1 or step < 1:
        raise ValueError("size and step must be positive")
    points = np.asarray(X, dtype=np.float64)
    ends = range(step, points.shape[0] + 1, step)
    return [(end, twonn(points[max(0, end - size) : end])) for end in ends]


def _neighbour_ratios(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """mu = r2/r1 per point from exact distances (no kd-tree or dot-product shortcut)."""
    from scipy.spatial.distance import cdist  # 0.25 s to import: only embeddings get this far

    n = points.shape[0]
    mu = np.empty(n)
    for start in range(0, n, _ROW_CHUNK):
        block = cdist(points[start : start + _ROW_CHUNK], points)
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = np.inf
        nearest = np.partition(block, 1, axis=1)[:, :2]
        mu[start : start + block.shape[0]] = nearest[:, 1] / nearest[:, 0]
    return mu


def _fit_dimension(mu: NDArray[np.float64]) -> float:
    n = mu.shape[0]
    kept = int(n * (1 - DISCARD_FRACTION))
    x = np.log(np.sort(mu)[:kept])
    y = -np.log(1 - np.arange(1, kept + 1) / n)
    return float(x @ y / (x @ x))
