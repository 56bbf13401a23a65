"""Sessions to compare, recorded by the real engine with scripted agents."""

from __future__ import annotations

from convscope.core.engine import Engine
from convscope.runtime.fork import BranchChanges, fork_session
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.tui.support import TickClock, record_session, scripted_config


def rename_before_turn_3(engine: Engine, index: int) -> None:
    """What a branch at turn 3 changes: Agent-A speaks as Zed from turn 3 on."""
    if index == 2:
        engine.rename("a0", "Zed")


async def parent_and_branch() -> tuple[SessionDocument, SessionDocument]:
    """The scripted trio, and its branch at turn 3 (``convscope fork``) where Agent-A is Zed."""
    parent = await record_session(scripted_config(rounds=3))
    store = SessionStore()
    runtime = fork_session(parent.id, 3, BranchChanges(renames={"a0": "Zed"}), store=store, clock=TickClock())
    await runtime.run()
    return parent, store.load(runtime.session_id)
