"""Small builders shared by the engine tests: configs of scripted agents and an event log."""

from __future__ import annotations

from typing import Any

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import Event
from convscope.core.providers.base import ChatMessage


def scripted_config(*replies: str, rounds: int = 2, **options: Any) -> SessionConfig:
    """One agent per reply, each always answering that text, in a group chat."""
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=f"Agent-{chr(65 + i)}", provider=f"scripted:text:{reply}")
        for i, reply in enumerate(replies)
    )
    return SessionConfig(
        title="test", brief="Plan a festival.", rounds=rounds, agents=agents, options=options
    )


class EventLog:
    """Records every event, and the prompt each turn was given."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events: list[Event] = []
        self.prompts: list[tuple[ChatMessage, ...]] = []
        engine.subscribe(self)

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if type(event).__name__ == "TurnStarted" and self.engine.current_turn is not None:
            self.prompts.append(self.engine.current_turn.messages)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
