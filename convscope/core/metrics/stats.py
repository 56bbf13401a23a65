"""Every statistical test convscope reports, in one place: the War Room paper's (Kruskal-Wallis
per flag with Bonferroni, bootstrap CIs, Mann-Whitney U, Cohen's kappa) and what comparing
two groups of sessions adds (the bootstrap CI of a difference of means, Holm's correction).

The conventions are the paper's: Kruskal-Wallis across agents for each trait flag (each
message a 0/1 observation, one group per agent), p-values multiplied by the number of
flags tested (capped at 1); bootstrap confidence intervals with 10,000 resamples and seed 42
(scipy's default BCa method); two-sided Mann-Whitney U with r = Z / sqrt(N); Cohen's kappa
from scikit-learn. Where a statistic is undefined (every value identical, a single label)
the result is None rather than NaN, so that it survives JSON and every caller decides how
to show "n/a".

scipy.stats takes a second to import: each function imports what it uses, so that the TUI and
a session's summary, which import this module, start without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12 (the summary)

from convscope.core.metrics.behaviour import TRAITS, BehaviourCodes

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 42


class KruskalFlag(TypedDict):
    H: float | None
    p: float | None
    p_bonferroni: float | None


def kruskal_by_flag(
    codes_by_agent: Mapping[str, Sequence[BehaviourCodes]], flags: Sequence[str] = TRAITS
) -> dict[str, KruskalFlag]:
    """Kruskal-Wallis H and p for each flag across agents (agents with no message left out)."""
    groups_of = {
        flag: [[float(bool(c[flag])) for c in codes] for codes in codes_by_agent.values() if codes]
        for flag in flags
    }
    return kruskal_groups(groups_of)


def kruskal_groups(groups_of: Mapping[str, Sequence[Sequence[float]]]) -> dict[str, KruskalFlag]:
    """Kruskal-Wallis per flag over its groups, Bonferroni-corrected over the flags; None where
    undefined (fewer than two groups, or every value equal)."""
    from scipy.stats import kruskal

    tests: dict[str, tuple[float, float] | None] = {}
    for flag, groups in groups_of.items():
        values = {value for group in groups for value in group}
        if len(groups) < 2 or len(values) < 2:
            tests[flag] = None
            continue
        statistic, p = kruskal(*groups)
        tests[flag] = float(statistic), float(p)
    ps = [None if test is None else test[1] for test in tests.values()]
    corrected = bonferroni(ps, tests=len(groups_of))
    return {
        flag: KruskalFlag(
            H=None if test is None else test[0], p=None if test is None else test[1], p_bonferroni=adjusted
        )
        for (flag, test), adjusted in zip(tests.items(), corrected, strict=True)
    }


def bonferroni(ps: Sequence[float | None], *, tests: int | None = None) -> list[float | None]:
    """Each p times the number of tests (by default the p-values present), capped at 1."""
    count = sum(p is not None for p in ps) if tests is None else tests
    return [None if p is None else min(1.0, p * count) for p in ps]


def holm(ps: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment over the p-values present (None stays None): the k-th
    smallest is multiplied by (m - k + 1), and adjusted values never decrease with p."""
    present = sorted((p, position) for position, p in enumerate(ps) if p is not None)
    adjusted: list[float | None] = [None] * len(ps)
    running = 0.0
    for rank, (p, position) in enumerate(present):
        running = max(running, min(1.0, p * (len(present) - rank)))
        adjusted[position] = running
    return adjusted


def bootstrap_ci(values: Sequence[float], *, confidence: float = 0.95) -> tuple[float, float] | None:
    """Bootstrap confidence interval of the mean (10,000 resamples, seed 42); None for < 2 values."""
    data = np.asarray(values, dtype=np.float64)
    if data.size < 2:
        return None
    if np.all(data == data[0]):
        return float(data[0]), float(data[0])
    return _bootstrap((data,), np.mean, confidence)


def _difference(a: NDArray[np.float64], b: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    return np.asarray(np.mean(b, axis=axis) - np.mean(a, axis=axis))


def bootstrap_difference_ci(
    a: Sequence[float], b: Sequence[float], *, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Bootstrap CI of mean(b) - mean(a), each group resampled on its own (10,000 resamples,
    seed 42); None when a group has fewer than 2 values."""
    first, second = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if first.size < 2 or second.size < 2:
        return None
    if np.all(first == first[0]) and np.all(second == second[0]):
        difference = float(second[0] - first[0])
        return difference, difference
    return _bootstrap((first, second), _difference, confidence)


def _bootstrap(
    samples: tuple[NDArray[np.float64], ...], statistic: object, confidence: float
) -> tuple[float, float]:
    from scipy.stats import bootstrap

    result = bootstrap(
        samples,
        statistic,
        n_resamples=BOOTSTRAP_RESAMPLES,
        confidence_level=confidence,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


@dataclass(frozen=True)
class MannWhitney:
    """A two-sided Mann-Whitney U test of ``a`` against ``b``.

    ``U`` is ``a``'s statistic (scipy's); ``r`` = Z / sqrt(N) with Z from the p-value (the War
    Room paper's effect size, never negative); ``rank_biserial`` = P(b > a) - P(a > b) over
    all pairs, from -1 to 1, positive when ``b`` tends to be larger (the sign of the difference).
    """

    U: float
    p: float
    r: float
    rank_biserial: float


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> MannWhitney | None:
    """The U test of ``a`` against ``b``; None with an empty side."""
    if not a or not b:
        return None
    from scipy.stats import mannwhitneyu, norm

    statistic, p = mannwhitneyu(a, b, alternative="two-sided")
    z = float(norm.isf(float(p) / 2)) if p > 0 else math.inf
    pairs = len(a) * len(b)
    return MannWhitney(
        U=float(statistic),
        p=float(p),
        r=z / math.sqrt(len(a) + len(b)),
        rank_biserial=1 - 2 * float(statistic) / pairs,
    )


def cohen_kappa(a: Sequence[int | bool], b: Sequence[int | bool]) -> float | None:
    """Cohen's kappa of two raters' labels; None when undefined (one label used by both)."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    first = [int(x) for x in a]
    second = [int(x) for x in b]
    if len(set(first) | set(second)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score  # 0.45 s to import, for the behaviour judge alone

    return float(cohen_kappa_score(first, second))
