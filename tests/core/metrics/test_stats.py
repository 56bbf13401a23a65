"""Kruskal-Wallis with Bonferroni, bootstrap intervals and Cohen's kappa against reference values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import bootstrap, chi2

from convscope.core.metrics.behaviour import BehaviourCodes
from convscope.core.metrics.stats import bootstrap_ci, cohen_kappa, kruskal_by_flag


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
