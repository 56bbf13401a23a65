"""What the live screen knows of the session it shows: folded from the engine's events alone.

The engine runs on its own thread and changes its state there; the screen never reads
it. It starts from the runtime as built (before the engine's thread runs) and from then
on learns only from events, in the engine's order. One thing here is the person's, not
the engine's: what the person asked for and the engine has not confirmed yet (``pausing``,
a pause or a step; ``failures``, which the failure key toggles).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from convscope.core.controls import Roster
from convscope.core.events import (
    ControlApplied,
    Event,
    SessionEnded,
    SessionStarted,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.metrics.loops import LoopThresholds, thresholds_from
from convscope.core.records import ControlRecord, Paused, Stepped, ThresholdsChanged
from convscope.runtime.session import SessionRuntime


@dataclass(frozen=True)
class LiveView:
    paused: bool
    turns: int  # turns done: the index of the next new turn
    names: dict[str, str]  # agent id -> nickname now
    failures: dict[str, str | None]  # agent id -> failure mode in force
    thresholds: LoopThresholds
    base_thresholds: LoopThresholds  # what the person's threshold changes apply to
    round: int | None = None
    in_flight: dict[int, str] = field(default_factory=dict)  # turn index -> agent id
    pausing: bool = False
    ended: SessionEnded | None = None

    @classmethod
    def of(cls, runtime: SessionRuntime) -> LiveView:
        """The session as built, before its engine runs (nothing else touches it yet)."""
        engine = runtime.engine
        saved = runtime.saved
        return cls(
            paused=engine.state == "paused",
            turns=engine.next_turn_index,
            names=dict(engine.names),
            failures=dict(engine.failures),
            thresholds=runtime.tracker.loops.thresholds,
            base_thresholds=runtime.tracker.loops.thresholds,
            round=saved.turns[-1].round if saved is not None and saved.turns else None,
            pausing=engine.state == "paused",
        )

    @property
    def state(self) -> str:
        """What the status bar says: running, pausing, paused, or how the session ended."""
        if self.ended is not None:
            return self.ended.reason
        if self.paused:
            return "paused"
        return "pausing" if self.pausing else "running"

    @property
    def speaking(self) -> set[str]:
        return set(self.in_flight.values())

    def asked(self, *, pausing: bool) -> LiveView:
        """The person asked to pause (or step: pause after one turn) or to go on."""
        return replace(self, pausing=pausing)

    def asked_failure(self, agent_id: str, failure: str | None) -> LiveView:
        """The person injected (or cleared) a failure: the key toggles from what was asked."""
        return replace(self, failures={**self.failures, agent_id: failure})

    def after(self, event: Event) -> LiveView:
        """This view once ``event`` has happened."""
        match event:
            case SessionStarted(next_turn_index=turns):
                return replace(self, turns=turns)
            case TurnStarted():
                return replace(
                    self, round=event.round, in_flight={**self.in_flight, event.turn_index: event.agent_id}
                )
            case TurnCompleted(turn=turn) | TurnFailed(turn=turn):
                in_flight = {index: agent for index, agent in self.in_flight.items() if index != turn.index}
                return replace(self, turns=self.turns + 1, in_flight=in_flight)
            case ControlApplied(record=record, roster=roster):
                return self._controlled(record, roster)
            case SessionEnded():
                return replace(self, ended=event, in_flight={}, pausing=False)
            case _:
                return self

    def _controlled(self, record: ControlRecord, roster: Roster) -> LiveView:
        """Names, failures and the pause as the roster folded by the engine has them."""
        view = replace(self, names=dict(roster.names), failures=dict(roster.failures), paused=roster.paused)
        if isinstance(record, ThresholdsChanged):
            return replace(view, thresholds=thresholds_from(roster.thresholds, self.base_thresholds))
        if record.kind in ("paused", "resumed", "stepped"):
            return replace(view, pausing=isinstance(record, Paused | Stepped))
        return view
