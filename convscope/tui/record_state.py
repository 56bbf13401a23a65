"""What a saved session looked like at one turn: names, failure modes, each agent's last turn.

Replay scrubs with it and resume starts from it. A control stamped "before turn k"
counts as done once turn k-1 is shown, so the position after a turn includes the
interventions the person made right after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convscope.core.config import SessionConfig
from convscope.core.protocols import protocol_for
from convscope.core.records import ControlRecord, Turn


@dataclass(frozen=True)
class RecordState:
    names: dict[str, str]
    failures: dict[str, str | None]
    last_turns: dict[str, Turn]
    paused: bool


def initial_names(config: SessionConfig) -> dict[str, str]:
    return protocol_for(config).initial_names()


def state_at(
    config: SessionConfig, turns: Sequence[Turn], controls: Sequence[ControlRecord], index: int
) -> RecordState:
    """The state once turn ``index`` is over (``index`` -1: before the first turn)."""
    names = initial_names(config)
    failures: dict[str, str | None] = {agent.id: agent.failure for agent in config.agents}
    paused = False
    for record in controls:
        if record.turn_index > index + 1:
            break
        if record.kind == "renamed" and record.agent_id and record.value:
            names[record.agent_id] = record.value
        elif record.kind == "failure_injected" and record.agent_id:
            failures[record.agent_id] = record.value
        elif record.kind == "failure_cleared" and record.agent_id:
            failures[record.agent_id] = None
        elif record.kind in ("paused", "resumed", "stepped"):
            paused = record.kind == "paused"
    last_turns = {turn.agent_id: turn for turn in turns[: index + 1]}
    return RecordState(names, failures, last_turns, paused)
