"""What a session is made of: turns and control records.

These are pydantic models so that the session schema (``convscope.sessions.schema``)
reuses them as they are, and the engine, the store and replay agree on one shape.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ErrorKind = Literal["permanent", "transient"]
TurnLimit = Literal["first_token", "turn"]  # which time limit cut a turn (core/turn_limits.py)

ControlKind = Literal[
    "paused",
    "resumed",
    "stepped",
    "stopped",
    "renamed",
    "failure_injected",
    "failure_cleared",
    "thresholds_changed",
]


class Turn(BaseModel):
    """One agent's turn: its text, or the error that replaced it."""

    model_config = ConfigDict(frozen=True)

    index: int
    round: int
    agent_id: str
    nickname: str  # the name the agent had when it spoke
    model: str  # provider spec, e.g. "local:smollm2-135m"
    text: str = ""
    error: str | None = None
    error_kind: ErrorKind | None = None
    started_at: float
    ended_at: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    retries: int = 0
    phase: str | None = None  # the protocol's kind of turn, e.g. "code" or "summary" in a coding panel
    cut_by: TurnLimit | None = None  # a time limit ended the turn: ``text`` is what had streamed
    # A re-run of the failed turn with the same index (``resume --retry-failed``); the failed
    # one stays recorded before it, and the latest turn of an index is the one that counts.
    rerun: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None


class ControlRecord(BaseModel):
    """A person's intervention, stamped with the index of the turn it took effect before."""

    model_config = ConfigDict(frozen=True)

    kind: ControlKind
    turn_index: int
    at: float
    agent_id: str | None = None
    value: str | None = None  # new name, failure mode, thresholds as JSON...
    previous: str | None = None
