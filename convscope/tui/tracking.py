"""The metrics tracker as the TUI runs it, live and in replay: one set of options, so that a
replay recomputes exactly the numbers the live session showed."""

from __future__ import annotations

from convscope.core.config import SessionConfig
from convscope.core.metrics.tracker import MetricsTracker
from convscope.sessions.schema import MetricsPoint, SessionDocument


def new_tracker(config: SessionConfig) -> MetricsTracker:
    """Lexical metrics, confidence, loops and behaviour; embeddings stay off live (too slow)."""
    return MetricsTracker(agents=config.agents)


def recompute_metrics(document: SessionDocument) -> list[MetricsPoint]:
    """The session's metrics, turn by turn and round by round, from its saved turns only.

    A round's values are stamped with the index of the round's last turn, as the engine
    does live, so that scrubbing to that turn shows them.
    """
    tracker = new_tracker(document.config)
    points: list[MetricsPoint] = []
    last_turn = -1
    for snapshot in tracker.run(document.turns, document.controls):
        if snapshot.turn_index is not None:
            last_turn = snapshot.turn_index
        turn_index = last_turn if snapshot.turn_index is None else snapshot.turn_index
        points.append(MetricsPoint(turn_index=turn_index, round=snapshot.round, values=snapshot.values))
    return points
