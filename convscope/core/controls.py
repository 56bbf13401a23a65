"""What control records do, in one place: the roster they fold into, and how each reads.

The engine, replay, the chat view, the Markdown transcript, the session listing and the
headless console all fold records with :meth:`Roster.after` and print them with
:func:`describe`, so that a rename or an injected failure means the same thing wherever
a session is run, shown or read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from convscope.core.config import SessionConfig
from convscope.core.metrics.catalogue import metric
from convscope.core.protocols import protocol_for
from convscope.core.protocols.base import ConversationProtocol
from convscope.core.records import (
    AlarmFired,
    ControlRecord,
    FailureCleared,
    FailureInjected,
    Paused,
    Renamed,
    Resumed,
    Stepped,
    Stopped,
    ThresholdsChanged,
)


@dataclass(frozen=True)
class Roster:
    """Who the agents are and how the session runs, once some control records took effect.

    ``thresholds`` holds only the loop thresholds the person changed (the tracker's own
    apply underneath); ``paused`` is what the last pause, resume or step left; ``alarm`` is
    the last alarm that fired (the live screen's and replay's banner).
    """

    names: Mapping[str, str]
    failures: Mapping[str, str | None]
    thresholds: Mapping[str, float] = field(default_factory=dict)
    paused: bool = False
    alarm: AlarmFired | None = None

    @classmethod
    def initial(cls, config: SessionConfig, protocol: ConversationProtocol | None = None) -> Roster:
        """Before any record: the names the protocol gives, the failures the config asks for."""
        names = (protocol or protocol_for(config)).initial_names()
        return cls(names=names, failures={agent.id: agent.failure for agent in config.agents})

    @classmethod
    def fold(
        cls, config: SessionConfig, controls: Iterable[ControlRecord], *, until_turn: int | None = None
    ) -> Roster:
        """The roster after ``controls``; with ``until_turn``, after those stamped before it or earlier."""
        roster = cls.initial(config)
        for record in controls:
            if until_turn is not None and record.turn_index > until_turn:
                break
            roster = roster.after(record)
        return roster

    def after(self, record: ControlRecord) -> Roster:
        """This roster once ``record`` has taken effect."""
        match record:
            case Renamed(agent_id=agent, name=name):
                return replace(self, names={**self.names, agent: name})
            case FailureInjected(agent_id=agent, mode=mode):
                return replace(self, failures={**self.failures, agent: mode})
            case FailureCleared(agent_id=agent):
                return replace(self, failures={**self.failures, agent: None})
            case ThresholdsChanged(thresholds=thresholds):
                return replace(self, thresholds={**self.thresholds, **thresholds})
            case Paused():
                return replace(self, paused=True)
            case Resumed() | Stepped():
                return replace(self, paused=False)
            case AlarmFired():
                return replace(self, alarm=record)
            case Stopped():
                return self


def rosters(
    config: SessionConfig, controls: Iterable[ControlRecord]
) -> Iterator[tuple[ControlRecord, Roster]]:
    """Each record with the roster it leaves: what a transcript needs to describe them in order."""
    roster = Roster.initial(config)
    for record in controls:
        roster = roster.after(record)
        yield record, roster


def changes_a_setting(record: ControlRecord) -> bool:
    """Whether the record changes how the session runs on (a name, a failure, the thresholds),
    as a branch's changes do; the others steer the run (pause, step, stop) or report (alarm)."""
    return isinstance(record, Renamed | FailureInjected | FailureCleared | ThresholdsChanged)


def describe(record: ControlRecord, names: Mapping[str, str]) -> str:
    """One plain sentence, e.g. ``Agent-B renamed to Zed``; the caller escapes it for its medium.

    ``names`` are the agents' names around the record (before or after it: only a rename
    changes a name, and it carries both).
    """
    match record:
        case Renamed(previous=previous, name=name):
            return f"{previous} renamed to {name}"
        case FailureInjected(agent_id=agent, mode=mode):
            return f"failure injected into {names.get(agent, agent)}: {mode}"
        case FailureCleared(agent_id=agent):
            return f"failure cleared on {names.get(agent, agent)}"
        case ThresholdsChanged(thresholds=thresholds):
            limits = ", ".join(f"{name} {limit:g}" for name, limit in thresholds.items())
            return f"loop thresholds set to {limits}"
        case AlarmFired():
            return alarm_text(record)
        case Stepped():
            return "stepped one turn"
        case Stopped(reason=reason):
            return f"stopped: {reason}" if reason else "stopped"
        case Paused() | Resumed():
            return record.kind


def alarm_text(record: AlarmFired) -> str:
    """What an alarm saw and did, e.g. ``alarm loop.active: looping now yes at turn #7 → stop``."""
    entry = metric(record.metric)
    value = entry.format(record.value) if entry is not None else str(record.value)
    name = entry.label if entry is not None else record.metric
    where = f"turn #{record.measured_turn}" if record.measured_turn is not None else f"round #{record.round}"
    return f"alarm {record.when!r}: {name} {value} at {where} → {record.action}"
