"""The War Room paper's statistics: Kruskal-Wallis per flag with Bonferroni, bootstrap CIs, Cohen's kappa.

The conventions are the paper's: Kruskal-Wallis across agents for each trait flag (each
message a 0/1 observation, one group per agent), p-values multiplied by the number of
flags tested (capped at 1); bootstrap confidence intervals of a mean with 10,000 resamples
and seed 42 (scipy's default BCa method); Cohen's kappa from scikit-learn. Where a
statistic is undefined (every value identical, a single label) the result is None rather
than NaN, so that it survives JSON and every caller decides how to show "n/a".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.stats import bootstrap, kruskal
from sklearn.metrics import cohen_kappa_score
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
    result: dict[str, KruskalFlag] = {}
    for flag, groups in groups_of.items():
        values = {value for group in groups for value in group}
        if len(groups) < 2 or len(values) < 2:
            result[flag] = KruskalFlag(H=None, p=None, p_bonferroni=None)
            continue
        statistic, p = kruskal(*groups)
        result[flag] = KruskalFlag(
            H=float(statistic), p=float(p), p_bonferroni=min(1.0, float(p) * len(groups_of))
        )
    return result


def bootstrap_ci(values: Sequence[float], *, confidence: float = 0.95) -> tuple[float, float] | None:
    """Bootstrap confidence interval of the mean (10,000 resamples, seed 42); None for < 2 values."""
    data = np.asarray(values, dtype=np.float64)
    if data.size < 2:
        return None
    if np.all(data == data[0]):
        return float(data[0]), float(data[0])
    result = bootstrap(
        (data,),
        np.mean,
        n_resamples=BOOTSTRAP_RESAMPLES,
        confidence_level=confidence,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def cohen_kappa(a: Sequence[int | bool], b: Sequence[int | bool]) -> float | None:
    """Cohen's kappa of two raters' labels; None when undefined (one label used by both)."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    first = [int(x) for x in a]
    second = [int(x) for x in b]
    if len(set(first) | set(second)) < 2:
        return None
    return float(cohen_kappa_score(first, second))
