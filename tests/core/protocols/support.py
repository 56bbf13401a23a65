"""What the protocol tests need: scripted agents, a run, and the prompt each turn was given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import Event, TurnStarted
from convscope.core.providers.base import ChatMessage
from convscope.core.records import Turn


def scripted_file(folder: Path, name: str, replies: Sequence[str]) -> str:
    """A ``scripted:file:`` spec answering ``replies`` in turn (one paragraph each)."""
    path = folder / f"{name}.txt"
    path.write_text("\n\n".join(replies), encoding="utf-8")
    return f"scripted:file:{path}"


def make_config(protocol: str, providers: Sequence[str], **fields: Any) -> SessionConfig:
    """Agents a0, a1... named Agent-A, Agent-B... with the given provider specs."""
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=f"Agent-{chr(65 + i)}", provider=provider)
        for i, provider in enumerate(providers)
    )
    return SessionConfig(protocol=protocol, agents=agents, **fields)


class PromptLog:
    """Every event, and the messages each turn was given, by turn index."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events: list[Event] = []
        self.prompts: dict[int, tuple[ChatMessage, ...]] = {}
        engine.subscribe(self)

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, TurnStarted):
            self.prompts[event.turn_index] = self.engine.in_flight[event.turn_index].messages

    def user(self, index: int) -> str:
        return [m.content for m in self.prompts[index] if m.role == "user"][-1]

    def system(self, index: int) -> str | None:
        return next((m.content for m in self.prompts[index] if m.role == "system"), None)


async def run(config: SessionConfig) -> tuple[list[Turn], PromptLog]:
    engine = Engine(config)
    log = PromptLog(engine)
    await engine.run()
    return engine.transcript, log
