"""What a session is made of: turns and control records.

These are pydantic models so that the session schema (``convscope.sessions.schema``)
reuses them as they are, and the engine, the store and replay agree on one shape.

A control record is one model per kind, each with its own typed payload (a new name, a
failure mode, a mapping of thresholds), told apart by ``kind``: ``ControlRecord`` is their
union, and what a record *does* is folded in one place, ``convscope.core.controls``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ErrorKind = Literal["permanent", "transient"]
# What cut a turn short: a time limit (core/turn_limits.py), or the person (``Engine.interrupt``)
TurnLimit = Literal["first_token", "turn", "interrupt"]
HUMAN_ID = "@human"  # the agent id of every human turn: no agent id can have an "@"
HUMAN_MODEL = "human"  # the ``model`` of a human turn


class Turn(BaseModel):
    """One agent's turn: its text, or the error that replaced it.

    A person's message (``Engine.say``) is a turn too, with ``human`` set: it takes a turn
    index and sits in the transcript where it was said, under the nickname the person chose,
    so that the session file, resume, replay and every export keep it with no extra record.
    """

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
    # A time limit ended the turn (then it failed), or the person interrupted it (then it did
    # not): ``text`` is what had streamed.
    cut_by: TurnLimit | None = None
    # A re-run of the failed turn with the same index (``resume --retry-failed``); the failed
    # one stays recorded before it, and the latest turn of an index is the one that counts.
    rerun: bool = False
    human: bool = False  # a person's message: ``agent_id`` is HUMAN_ID, ``nickname`` who spoke
    to: str | None = None  # a human turn addressed to one agent (its id); None: to every agent

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def interrupted(self) -> bool:
        return self.cut_by == "interrupt"

    @property
    def spoke(self) -> bool:
        """The turn has a reply to measure: it did not fail, and was not interrupted before
        it said anything (such a turn is recorded, but an empty text would read as a reply
        unlike any other)."""
        return not self.failed and not (self.interrupted and not self.text.strip())

    def reaches(self, agent_id: str) -> bool:
        """True when the agent ``agent_id`` is meant to see this turn: a human turn addressed
        to another agent is the only one it is not."""
        return self.to is None or self.to == agent_id


def agent_turns(transcript: Iterable[Turn]) -> list[Turn]:
    """The agents' turns, without the people's: what a protocol plans its turns from."""
    return [turn for turn in transcript if not turn.human]


def last_agent_turn(transcript: Sequence[Turn]) -> Turn | None:
    """The latest turn an agent took (walks back only past the human turns at the end)."""
    return next((turn for turn in reversed(transcript) if not turn.human), None)


class _Control(BaseModel):
    """A person's intervention, stamped with the index of the turn it took effect before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    turn_index: int
    at: float
    # The session file's ``[[interventions]]`` entry (its position) that sent it; None: a person
    # or an alarm. A resumed session does not apply that intervention again.
    intervention: int | None = None


class Paused(_Control):
    kind: Literal["paused"] = "paused"


class Resumed(_Control):
    kind: Literal["resumed"] = "resumed"


class Stepped(_Control):
    """One more turn (one simultaneous batch) was asked for; a ``Paused`` record follows it."""

    kind: Literal["stepped"] = "stepped"


class Stopped(_Control):
    kind: Literal["stopped"] = "stopped"
    reason: str | None = None  # e.g. why an imported transcript ended


class Renamed(_Control):
    kind: Literal["renamed"] = "renamed"
    agent_id: str
    name: str
    previous: str  # the name it replaced


class FailureInjected(_Control):
    kind: Literal["failure_injected"] = "failure_injected"
    agent_id: str
    mode: str  # e.g. "transient:0.5", see ``convscope.core.providers.failures``
    previous: str | None = None  # the mode it replaced


class FailureCleared(_Control):
    kind: Literal["failure_cleared"] = "failure_cleared"
    agent_id: str
    previous: str | None = None  # the mode it cleared


class ThresholdsChanged(_Control):
    """New loop-detection thresholds, only the fields changed, e.g. ``{"bleu": 0.3}``."""

    kind: Literal["thresholds_changed"] = "thresholds_changed"
    thresholds: dict[str, float]


AlarmAction = Literal["pause", "stop", "mark"]


class AlarmFired(_Control):
    """An ``[[alarms]]`` rule's condition became true; its action (a pause or a stop) follows it."""

    kind: Literal["alarm_fired"] = "alarm_fired"
    rule: int  # its position among the config's alarms
    when: str  # the rule's condition, as written
    metric: str  # the metric key it reads
    value: bool | int | float | None
    action: AlarmAction
    measured_turn: int | None  # the turn whose snapshot crossed it; None: a round's snapshot
    round: int


ControlRecord = Annotated[
    Paused
    | Resumed
    | Stepped
    | Stopped
    | Renamed
    | FailureInjected
    | FailureCleared
    | ThresholdsChanged
    | AlarmFired,
    Field(discriminator="kind"),
]

ControlKind = Literal[  # the ``kind`` of each model above, for code that names a kind before it has a record
    "paused",
    "resumed",
    "stepped",
    "stopped",
    "renamed",
    "failure_injected",
    "failure_cleared",
    "thresholds_changed",
    "alarm_fired",
]
