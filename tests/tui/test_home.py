"""The home screen: saved sessions and what can be done with each."""

from __future__ import annotations

import json
from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Input

from convscope.core.engine import Engine
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.dialogs.confirm import ConfirmDialog
from convscope.tui.dialogs.export import ExportDialog
from convscope.tui.screens.home import HomeScreen
from convscope.tui.screens.live import LiveScreen
from convscope.tui.screens.new_session import NewSessionScreen
from convscope.tui.screens.replay import ReplayScreen

from .support import REPLIES, SIZE, record_session, scripted_config, until


def table(app: ConvscopeApp) -> DataTable[Text]:
    return app.screen.query_one("#sessions", DataTable)


def rows(app: ConvscopeApp) -> list[dict[str, str]]:
    """Each listed session's cells by column heading."""
    data = table(app)
    headings = [str(column.label) for column in data.columns.values()]
    return [dict(zip(headings, map(str, data.get_row_at(i)), strict=True)) for i in range(data.row_count)]


async def test_home_lists_saved_sessions_newest_first_with_their_state() -> None:
    await record_session(scripted_config(title="first chat"))
    await record_session(scripted_config(title="second chat"), stop_after=2)
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and table(app).row_count == 2)
        (second, first) = rows(app)
        assert second["Title"] == "second chat" and second["Protocol"] == "group_chat"
        assert second["Turns"] == "2" and second["State"] == "stopped"
        assert first["Title"] == "first chat" and first["Turns"] == "9" and first["State"] == "finished"
        assert first["Agents"] == "Agent-A, Agent-B, Agent-C"
        assert list(first)[:4] == ["Title", "State", "Turns", "Date"]  # what is cut at 100 columns is last


async def test_home_lists_healthy_sessions_beside_an_unreadable_one_which_it_refuses_to_open() -> None:
    saved = await record_session(scripted_config(title="healthy chat", rounds=1))
    damaged = await record_session(scripted_config(title="damaged chat", rounds=1))
    snapshot = SessionStore().root / damaged.id / SNAPSHOT_NAME
    envelope = json.loads(snapshot.read_bytes())
    envelope["document"]["created_at"] = -1e18
    snapshot.write_text(json.dumps(envelope), encoding="utf-8")
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and table(app).row_count == 2)
        healthy, unreadable = rows(app)
        assert healthy["Title"] == "healthy chat" and healthy["State"] == "finished"
        assert unreadable["Title"].startswith(f"{damaged.id}: not a valid session document: created_at")
        assert unreadable["State"] == "unreadable"
        await pilot.press("down", "enter")
        assert isinstance(app.screen, HomeScreen)
        [notice] = app._notifications
        assert notice.severity == "error" and f"{damaged.id} cannot be read" in notice.message
        await pilot.press("up", "enter")
        assert isinstance(app.screen, ReplayScreen) and app.screen.document.id == saved.id


async def test_home_without_sessions_says_how_to_start_one() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.empty.display)
        assert not table(app).display


async def test_enter_opens_where_the_session_ended_and_r_replays_from_the_start() -> None:
    await record_session(scripted_config())
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("enter")
        assert isinstance(app.screen, ReplayScreen) and app.screen.position == 8
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("r")
        assert isinstance(app.screen, ReplayScreen) and app.screen.position == -1


async def test_c_resumes_an_unfinished_session_which_then_runs_to_its_end() -> None:
    saved = await record_session(scripted_config(), stop_after=2)
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        assert screen.deck.panes["a1"].text == saved.turns[1].text  # the saved turns are on screen
        await until(pilot, lambda: screen.ended is not None)
        assert [t.index for t in screen.engine.transcript] == list(range(9))
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and rows(app)[0]["Turns"] == "9")
        assert rows(app)[0]["State"] == "finished"


async def test_c_refuses_to_resume_a_finished_session() -> None:
    await record_session(scripted_config(rounds=1))
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("c")
        assert isinstance(app.screen, HomeScreen)


async def test_d_deletes_a_session_after_confirmation() -> None:
    await record_session(scripted_config(rounds=1))
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert table(app).row_count == 1
        await pilot.press("d", "y")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.empty.display)
    assert SessionStore().list() == []


async def test_e_exports_the_selected_session(tmp_path: Path) -> None:
    saved = await record_session(scripted_config(rounds=1))
    target = tmp_path / "turns.jsonl"
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.click("#format-jsonl")
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export")
        await until(pilot, target.exists)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["id"] == saved.id and len(lines) == 1 + len(saved.turns)


async def test_n_opens_the_new_session_form() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("n")
        assert isinstance(app.screen, NewSessionScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_f_reruns_the_failed_turns_of_a_finished_session() -> None:
    def fail_turn_1_only(engine: Engine, index: int) -> None:
        if index == 0:
            engine.inject_failure("a1", "decommissioned")
        if index == 1:
            engine.clear_failure("a1")

    saved = await record_session(scripted_config(rounds=2), after_turn=fail_turn_1_only)
    assert [t.index for t in saved.turns if t.failed] == [1]
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("f")
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        await until(pilot, lambda: screen.ended is not None)
        assert not any(turn.failed for turn in screen.engine.transcript)
    rerun = [t for t in SessionStore().load(saved.id).turns if t.rerun]
    assert [(t.index, t.text) for t in rerun] == [(1, REPLIES[1])]


async def test_f_says_so_when_there_is_no_failed_turn() -> None:
    await record_session(scripted_config(rounds=1))
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        await pilot.press("f")
        assert isinstance(app.screen, HomeScreen)


async def test_a_session_damaged_after_the_listing_is_a_notification_when_opened_not_a_crash() -> None:
    """Home reads a session off the UI loop when it is opened, branched or compared; one that
    broke since the listing is said in one line and home stays."""
    saved = await record_session(scripted_config())
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: table(app).row_count == 1)
        (SessionStore().root / saved.id / SNAPSHOT_NAME).write_text("{ not json", encoding="utf-8")
        for key in ("enter", "b"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
        messages = [notification.message for notification in app._notifications]
        assert len(messages) == 2 and all(saved.id in message for message in messages), messages
