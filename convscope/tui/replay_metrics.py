"""Replay's metrics: the saved turns run through the tracker the protocol calls for live
(``convscope.core.tracking.tracker_for``), so a replay shows exactly what the live session did."""

from __future__ import annotations

from convscope.core.tracking import tracker_for
from convscope.sessions.schema import MetricsPoint, SessionDocument


def recompute_metrics(document: SessionDocument) -> list[MetricsPoint]:
    """The session's metrics, turn by turn and round by round, from its saved turns only.

    A round's values are stamped with the index of the round's last turn, as the engine
    does live, so that scrubbing to that turn shows them.
    """
    tracker = tracker_for(document.config)
    points: list[MetricsPoint] = []
    last_turn = -1
    for snapshot in tracker.run(document.turns, document.controls):
        if snapshot.turn_index is not None:
            last_turn = snapshot.turn_index
        turn_index = last_turn if snapshot.turn_index is None else snapshot.turn_index
        points.append(MetricsPoint(turn_index=turn_index, round=snapshot.round, values=snapshot.values))
    return points
