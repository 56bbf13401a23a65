"""Branching from the TUI: the home tree, replay's branch and jump keys, the live screen's branch key."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from convscope.runtime.fork import BranchChanges, fork_session
from convscope.sessions.schema import BranchOrigin, SessionDocument
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.dialogs.branch import BranchDialog
from convscope.tui.screens.home import HomeScreen
from convscope.tui.screens.live import LiveScreen
from convscope.tui.screens.replay import ReplayScreen

from .support import SIZE, TickClock, live_app, record_session, scripted_config, until


async def branch_of(
    parent: SessionDocument, at_turn: int, changes: BranchChanges | None = None
) -> SessionDocument:
    store = SessionStore()
    runtime = fork_session(parent.id, at_turn, changes, store=store, clock=TickClock())
    await runtime.run()
    return store.load(runtime.session_id)


def titles(app: ConvscopeApp) -> list[str]:
    table: DataTable[Text] = app.screen.query_one("#sessions", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def fill_branch_dialog(pilot: Pilot[Any], **fields: str) -> None:
    """Wait for the branch dialog, type into its fields (``rename``, ``fail``, ``turn``...), submit."""
    await until(pilot, lambda: isinstance(pilot.app.screen, BranchDialog))
    for name, value in fields.items():
        pilot.app.screen.query_one(f"#branch-{name}", Input).value = value
    pilot.app.screen.query_one("#branch-rounds", Input).focus()
    await pilot.press("enter")


def only_branch_of(parent: SessionDocument) -> SessionDocument:
    store = SessionStore()
    [branch] = [s for s in store.list() if s.parent is not None and s.parent.session_id == parent.id]
    return store.load(branch.id)


async def test_home_lists_each_branch_under_its_parent_with_its_branch_turn() -> None:
    parent = await record_session(scripted_config(title="festival"))
    await record_session(scripted_config(title="newer session", rounds=1))
    await branch_of(parent, 4)
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(titles(app)) == 3)
        assert titles(app) == ["newer session", "festival", "└ festival @4"]


async def test_home_says_what_each_branch_changed_at_its_branch_turn() -> None:
    parent = await record_session(scripted_config(title="festival"))
    await branch_of(parent, 3, BranchChanges(failures={"a1": "decommissioned"}))
    await branch_of(parent, 3, BranchChanges(renames={"a0": "Zed"}))
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(titles(app)) == 3)
        assert sorted(titles(app)[1:]) == [  # the parent's title is on the row above
            "└ @3 · Agent-A renamed to Zed",
            "└ @3 · failure injected into Agent-B: decommissioned",
        ]


async def test_marking_a_branch_for_compare_keeps_it_indented_under_its_parent() -> None:
    parent = await record_session(scripted_config(title="festival"))
    await branch_of(parent, 4)
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(titles(app)) == 2)
        await pilot.press("down", "m")
        await until(pilot, lambda: titles(app)[1].startswith("● "))
        assert titles(app) == ["festival", "● └ festival @4"]


async def test_b_on_home_branches_the_selected_session_at_the_turn_asked_for_and_runs_it_live() -> None:
    parent = await record_session(scripted_config(title="festival"))
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(titles(app)) == 1)
        await pilot.press("b")
        await fill_branch_dialog(pilot, turn="2", rename="a1=Zed")
        await until(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.ended is not None)
    branch = only_branch_of(parent)
    assert branch.parent == BranchOrigin(session_id=parent.id, at_turn=2)
    assert branch.turns[:2] == parent.turns[:2]
    assert [(c.kind, c.turn_index) for c in branch.controls] == [("renamed", 2)]
    assert branch.status == "finished"


async def test_a_branch_turn_past_the_end_is_refused_in_the_dialog() -> None:
    await record_session(scripted_config(title="festival", rounds=1))
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(titles(app)) == 1)
        await pilot.press("b")
        await fill_branch_dialog(pilot, turn="4", fail="a1=exploded")
        assert isinstance(app.screen, BranchDialog)
        assert "from 0 to 3" in str(app.screen.query_one(".dialog-error").render())
        await fill_branch_dialog(pilot, turn="1")
        assert "unknown failure mode 'exploded'" in str(app.screen.query_one(".dialog-error").render())
    assert len(SessionStore().list()) == 1


async def test_b_in_replay_branches_after_the_turn_shown_last() -> None:
    parent = await record_session(scripted_config(title="festival"))
    app = ConvscopeApp(lambda: ReplayScreen(parent, at_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", "b")  # turns 0..2 shown
        await fill_branch_dialog(pilot, fail="a2=decommissioned", rounds="4")
        await until(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.ended is not None)
    branch = only_branch_of(parent)
    assert branch.parent == BranchOrigin(session_id=parent.id, at_turn=3)
    assert branch.config.rounds == 4 and len(branch.turns) == 12
    assert [t.failed for t in branch.turns if t.agent_id == "a2"] == [False, True, True, True]


async def test_j_in_replay_jumps_between_a_branch_and_its_parent_at_the_branch_point() -> None:
    parent = await record_session(scripted_config(title="festival"))
    branch = await branch_of(parent, 5)
    app = ConvscopeApp(lambda: ReplayScreen(branch))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await until(
            pilot, lambda: isinstance(app.screen, ReplayScreen) and app.screen.document.id == parent.id
        )
        screen = app.screen
        assert isinstance(screen, ReplayScreen) and screen.position == 4  # the last turn they share
        await pilot.press("j")
        await until(
            pilot, lambda: isinstance(app.screen, ReplayScreen) and app.screen.document.id == branch.id
        )
        assert isinstance(app.screen, ReplayScreen) and app.screen.position == 4
        await pilot.press("j", "home", "j")  # from the parent's start: its only branch all the same
        await until(
            pilot, lambda: isinstance(app.screen, ReplayScreen) and app.screen.document.id == branch.id
        )


async def test_b_in_the_live_screen_pauses_at_the_next_turn_and_opens_the_branch_live() -> None:
    app, session = live_app(scripted_config(title="festival", delay=0.05), clock=TickClock())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.view.turns >= 1)
        await pilot.press("b")
        await fill_branch_dialog(pilot, rename="a0=Ada")
        await until(pilot, lambda: isinstance(app.screen, LiveScreen) and app.screen.session is not session)
        branch_screen = app.screen
        assert isinstance(branch_screen, LiveScreen)
        await until(pilot, lambda: branch_screen.ended is not None)
        paused_at = session.writer.document.controls[-1]
        assert paused_at.kind == "paused"
        branch = SessionStore().load(branch_screen.session.session_id)
        assert branch.parent == BranchOrigin(session_id=session.session_id, at_turn=paused_at.turn_index)
        assert branch.turns[: paused_at.turn_index] == session.writer.document.turns[: paused_at.turn_index]
        assert [(c.kind, c.turn_index) for c in branch.controls] == [("renamed", paused_at.turn_index)]
        await pilot.press("q")
        await until(pilot, lambda: app.screen is not branch_screen)
        assert isinstance(app.screen, LiveScreen) and app.screen.session is session
        assert app.screen.view.state == "paused"
