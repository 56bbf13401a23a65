"""A session's metric snapshots, from wherever they come: saved with the session, or
recomputed from its turns by the tracker its protocol uses live (``tracker_for``).

A point is either a turn's snapshot (``turn_index`` set) or a round's (``turn_index``
None), as the tracker emits them; saved points are told apart by their keys (a turn's
snapshot carries ``turn.index``, a round's does not).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from convscope.core.protocols import tracker_for
from convscope.sessions.recorded import recorded_scores
from convscope.sessions.schema import SessionDocument


class SavedPoint(Protocol):
    @property
    def turn_index(self) -> int: ...

    @property
    def round(self) -> int: ...

    @property
    def values(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Point:
    round: int
    turn_index: int | None  # None: the snapshot taken when the round ended
    values: Mapping[str, Any]


def points_from_saved(saved: Iterable[SavedPoint]) -> list[Point]:
    """Saved ``MetricsPoint``s (or any object with the same three fields) as points."""
    return [Point(p.round, p.turn_index if "turn.index" in p.values else None, p.values) for p in saved]


def recompute_points(document: SessionDocument, *, semantic: bool | None = None) -> list[Point]:
    """The tracker's snapshots over the saved turns; an opinion network's judge is never
    called (its recorded scores stand in), its other scorers score again. Embedding distances
    if ``semantic``, by default as the session measured them live."""
    tracker = tracker_for(document.config, semantic=semantic, recorded_scores=recorded_scores(document))
    return [Point(s.round, s.turn_index, s.values) for s in tracker.run(document.turns, document.controls)]


def session_points(document: SessionDocument, *, semantic: bool = False) -> list[Point]:
    """What the session measured live when it saved its metrics, else a recomputation;
    ``semantic`` forces the recomputation with embedding distances."""
    if document.metrics and not semantic:
        return points_from_saved(document.metrics)
    return recompute_points(document, semantic=True if semantic else None)


def rounds_of(points: Iterable[Point]) -> list[Point]:
    return [p for p in points if p.turn_index is None]


def turns_of(points: Iterable[Point]) -> list[Point]:
    return [p for p in points if p.turn_index is not None]


def number(value: Any) -> float | None:
    """A plottable number, or None (missing, NaN, a flag, text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
