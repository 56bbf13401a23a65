"""Two groups of sessions compared measure by measure.

Each session contributes one number per measure, its final value (``finals``; a flag
counts 0 or 1). Per measure: each group's mean with a bootstrap 95% CI, the difference of
the means (B - A) with its bootstrap CI, a two-sided Mann-Whitney U test of A against B with
its rank-biserial correlation, and the p-value corrected for the number of measures tested
(Holm, and Bonferroni). A measure that is the same in every session of both groups (a
threshold left at its default) has no test and does not count in the corrections; one that
only one group measured (an agent the other group does not have) is listed apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from convscope.compare.finals import final_values, label_of, numeric, ordered
from convscope.core.controls import Roster
from convscope.core.metrics.stats import (
    MannWhitney,
    bonferroni,
    bootstrap_ci,
    bootstrap_difference_ci,
    holm,
    mann_whitney,
)
from convscope.corpus.sessions import field_value
from convscope.plotdata.points import session_points
from convscope.sessions.reader import read_session
from convscope.sessions.schema import SessionDocument

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class GroupValues:
    """One measure over one group: the sessions' values, their mean and its CI."""

    values: list[float]
    mean: float | None
    ci: tuple[float, float] | None

    @classmethod
    def of(cls, values: list[float]) -> GroupValues:
        return cls(values, float(np.mean(values)) if values else None, bootstrap_ci(values))


@dataclass(frozen=True)
class MeasureComparison:
    key: str
    label: str
    a: GroupValues
    b: GroupValues
    difference: float | None  # mean(b) - mean(a)
    difference_ci: tuple[float, float] | None
    test: MannWhitney | None
    p_holm: float | None = None
    p_bonferroni: float | None = None

    @property
    def significant(self) -> bool | None:
        """The Holm-corrected p under 0.05; None without a test."""
        return None if self.p_holm is None else self.p_holm < SIGNIFICANCE


@dataclass(frozen=True)
class GroupComparison:
    a_label: str
    b_label: str
    a_sessions: list[str]  # ids
    b_sessions: list[str]
    measures: list[MeasureComparison]  # what both groups measured
    only_a: list[str]  # labels of the measures only A's sessions have
    only_b: list[str]
    skipped: list[tuple[str, str]]  # (path, why) of files that are not readable sessions


@dataclass(frozen=True)
class SessionFinals:
    """What a group comparison needs of one session (small enough to come back from a worker)."""

    id: str
    names: dict[str, str]  # agent id -> name at the end
    values: dict[str, float]  # the final measures as numbers (text and missing values left out)

    @classmethod
    def of(cls, document: SessionDocument) -> SessionFinals:
        finals = {key: numeric(value) for key, value in final_values(session_points(document)).items()}
        return cls(
            document.id,
            dict(Roster.fold(document.config, document.controls).names),
            {key: value for key, value in finals.items() if value is not None},
        )


def finals_of_path(path: Path) -> SessionFinals:
    """A worker's job (``sessions.pool``): read one saved session and keep its final measures."""
    return SessionFinals.of(read_session(path))


def finals_in_cell(path: Path, field: str, value: str) -> SessionFinals | None:
    """:func:`finals_of_path` for a session whose ``field`` is ``value``; None, before any
    measure is computed, for another (a grid cell is often a small share of its folder)."""
    document = read_session(path)
    if field_value(document, field) != value:
        return None
    return SessionFinals.of(document)


def _tested(a: list[float], b: list[float]) -> MannWhitney | None:
    if len(set(a) | set(b)) < 2:
        return None  # the same everywhere: nothing to test
    return mann_whitney(a, b)


def _measure(key: str, label: str, a: list[float], b: list[float]) -> MeasureComparison:
    first, second = GroupValues.of(a), GroupValues.of(b)
    difference = None if first.mean is None or second.mean is None else second.mean - first.mean
    return MeasureComparison(
        key, label, first, second, difference, bootstrap_difference_ci(a, b), _tested(a, b)
    )


def _corrected(measures: list[MeasureComparison]) -> list[MeasureComparison]:
    ps = [None if m.test is None else m.test.p for m in measures]
    return [
        replace(measure, p_holm=by_holm, p_bonferroni=by_bonferroni)
        for measure, by_holm, by_bonferroni in zip(measures, holm(ps), bonferroni(ps), strict=True)
    ]


def compare_groups(
    a: Sequence[SessionFinals],
    b: Sequence[SessionFinals],
    *,
    labels: tuple[str, str] = ("A", "B"),
    skipped: Sequence[tuple[str, str]] = (),
) -> GroupComparison:
    """Every measure both groups have, in catalogue order."""
    finals_a = [session.values for session in a]
    finals_b = [session.values for session in b]
    names: dict[str, str] = {}
    for session in [*b, *a]:  # A's names win
        names.update(session.names)
    keys_a = {key for finals in finals_a for key in finals}
    keys_b = {key for finals in finals_b for key in finals}
    measures = [
        _measure(
            key,
            label_of(key, names),
            [f[key] for f in finals_a if key in f],
            [f[key] for f in finals_b if key in f],
        )
        for key in ordered(keys_a & keys_b)
    ]
    return GroupComparison(
        *labels,
        [d.id for d in a],
        [d.id for d in b],
        _corrected(measures),
        [label_of(key, names) for key in ordered(keys_a - keys_b)],
        [label_of(key, names) for key in ordered(keys_b - keys_a)],
        list(skipped),
    )
