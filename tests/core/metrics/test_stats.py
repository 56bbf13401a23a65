"""Kruskal-Wallis, Mann-Whitney, Bonferroni and Holm, bootstrap intervals and Cohen's kappa against
reference values (scipy's, or worked by hand)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.stats import bootstrap, chi2, mannwhitneyu, norm

from convscope.core.metrics.behaviour import BehaviourCodes
from convscope.core.metrics.stats import (
    bonferroni,
    bootstrap_ci,
    bootstrap_difference_ci,
    cohen_kappa,
    holm,
    kruskal_by_flag,
    mann_whitney,
)


def coded(flag: str, values: list[int]) -> list[BehaviourCodes]:
    codes: list[BehaviourCodes] = [{flag: bool(v)} for v in values]
    return codes


def test_kruskal_wallis_matches_the_value_computed_by_hand_with_the_tie_correction() -> None:
    # Zeros share rank 2.5, ones 6.5: rank sums 22 and 14, H0 = 12/72 * (22**2/4 + 14**2/4) - 27 = 4/3;
    # tie correction 1 - 2 * (4**3 - 4) / (8**3 - 8) = 16/21, so H = 4/3 / (16/21) = 1.75, df = 1.
    result = kruskal_by_flag({"a": coded("X", [1, 1, 1, 0]), "b": coded("X", [0, 0, 0, 1])}, flags=["X"])
    assert result["X"]["H"] == pytest.approx(1.75)
    assert result["X"]["p"] == pytest.approx(chi2.sf(1.75, df=1))


def test_bonferroni_multiplies_p_by_the_number_of_flags_tested_and_caps_at_one() -> None:
    def code(arch: bool, meta: bool) -> BehaviourCodes:
        return {"ARCH": arch, "META": meta}

    by_agent = {
        "a": [code(True, False)] * 8 + [code(False, True)] * 2,
        "b": [code(False, False)] * 9 + [code(True, True)],
    }
    result = kruskal_by_flag(by_agent, flags=["ARCH", "META"])
    arch, meta = result["ARCH"], result["META"]
    assert arch["p"] is not None and meta["p"] is not None
    assert arch["p_bonferroni"] == pytest.approx(min(1.0, arch["p"] * 2))
    assert meta["p_bonferroni"] == 1.0


def test_a_flag_no_message_carries_has_no_test() -> None:
    result = kruskal_by_flag({"a": coded("LEAD", [0, 0]), "b": coded("LEAD", [0])}, flags=["LEAD"])
    assert result["LEAD"] == {"H": None, "p": None, "p_bonferroni": None}


def test_bootstrap_ci_uses_10000_resamples_and_seed_42() -> None:
    values = [0.56, 0.61, 0.48, 0.72, 0.5, 0.65, 0.44, 0.59, 0.7, 0.53]
    reference = bootstrap(
        (np.asarray(values),), np.mean, n_resamples=10_000, rng=np.random.default_rng(42)
    ).confidence_interval
    interval = bootstrap_ci(values)
    assert interval == (reference.low, reference.high)
    assert interval[0] < np.mean(values) < interval[1]
    assert bootstrap_ci(values) == interval


def test_bootstrap_ci_of_constant_or_single_values() -> None:
    assert bootstrap_ci([0.85, 0.85, 0.85]) == (0.85, 0.85)
    assert bootstrap_ci([0.5]) is None


def test_cohen_kappa_by_hand_and_when_undefined() -> None:
    # p_o = 3/4, p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2, kappa = (3/4 - 1/2) / (1 - 1/2)
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0]) == pytest.approx(0.5)
    assert cohen_kappa([True, False], [True, False]) == 1.0
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 0])


def test_bootstrap_difference_ci_resamples_each_group_with_seed_42_as_scipy_does() -> None:
    a = [0.56, 0.61, 0.48, 0.72, 0.5, 0.65, 0.44]
    b = [0.85, 0.81, 0.9, 0.88, 0.79, 0.86]

    def difference(x: NDArray[np.float64], y: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
        return np.asarray(np.mean(y, axis=axis) - np.mean(x, axis=axis))

    reference = bootstrap(
        (np.asarray(a), np.asarray(b)), difference, n_resamples=10_000, rng=np.random.default_rng(42)
    ).confidence_interval
    interval = bootstrap_difference_ci(a, b)
    assert interval == (reference.low, reference.high)
    assert interval[0] < np.mean(b) - np.mean(a) < interval[1]
    assert interval[0] > 0  # B is higher beyond doubt


def test_bootstrap_difference_ci_of_constant_groups_and_of_too_few_values() -> None:
    assert bootstrap_difference_ci([0.5, 0.5], [0.75, 0.75, 0.75]) == (0.25, 0.25)
    assert bootstrap_difference_ci([0.5], [0.75, 0.8]) is None


def test_mann_whitney_is_scipys_two_sided_test_with_r_and_the_rank_biserial_correlation() -> None:
    a, b = [1.0, 2.0, 3.0, 4.0], [3.0, 5.0, 6.0]
    # Of the 12 pairs (a, b), a > b once (4, 3) and they tie once (3, 3), half each: U_a = 1.5.
    test = mann_whitney(a, b)
    assert test is not None
    reference = mannwhitneyu(a, b, alternative="two-sided")
    assert (test.U, test.p) == (1.5, pytest.approx(reference.pvalue))
    # b > a in 10 pairs, a > b in 1: P(b > a) - P(a > b) = 9/12, positive because b is larger.
    assert test.rank_biserial == pytest.approx(9 / 12)
    assert test.r == pytest.approx(norm.isf(reference.pvalue / 2) / np.sqrt(7))
    flipped = mann_whitney(b, a)
    assert flipped is not None and flipped.rank_biserial == pytest.approx(-9 / 12)
    assert mann_whitney([], b) is None


def test_bonferroni_multiplies_by_the_tests_present_or_the_count_given() -> None:
    assert bonferroni([0.01, None, 0.3]) == [0.02, None, 0.6]
    assert bonferroni([0.01, None, 0.3], tests=5) == [0.05, None, 1.0]


def test_holm_steps_down_by_hand() -> None:
    # Sorted 0.01, 0.02, 0.04, 0.3 (m = 4): 0.04, 0.06, 0.08, 0.3; None is not a test.
    adjusted = holm([0.04, 0.3, None, 0.01, 0.02])
    assert adjusted == [
        pytest.approx(0.08),
        pytest.approx(0.3),
        None,
        pytest.approx(0.04),
        pytest.approx(0.06),
    ]


def test_holm_never_lets_a_larger_p_fall_below_a_smaller_ones_adjustment() -> None:
    # 0.02 * 2 = 0.04 but 0.021 * 1 = 0.021: monotonicity lifts it to 0.04.
    assert holm([0.02, 0.021]) == [pytest.approx(0.04), pytest.approx(0.04)]
    assert holm([0.6, 0.9]) == [1.0, 1.0]
