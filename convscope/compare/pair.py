"""Two sessions compared: the aligned transcripts, where they part, and every measure's
final value in each with the difference (B - A)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convscope.compare.align import Alignment, align
from convscope.compare.finals import difference, final_values, label_of, ordered
from convscope.core.controls import Roster
from convscope.core.snapshot import Snapshot
from convscope.plotdata.points import session_points, turns_of
from convscope.sessions.schema import SessionDocument


@dataclass(frozen=True)
class Side:
    """One of the two sessions, with its metric snapshots (saved, or recomputed)."""

    document: SessionDocument
    points: list[Snapshot]

    @property
    def names(self) -> dict[str, str]:
        """Agent id -> name at the session's end."""
        return dict(Roster.fold(self.document.config, self.document.controls).names)

    @classmethod
    def of(cls, document: SessionDocument) -> Side:
        return cls(document, session_points(document))


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    a: Any  # the final value in A (None: not measured there)
    b: Any
    difference: float | None  # b - a


@dataclass(frozen=True)
class PairComparison:
    a: Side
    b: Side
    alignment: Alignment
    metrics: list[MetricRow]

    @property
    def first_difference_turn(self) -> int | None:
        """The index of the first turn that differs (A's numbering); None if none does."""
        pair = self.alignment.first_different_pair
        return None if pair is None else pair.index

    @property
    def branch(self) -> tuple[str, int] | None:
        """("B", k) when B is a branch of A made at turn k (``convscope fork``), ("A", k) the
        other way round; None when neither session branched from the other."""
        for name, branch, parent in (("B", self.b, self.a), ("A", self.a, self.b)):
            origin = branch.document.parent
            if origin is not None and origin.session_id == parent.document.id:
                return name, origin.at_turn
        return None

    @property
    def metrics_agree_before(self) -> bool | None:
        """Whether every turn's snapshot before the branch point (or, for sessions that are
        not branch and parent, the first difference) holds the same values in both sessions;
        None when there is no turn before it to compare."""
        turn = self.branch[1] if self.branch is not None else self.first_difference_turn

        def before(points: Sequence[Snapshot]) -> dict[int, dict[str, Any]]:
            return {
                p.turn_index: p.values
                for p in turns_of(points)
                if p.turn_index is not None and (turn is None or p.turn_index < turn)
            }

        before_a, before_b = before(self.a.points), before(self.b.points)
        shared = before_a.keys() & before_b.keys()
        return all(before_a[i] == before_b[i] for i in shared) if shared else None


def metric_rows(a: Side, b: Side) -> list[MetricRow]:
    """Every measure either session has, in catalogue order."""
    finals_a, finals_b = final_values(a.points), final_values(b.points)
    names = {**b.names, **a.names}
    return [
        MetricRow(
            key,
            label_of(key, names),
            finals_a.get(key),
            finals_b.get(key),
            difference(finals_a.get(key), finals_b.get(key)),
        )
        for key in ordered(finals_a.keys() | finals_b.keys())
    ]


def compare_sides(a: Side, b: Side) -> PairComparison:
    return PairComparison(a, b, align(a.document.turns, b.document.turns), metric_rows(a, b))


def compare_pair(a: SessionDocument, b: SessionDocument) -> PairComparison:
    """The two sessions with their saved snapshots (or the tracker's, where none were saved)."""
    return compare_sides(Side.of(a), Side.of(b))
