"""What a saved session measured live, read back so that nothing is measured twice.

An opinion network's judge is a paid model call per answer: a replay, a report, a resumed
session or a sweep's CSV reads the scores it gave live instead of asking it again.
"""

from __future__ import annotations

from convscope.core.metrics.catalogue import OPINION_SCORE
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols import tracker_for
from convscope.sessions.schema import SessionDocument


def recorded_scores(document: SessionDocument) -> dict[int, float | None]:
    """Each turn's opinion score as the session recorded it live, by turn index: what a replay
    reads instead of a judge (a turn without one, as in sessions saved before, reads None)."""
    return {
        point.turn_index: point.values.get(OPINION_SCORE.key)
        for point in document.metrics
        if point.turn_index is not None
    }


def resumed_tracker(document: SessionDocument) -> MetricsTracker:
    """The live tracker of a session that goes on: it has seen the saved turns (so loops and
    ROUGE pick up where they were, the last round still open) with their recorded scores,
    and judges only new turns."""
    tracker = tracker_for(document.config, recorded_scores=recorded_scores(document), judge_new_turns=True)
    tracker.run(document.turns, document.controls, close_last_round=False)
    return tracker
