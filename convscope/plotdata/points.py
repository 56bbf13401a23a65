"""A session's metric snapshots, from wherever they come: saved with the session, or
recomputed from its turns by the tracker its protocol uses live (``tracker_for``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from convscope.core.protocols import tracker_for
from convscope.core.snapshot import Snapshot
from convscope.sessions.saved_measures import recorded_scores
from convscope.sessions.schema import SessionDocument


def recompute_points(document: SessionDocument, *, semantic: bool | None = None) -> list[Snapshot]:
    """The tracker's snapshots over the saved turns; an opinion network's judge is never
    called (its recorded scores stand in), its other scorers score again. Embedding distances
    if ``semantic``, by default as the session measured them live."""
    tracker = tracker_for(document.config, semantic=semantic, recorded_scores=recorded_scores(document))
    return tracker.run(document.turns, document.controls)


def session_points(document: SessionDocument, *, semantic: bool = False) -> list[Snapshot]:
    """What the session measured live when it saved its metrics, else a recomputation;
    ``semantic`` forces the recomputation with embedding distances."""
    if document.metrics and not semantic:
        return list(document.metrics)
    return recompute_points(document, semantic=True if semantic else None)


def rounds_of(points: Iterable[Snapshot]) -> list[Snapshot]:
    return [p for p in points if p.is_round]


def turns_of(points: Iterable[Snapshot]) -> list[Snapshot]:
    return [p for p in points if not p.is_round]


def number(value: Any) -> float | None:
    """A plottable number, or None (missing, NaN, a flag, text)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
