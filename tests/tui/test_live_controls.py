"""Every key of the live screen, driven through Pilot against scripted agents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from convscope.core.engine import Engine
from convscope.core.events import Event, TurnStarted
from convscope.core.records import ThresholdsChanged
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.dialogs.confirm import ConfirmDialog
from convscope.tui.dialogs.export import ExportDialog
from convscope.tui.dialogs.failure import FailureDialog
from convscope.tui.dialogs.prompt import PromptDialog
from convscope.tui.dialogs.thresholds import ThresholdsDialog
from convscope.tui.screens.live import LiveScreen
from convscope.tui.screens.plots import PlotsScreen
from convscope.tui.widgets.chat_view import ChatEntry, SystemLine

from .support import (
    SIZE,
    TurnGate,
    live_app,
    live_screen,
    record_prompts,
    scripted_config,
    until,
    until_drained,
)


def system_lines(pilot: Pilot[None]) -> list[str]:
    return [str(line.visual) for line in live_screen(pilot).deck.chat.items if isinstance(line, SystemLine)]


async def test_space_pauses_within_one_turn_and_resumes() -> None:
    gate = TurnGate()
    app, session = live_app(scripted_config(rounds=20), gate=gate)
    engine = session.engine
    async with app.run_test(size=SIZE) as pilot:
        screen = live_screen(pilot)
        await until(pilot, lambda: 0 in screen.view.in_flight)
        await pilot.press("space")
        gate.let_through(1)  # turn #0 only: had the pause not landed, turn #1 would start and hang
        await until(pilot, lambda: engine.state == "paused")
        assert len(engine.transcript) == 1 and not engine.in_flight  # the turn in flight finished, no more
        await until(pilot, lambda: all(p.shown_state == "paused" for p in screen.deck.panes.values()))
        assert any(line.startswith("· paused") for line in system_lines(pilot))
        gate.open()
        await pilot.pause(0.1)
        assert len(engine.transcript) == 1 and not engine.in_flight  # paused, even with agents free
        await pilot.press("space")
        await until(pilot, lambda: len(engine.transcript) > 1)
        assert session.writer.document.controls[-1].kind == "resumed"


async def test_n_runs_exactly_one_turn_then_pauses() -> None:
    app, session = live_app(scripted_config(), start_paused=True)
    engine, controls = session.engine, session.writer.document.controls
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: [c.kind for c in controls] == ["stepped", "paused"])
        assert len(engine.transcript) == 1
        await pilot.press("n")
        await until(
            pilot, lambda: [c.kind for c in controls][-2:] == ["stepped", "paused"] and len(controls) == 4
        )
        assert [t.agent_id for t in engine.transcript] == ["a0", "a1"]
        assert live_screen(pilot).deck.panes["a1"].text == engine.transcript[1].text


async def test_r_renames_the_focused_agent_and_the_next_prompts_use_the_new_name() -> None:
    app, session = live_app(scripted_config(rounds=2), start_paused=True)
    engine = session.engine
    prompts = record_prompts(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#pane-a1")
        await pilot.press("r")
        assert isinstance(app.screen, PromptDialog)
        assert app.screen.query_one(Input).value == "Agent-B"
        await pilot.press(*"Zed", "enter")
        screen = live_screen(pilot)
        await until(pilot, lambda: screen.deck.panes["a1"].nickname == "Zed")  # the engine's event reached it
        assert engine.names["a1"] == "Zed"
        assert "Zed" in (screen.deck.panes["a1"].border_title or "")
        assert "· Agent-B renamed to Zed (before turn #0)" in system_lines(pilot)
        await pilot.press("space")
        await until_drained(pilot)
    assert {t.nickname for t in engine.transcript if t.agent_id == "a1"} == {"Zed"}
    first_system_prompt = prompts[0][0].content
    assert "Other agents: Zed, Agent-C" in first_system_prompt
    later_user_prompt = prompts[3][-1].content
    assert "Zed: I agree" in later_user_prompt


async def test_f_injects_decommissioned_and_only_that_agent_fails_from_its_next_turn() -> None:
    app, session = live_app(scripted_config(rounds=2), start_paused=True)
    engine = session.engine
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#pane-a1")
        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, FailureDialog)
        dialog.query_one(OptionList).highlighted = 0  # "decommissioned", the first mode offered
        await pilot.press("enter")
        screen = live_screen(pilot)
        await until(pilot, lambda: screen.deck.panes["a1"].border_subtitle == "⚠ decommissioned")
        assert engine.failures["a1"] == "decommissioned"
        assert "· failure injected into Agent-B: decommissioned (before turn #0)" in system_lines(pilot)
        await pilot.press("space")
        await until_drained(pilot)
        pane = screen.deck.panes["a1"]
        assert pane.has_class("-failed") and pane.shown_state == "failed"
        failed_entries = [
            e for e in screen.deck.chat.items if isinstance(e, ChatEntry) and e.has_class("-failed")
        ]
        assert {e.nickname for e in failed_entries} == {"Agent-B"}
    by_agent = {agent: [t for t in engine.transcript if t.agent_id == agent] for agent in ("a0", "a1", "a2")}
    assert all(t.failed and "decommissioned" in (t.error or "") for t in by_agent["a1"])
    assert not any(t.failed for t in by_agent["a0"] + by_agent["a2"])
    assert len(engine.transcript) == 6


async def test_f_on_an_agent_with_an_injected_failure_clears_it() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    engine = session.engine
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#pane-a2")
        await pilot.press("f")
        await pilot.click("#failure-custom")
        await pilot.press(*"transient:1", "enter")
        pane = live_screen(pilot).deck.panes["a2"]
        await until(pilot, lambda: pane.border_subtitle == "⚠ transient:1")
        await pilot.press("f")
        await until(pilot, lambda: "· failure cleared on Agent-C (before turn #0)" in system_lines(pilot))
        assert pane.border_subtitle == "" and engine.failures["a2"] is None


async def test_a_mistyped_failure_mode_is_refused_in_the_dialog() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.click("#failure-custom")
        await pilot.press(*"explode", "enter")
        dialog = app.screen
        assert isinstance(dialog, FailureDialog)
        assert "unknown failure mode 'explode'" in str(dialog.query_one(".dialog-error", Static).visual)
        await pilot.press("escape")
        assert isinstance(app.screen, LiveScreen)
    assert session.engine.failures == {"a0": None, "a1": None, "a2": None}


async def test_t_sets_the_loop_thresholds_and_records_the_change() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, ThresholdsDialog)
        app.screen.query_one("#threshold-bleu", Input).value = "0.97"
        await pilot.click("#apply")
        await until(pilot, lambda: session.tracker.loops.thresholds.bleu == 0.97)
        await until(pilot, lambda: live_screen(pilot).thresholds.bleu == 0.97)
        assert "≤ 0.97" in live_screen(pilot).deck.sidebar.row_text("loop.bleu")
        assert any("loop thresholds set to bleu 0.97" in line for line in system_lines(pilot))
    [record] = [c for c in session.writer.document.controls if c.kind == "thresholds_changed"]
    assert isinstance(record, ThresholdsChanged) and record.thresholds["bleu"] == 0.97


async def test_t_refuses_a_threshold_out_of_range() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        app.screen.query_one("#threshold-min_steps", Input).value = "0"
        await pilot.click("#apply")
        assert isinstance(app.screen, ThresholdsDialog)
        assert "min_steps" in str(app.screen.query_one(".dialog-error", Static).visual)
    assert session.tracker.loops.thresholds.min_steps == 3


async def test_e_exports_the_session_in_the_chosen_format(tmp_path: Path) -> None:
    app, _ = live_app(scripted_config(rounds=1))
    target = tmp_path / "chat.md"
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.click("#format-md")
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export")
        await until(pilot, target.exists)
    text = target.read_text(encoding="utf-8")
    assert "Agent-A" in text and "budget split across design and backend" in text


async def test_s_writes_a_snapshot_of_the_session_now() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    snapshot = session.writer.path / SNAPSHOT_NAME

    def saved_controls() -> list[str]:
        return [c["kind"] for c in json.loads(snapshot.read_text())["document"]["controls"]]

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", *"Ann", "enter")
        await until(pilot, lambda: len(session.writer.document.controls) == 1)
        assert saved_controls() == []  # journalled, not yet in the snapshot
        await pilot.press("s")
        await until(pilot, lambda: saved_controls() == ["renamed"])


async def test_q_quits_and_the_session_stays_saved_and_listed() -> None:
    app, session = live_app(scripted_config(rounds=1))
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None)
    [summary] = SessionStore().list()
    assert (summary.id, summary.status, summary.turns) == (session.session_id, "finished", 3)


def turn_1_held() -> tuple[TurnGate, ConvscopeApp, Engine]:
    """A long session whose turn #0 finishes and whose turn #1 waits at its start."""
    gate = TurnGate()
    gate.let_through(1)
    app, session = live_app(scripted_config(rounds=50), gate=gate)
    return gate, app, session.engine


