"""A finished session as one row of numbers: its counts, its final metrics, and for an
opinion network its consensus report against the DeGroot theory."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from convscope.core.metrics.opinion_dynamics import ConsensusReport
from convscope.core.protocols.network_scoring import consensus_of
from convscope.sessions.saved_measures import recorded_scores
from convscope.sessions.schema import SessionDocument

Row = dict[str, Any]


def final_metrics(document: SessionDocument) -> Row:
    """The values of the last round snapshot the tracker recorded (round snapshots carry ``round``)."""
    last = next((point for point in reversed(document.metrics) if "round" in point.values), None)
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


def consensus_columns(report: ConsensusReport) -> Row:
    return flatten(dataclasses.asdict(report), "consensus.")


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
    if document.config.protocol == "network" and turns:
        report, _ = await consensus_of(document.config, turns, recorded=recorded_scores(document))
        row.update(consensus_columns(report))
    return row
