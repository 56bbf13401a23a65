"""Screenshots of every screen at a fixed size, compared with the approved SVGs in __snapshots__.

Everything drawn is deterministic: scripted agents, a clock that ticks one second per
reading, sessions saved with fixed dates, no focused text input (no blinking cursor).
Update after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.pilot import Pilot

from convscope.runtime.fork import BranchChanges, fork_session
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from convscope.themes import LIGHT
from convscope.tui import settings
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.compare import CompareScreen
from convscope.tui.screens.home import HomeScreen
from convscope.tui.screens.new_session import AgentRow
from convscope.tui.screens.replay import ReplayScreen
from tests.compare.sessions import rename_before_turn_3

from .support import (
    SIZE,
    TickClock,
    intervene,
    live_app,
    live_screen,
    record_session,
    scripted_config,
    until,
)

Compare = Callable[..., bool]
FIXED_DATE = 1_767_225_600.0  # 2026-01-01 00:00 UTC


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates on screen do not depend on the machine's time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def saved(title: str, **kwargs: Any) -> SessionDocument:
    """A session recorded by the engine, stored again under a fixed id and date."""
    document = asyncio.run(record_session(scripted_config(title=title), store=SessionStore(), **kwargs))
    store = SessionStore()
    store.delete(document.id)
    fixed = document.model_copy(
        update={
            "id": f"snapshot-{title.replace(' ', '-')}",
            "created_at": FIXED_DATE,
            "updated_at": FIXED_DATE,
        }
    )
    store.save_document(fixed)
    return fixed


async def finished(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: live_screen(pilot).ended is not None)
    await pilot.pause(0.2)


def test_home_screen(snap_compare: Compare) -> None:
    saved("festival plan")
    saved("app budget", stop_after=4)

    async def listed(pilot: Pilot[Any]) -> None:
        await until(
            pilot, lambda: isinstance(pilot.app.screen, HomeScreen) and len(pilot.app.screen.summaries) == 2
        )

    assert snap_compare(ConvscopeApp(), terminal_size=SIZE, run_before=listed)


def saved_branch(parent: SessionDocument, at_turn: int, title: str, **changes: Any) -> SessionDocument:
    """A branch of ``parent`` run by the session runtime, stored again under a fixed id and date."""
    store = SessionStore()
    runtime = fork_session(parent.id, at_turn, BranchChanges(**changes), store=store, clock=TickClock())
    asyncio.run(runtime.run())
    document = store.load(runtime.session_id)
    store.delete(document.id)
    fixed = document.model_copy(
        update={
            "id": f"snapshot-{parent.id.removeprefix('snapshot-')}-{at_turn}",
            "created_at": FIXED_DATE + at_turn,
            "updated_at": FIXED_DATE + at_turn,
            "config": document.config.model_copy(update={"title": title}),
        }
    )
    store.save_document(fixed)
    return fixed


def test_home_screen_with_branches(snap_compare: Compare) -> None:
    parent = saved("festival plan")
    saved("app budget", stop_after=4)
    crash = saved_branch(parent, 3, "festival plan, C crashes", failures={"a2": "decommissioned"})
    saved_branch(parent, 6, "festival plan, renamed", renames={"a1": "Zed"})
    saved_branch(crash, 5, "festival plan, C crashes, 4 rounds", rounds=4)

    async def listed(pilot: Pilot[Any]) -> None:
        await until(
            pilot, lambda: isinstance(pilot.app.screen, HomeScreen) and len(pilot.app.screen.summaries) == 5
        )

    assert snap_compare(ConvscopeApp(), terminal_size=SIZE, run_before=listed)


def test_new_session_screen(snap_compare: Compare) -> None:
    async def form(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
        await pilot.press("n")
        await until(pilot, lambda: len(pilot.app.screen.query(AgentRow)) == 2)

    assert snap_compare(ConvscopeApp(), terminal_size=SIZE, run_before=form)


def test_live_screen_with_scripted_agents(snap_compare: Compare) -> None:
    app, _ = live_app(scripted_config(), clock=TickClock())
    assert snap_compare(app, terminal_size=SIZE, run_before=finished)


def test_live_screen_in_the_light_theme(snap_compare: Compare) -> None:
    settings.save_theme(LIGHT.name)
    app, _ = live_app(scripted_config(), clock=TickClock())
    assert snap_compare(app, terminal_size=SIZE, run_before=finished)


def test_live_chat_view(snap_compare: Compare) -> None:
    app, _ = live_app(scripted_config(rounds=2), clock=TickClock())

    async def chat(pilot: Pilot[Any]) -> None:
        await finished(pilot)
        await pilot.press("c")

    assert snap_compare(app, terminal_size=SIZE, run_before=chat)


def replay_at(position: int, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def scrub(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ReplayScreen)
        await until(pilot, lambda: screen.recomputed)
        await pilot.press("g", *str(position), "enter", *keys)
        await pilot.pause(0.2)

    return scrub


def test_replay_screen(snap_compare: Compare) -> None:
    document = saved("replayed chat", after_turn=intervene)
    app = ConvscopeApp(lambda: ReplayScreen(document))
    assert snap_compare(app, terminal_size=SIZE, run_before=replay_at(5))


def test_plots_screen(snap_compare: Compare) -> None:
    document = saved("plotted chat")
    app = ConvscopeApp(lambda: ReplayScreen(document))
    assert snap_compare(app, terminal_size=SIZE, run_before=replay_at(8, "p"))


def test_compare_screen(snap_compare: Compare) -> None:
    parent = saved("parent chat")
    branch = saved("branch chat", after_turn=rename_before_turn_3)
    app = ConvscopeApp(lambda: CompareScreen(parent, branch))

    async def compared(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, CompareScreen)
        await until(pilot, lambda: screen.comparison is not None)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=compared)