async def press_q_with_turn_1_in_flight(pilot: Pilot[Any]) -> LiveScreen:
    screen = live_screen(pilot)
    await until(pilot, lambda: 1 in screen.view.in_flight)
    await pilot.press("q")
    assert isinstance(pilot.app.screen, ConfirmDialog)
    return screen


async def test_q_asks_before_abandoning_a_turn_in_flight() -> None:
    _, app, engine = turn_1_held()  # turn #1 stays in flight until the quit abandons it
    async with app.run_test(size=SIZE) as pilot:
        screen = await press_q_with_turn_1_in_flight(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, LiveScreen) and app.return_code is None
        assert 1 in screen.view.in_flight
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await until(pilot, lambda: app.return_code is not None)
    [summary] = SessionStore().list()
    assert summary.status == "stopped"
    assert summary.turns == len(engine.transcript) == 1  # turn #1 is lost, everything before it saved


async def test_no_new_turn_starts_while_the_quit_question_is_open_and_no_lets_the_session_go_on() -> None:
    gate, app, engine = turn_1_held()
    async with app.run_test(size=SIZE) as pilot:
        screen = await press_q_with_turn_1_in_flight(pilot)

        gate.open()  # turn #1 may finish now; the session must wait at the boundary
        await until(pilot, lambda: len(engine.transcript) == 2)
        for _ in range(5):
            await pilot.pause(0.05)
        assert len(engine.transcript) == 2 and not screen.view.in_flight

        await pilot.press("n")
        assert isinstance(app.screen, LiveScreen)
        await until(pilot, lambda: len(engine.transcript) >= 4)  # going on as before the question
        assert not screen.view.pausing


