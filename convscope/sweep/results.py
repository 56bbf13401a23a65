"""A finished session as one row of numbers: its counts, its final metrics, and the measures
its protocol adds for a whole session (an opinion network's consensus against DeGroot)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from convscope.core.protocols import protocol_class
from convscope.sessions.saved_measures import recorded_scores
from convscope.sessions.schema import SessionDocument

Row = dict[str, Any]


def final_metrics(document: SessionDocument) -> Row:
    """The values of the last round snapshot the tracker recorded."""
    last = next((point for point in reversed(document.metrics) if point.is_round), None)
    return {} if last is None else flatten(last.values)


def flatten(values: Mapping[str, Any], prefix: str = "") -> Row:
    """Nested mappings become dotted keys; only scalars (and None) are kept."""
    row: Row = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            row.update(flatten(value, f"{name}."))
        elif value is None or isinstance(value, str | int | float | bool):
            row[name] = None if isinstance(value, float) and not math.isfinite(value) else value
    return row


async def session_row(document: SessionDocument) -> Row:
    """What the sweep's CSV says about one session."""
    turns = document.turns
    seconds = max(t.ended_at for t in turns) - min(t.started_at for t in turns) if turns else 0.0
    row: Row = {
        "session": document.id,
        "status": document.status,
        "turns": len(turns),
        "failed_turns": sum(turn.failed for turn in turns),
        "seconds": round(seconds, 3),
    }
    row.update(final_metrics(document))
    protocol = protocol_class(document.config)
    row.update(flatten(await protocol.session_measures(document.config, turns, recorded_scores(document))))
    return row
