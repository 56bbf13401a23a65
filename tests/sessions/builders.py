"""Real session data built by hand: the records and events the engine would emit."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.controls import Roster
from convscope.core.events import ControlApplied, Event, MetricsUpdated, TurnCompleted, TurnFailed
from convscope.core.records import ControlKind, ControlRecord, Turn

T0 = 1_795_000_000.0

V1_STORE = Path(__file__).parent / "fixtures" / "v1"
"""A store holding one session folder written by the release before schema version 2 (see its README)."""
V1_SESSION_ID = "20261203-083924-ca94"


def make_config(title: str = "a test session", key_env: str | None = None) -> SessionConfig:
    return SessionConfig(
        title=title,
        brief="Agree on a name for the project.",
        rounds=3,
        agents=(
            AgentSpec(id="a", nickname="Ada", provider="openai:gpt-4o-mini", key_env=key_env),
            AgentSpec(id="b", nickname="Bo", provider="local:smollm2-135m"),
        ),
    )


def make_turn(
    index: int, *, text: str | None = None, error: str | None = None, nickname: str | None = None
) -> Turn:
    agent_id = "ab"[index % 2]
    return Turn(
        index=index,
        round=index // 2,
        agent_id=agent_id,
        nickname=nickname or {"a": "Ada", "b": "Bo"}[agent_id],
        model={"a": "openai:gpt-4o-mini", "b": "local:smollm2-135m"}[agent_id],
        text=""
        if error
        else (text if text is not None else f"turn {index}: I propose the name Lumen-{index}."),
        error=error,
        error_kind="transient" if error else None,
        started_at=T0 + index,
        ended_at=T0 + index + 0.5,
        prompt_tokens=100 + index,
        completion_tokens=20,
    )


def turn_event(
    index: int, *, text: str | None = None, error: str | None = None, nickname: str | None = None
) -> Event:
    turn = make_turn(index, text=text, error=error, nickname=nickname)
    return TurnFailed(turn) if turn.failed else TurnCompleted(turn)


def control_event(kind: ControlKind, turn_index: int, **payload: Any) -> ControlApplied:
    """A control of ``kind`` before ``turn_index``, e.g. ``control_event("renamed", 2, agent_id="a",
    name="Ada Prime", previous="Ada")``, with the roster it leaves in ``make_config()``."""
    record = TypeAdapter(ControlRecord).validate_python(
        {"kind": kind, "turn_index": turn_index, "at": T0 + turn_index, **payload}
    )
    return ControlApplied(record, Roster.initial(make_config()).after(record))


def metrics_event(index: int) -> MetricsUpdated:
    return MetricsUpdated(
        index,
        index // 2,
        {"similarity": index / 10, "per_agent": {"a": {"length": index}, "b": {"length": 1}}},
    )


def conversation(turns: int, start: int = 0) -> list[Event]:
    """Turns with their metrics; a rename before turn 2, a failure injected before turn 3, which fails."""
    events: list[Event] = []
    for index in range(start, start + turns):
        if index == 2:
            events.append(control_event("renamed", index, agent_id="a", name="Ada Prime", previous="Ada"))
        if index == 3:
            events.append(control_event("failure_injected", index, agent_id="b", mode="transient:1.0"))
        renamed = index >= 2 and index % 2 == 0
        error = "simulated transient failure" if index == 3 else None
        events.append(turn_event(index, nickname="Ada Prime" if renamed else None, error=error))
        events.append(metrics_event(index))
    return events


def file_hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
