"""Plain events the engine emits. The TUI, the recorder and the headless printer consume them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from convscope.core.controls import Roster
from convscope.core.records import ControlRecord, Turn
from convscope.core.snapshot import Snapshot


@dataclass(frozen=True)
class SessionStarted:
    next_turn_index: int  # > 0 when resuming


@dataclass(frozen=True)
class TurnStarted:
    turn_index: int
    round: int
    agent_id: str
    nickname: str
    model: str


@dataclass(frozen=True)
class TokenDelta:
    turn_index: int
    agent_id: str
    text: str


@dataclass(frozen=True)
class StreamReset:
    """A retry restarted the stream: discard the text streamed so far for this turn."""

    turn_index: int
    agent_id: str
    attempt: int
    reason: str
    delay_s: float


@dataclass(frozen=True)
class TurnCompleted:
    turn: Turn


@dataclass(frozen=True)
class TurnFailed:
    turn: Turn


@dataclass(frozen=True)
class RoundCompleted:
    round: int


@dataclass(frozen=True)
class ControlApplied:
    """A command took effect at a turn boundary (pause, rename, inject failure...).

    ``roster`` is the state it left (names, failures, thresholds, paused): what a front end
    shows, so that none folds the records again.
    """

    record: ControlRecord
    roster: Roster


MetricsUpdated = Snapshot  # a turn's or a round's metrics: the tracker's snapshot is the event


@dataclass(frozen=True)
class BranchPoint:
    """A branch was asked for (``Engine.fork``): the turns before ``turn_index`` are recorded
    and measured, and a branch starting at that turn can be built from the session's record."""

    turn_index: int


@dataclass(frozen=True)
class SessionEnded:
    reason: Literal["finished", "stopped", "error"]
    detail: str = ""


Event = (
    SessionStarted
    | TurnStarted
    | TokenDelta
    | StreamReset
    | TurnCompleted
    | TurnFailed
    | RoundCompleted
    | ControlApplied
    | MetricsUpdated
    | BranchPoint
    | SessionEnded
)