async def test_c_shows_the_shared_chat_in_speaking_order_and_back() -> None:
    app, _ = live_app(scripted_config(rounds=2))
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        deck = live_screen(pilot).deck
        await pilot.press("c")
        assert deck.showing_chat
        entries = [e for e in deck.chat.items if isinstance(e, ChatEntry)]
        assert [e.turn_index for e in entries] == list(range(6))
        assert [e.nickname for e in entries[:3]] == ["Agent-A", "Agent-B", "Agent-C"]
        await pilot.press("c")
        assert not deck.showing_chat


async def test_p_opens_the_plots_and_q_comes_back() -> None:
    app, _ = live_app(scripted_config(rounds=2))
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        await pilot.press("p")
        assert isinstance(app.screen, PlotsScreen)
        assert app.screen.board.series("rouge1")  # the plots show what the sidebar read
        await pilot.press("q")
        assert isinstance(app.screen, LiveScreen)


async def test_the_live_commands_are_in_the_command_palette() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title for command in app.get_system_commands(live_screen(pilot))}
        wanted = {"Pause/resume", "Step", "Fail/clear", "Rename", "Thresholds", "Export", "Snapshot", "Quit"}
        assert wanted <= titles
        await pilot.press("ctrl+p")
        await pilot.press(*"Step")
        await until(pilot, lambda: app.screen.query("CommandList Option") is not None)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: len(session.engine.transcript) == 1)


async def test_closing_the_app_mid_turn_stops_the_engine_and_keeps_the_session() -> None:
    gate = TurnGate()
    gate.let_through(1)
    app, session = live_app(scripted_config(rounds=50), gate=gate)
    engine = session.engine
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(engine.transcript) == 1 and bool(engine.in_flight))
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app.return_code is not None)
    assert not session.engine.in_flight and engine.state == "stopped"
    [summary] = SessionStore().list()
    assert summary.status == "stopped" and summary.turns == len(engine.transcript) == 1


async def test_an_engine_crash_is_shown_and_the_session_is_saved_as_interrupted() -> None:
    app, session = live_app(scripted_config(rounds=2))

    def broken_observer(event: Event) -> None:
        if isinstance(event, TurnStarted) and event.turn_index == 1:
            raise RuntimeError("observer bug")

    session.engine.subscribe(broken_observer)
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        screen = live_screen(pilot)
        assert screen.ended is not None and screen.ended.reason == "error"
        assert "· session error: RuntimeError: observer bug" in system_lines(pilot)
    [summary] = SessionStore().list()
    assert (summary.status, summary.turns) == ("interrupted", 1)
