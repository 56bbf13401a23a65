"""Sessions to compare, recorded by the real engine with scripted agents."""

from __future__ import annotations

from convscope.core.engine import Engine
from convscope.sessions.schema import SessionDocument
from tests.tui.support import record_session, scripted_config


def rename_before_turn_3(engine: Engine, index: int) -> None:
    """What a branch at turn 3 changes: Agent-A speaks as Zed from turn 3 on."""
    if index == 2:
        engine.rename("a0", "Zed")


async def parent_and_branch() -> tuple[SessionDocument, SessionDocument]:
    """Two runs of the scripted trio that are the same up to turn 3, where B renames Agent-A."""
    parent = await record_session(scripted_config(rounds=3))
    branch = await record_session(scripted_config(rounds=3), after_turn=rename_before_turn_3)
    return parent, branch
