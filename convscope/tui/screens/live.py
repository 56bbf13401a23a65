"""The live session: panes stream, metrics update, and every key is a command to the engine.

Commands go straight to the engine (they are thread-safe and take effect at the next
turn boundary); what the screen shows changes only when the engine reports that a
command took effect, so the screen never claims a state the engine is not in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from convscope.core.events import (
    ControlApplied,
    SessionEnded,
    SessionStarted,
    StreamReset,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.metrics.loops import LoopThresholds, thresholds_from
from convscope.core.records import ControlRecord
from convscope.plotdata import points_from_saved
from convscope.runtime.session import SessionRuntime
from convscope.runtime.thread import SessionThread
from convscope.sessions.export import export_session
from convscope.tui.bridge import EngineBridge
from convscope.tui.dialogs.confirm import ConfirmDialog
from convscope.tui.dialogs.export import ExportChoice, ExportDialog
from convscope.tui.dialogs.failure import FailureDialog
from convscope.tui.dialogs.prompt import PromptDialog
from convscope.tui.dialogs.thresholds import ThresholdsDialog
from convscope.tui.messages import EngineEvent, MetricsChanged, TokensFlushed
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.record_state import state_at
from convscope.tui.screens.exporting import export_in_background
from convscope.tui.screens.navigation import leave
from convscope.tui.screens.plots import PlotsScreen
from convscope.tui.widgets.chat_view import describe_control
from convscope.tui.widgets.session_deck import SessionDeck
from convscope.tui.widgets.status_bar import StatusBar

_NICKNAME_MAX = 40


def _check_nickname(name: str) -> str | None:
    return f"at most {_NICKNAME_MAX} characters" if len(name) > _NICKNAME_MAX else None


class LiveScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause/resume"),
        Binding("n", "step", "Step"),
        Binding("f", "failure", "Fail/clear"),
        Binding("r", "rename", "Rename"),
        Binding("t", "thresholds", "Thresholds"),
        Binding("e", "export", "Export"),
        Binding("s", "snapshot", "Snapshot"),
        Binding("c", "toggle_chat", "Chat/panes"),
        Binding("p", "plots", "Plots"),
        Binding("q", "quit_session", "Quit"),
    ]

    def __init__(self, session: SessionRuntime) -> None:
        super().__init__()
        self.session = session
        engine = session.engine
        self.engine = engine
        self.deck = SessionDeck(engine.config, engine.names, engine.failures)
        self.status = StatusBar()
        saved_metrics = points_from_saved(session.saved.metrics) if session.saved else []
        self.bridge = EngineBridge(self, MetricsBoard.from_points(saved_metrics))
        session.subscribe(self.bridge)
        self.runner = SessionThread(session)
        self.pause_wanted = engine.state == "paused"
        self.failure_wanted: dict[str, str | None] = dict(engine.failures)
        self.speaking: set[str] = set()
        self.thresholds = session.tracker.loops.thresholds
        self.round: int | None = None
        self.ended: SessionEnded | None = None
        self._plots: PlotsScreen | None = None

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.deck
        yield Footer()

    def on_mount(self) -> None:
        saved = self.session.saved
        if saved is not None and (saved.turns or saved.controls):
            self.deck.load_record(saved.turns, saved.controls)
            self.deck.show_state(state_at(saved.config, saved.turns, saved.controls, len(saved.turns) - 1))
            self.round = saved.turns[-1].round if saved.turns else None
        self.deck.sidebar.show(self.bridge.board.snapshot(), self.thresholds)
        self.deck.focus_agent(self.deck.focused_agent)
        self.bridge.start()
        self.runner.start()
        self._draw_status()

    async def on_unmount(self) -> None:
        await self._stop_engine(cancel=True)

    # -- engine -> screen

    def on_tokens_flushed(self, message: TokensFlushed) -> None:
        self.deck.panes[message.agent_id].append(message.text, message.deltas)
        entry = self.deck.chat.entry(message.turn_index)
        if entry is not None:
            entry.append(message.text)

    def on_metrics_changed(self, message: MetricsChanged) -> None:
        self.deck.sidebar.show(message.board)
        if self._plots is not None:
            self._plots.show(message.board.points)

    def on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        if isinstance(event, TurnStarted):
            self.speaking.add(event.agent_id)
            self.round = event.round
            self.deck.panes[event.agent_id].begin_turn(event.turn_index, event.round, event.nickname)
            self.deck.chat.begin_turn(event.turn_index, event.nickname)
        elif isinstance(event, StreamReset):
            self.deck.panes[event.agent_id].restart(event.attempt)
            entry = self.deck.chat.entry(event.turn_index)
            if entry is not None:
                entry.restart()
        elif isinstance(event, TurnCompleted | TurnFailed):
            self.speaking.discard(event.turn.agent_id)
            self.deck.panes[event.turn.agent_id].finish(event.turn)
            entry = self.deck.chat.entry(event.turn.index)
            if entry is not None:
                entry.finish(event.turn)
        elif isinstance(event, ControlApplied):
            self._control_applied(event.record)
        elif isinstance(event, SessionEnded):
            self.ended = event
            self.pause_wanted = False
            for pane in self.deck.panes.values():
                pane.set_ended()
            detail = f": {event.detail}" if event.detail else ""
            self.deck.chat.add_system(f"· session {event.reason}{detail}", self.engine.next_turn_index)
        elif isinstance(event, SessionStarted) and event.next_turn_index:
            self.deck.chat.add_system(
                f"· resumed before turn #{event.next_turn_index}", event.next_turn_index
            )
        self._draw_status()

    def _control_applied(self, record: ControlRecord) -> None:
        names = {agent_id: pane.nickname for agent_id, pane in self.deck.panes.items()}
        self.deck.chat.add_system(describe_control(record, names), record.turn_index)
        agent = record.agent_id
        if record.kind == "renamed" and agent and record.value:
            self.deck.rename(agent, record.value)
        elif record.kind in ("failure_injected", "failure_cleared") and agent:
            failure = record.value if record.kind == "failure_injected" else None
            self.deck.panes[agent].set_failure(failure)
            self.failure_wanted[agent] = failure
        elif record.kind == "thresholds_changed" and record.value:
            self.thresholds = thresholds_from(json.loads(record.value))
            self.deck.sidebar.show(thresholds=self.thresholds)
        elif record.kind in ("paused", "resumed", "stepped"):
            paused = record.kind == "paused"
            self.pause_wanted = paused or record.kind == "stepped"
            for pane in self.deck.panes.values():
                pane.set_paused(paused)

    def _draw_status(self) -> None:
        config = self.engine.config
        state: str = self.ended.reason if self.ended else self.engine.state
        if state == "running" and self.pause_wanted:
            state = "pausing"
        details = []
        if self.round is not None:
            details.append(f"round #{self.round} of {config.rounds}")
        details.append(f"{self.engine.next_turn_index} turns")
        if self.speaking:
            names = ", ".join(self.deck.panes[agent].nickname for agent in sorted(self.speaking))
            details.append(f"speaking: {names}")
        self.status.show(config.title, state, details)

    # -- screen -> engine

    def _controllable(self) -> bool:
        if self.ended is not None or not self.runner.alive:
            self.notify("The session is over: nothing to control.", severity="warning", markup=False)
            return False
        return True

    def action_toggle_pause(self) -> None:
        if not self._controllable():
            return
        if self.pause_wanted:
            self.engine.resume()
        else:
            self.engine.pause()
        self.pause_wanted = not self.pause_wanted
        self._draw_status()

    def action_step(self) -> None:
        if self._controllable():
            self.engine.step()
            self.pause_wanted = True
            self._draw_status()

    def action_failure(self) -> None:
        if not self._controllable():
            return
        agent = self.deck.focused_agent
        if self.failure_wanted.get(agent):
            self.engine.clear_failure(agent)
            self.failure_wanted[agent] = None
            self.notify(
                f"{self.deck.panes[agent].nickname}: failure cleared from the next turn on", markup=False
            )
            return

        def inject(mode: str | None) -> None:
            if mode:
                self.engine.inject_failure(agent, mode)
                self.failure_wanted[agent] = mode

        self.app.push_screen(FailureDialog(self.deck.panes[agent].nickname), inject)

    def action_rename(self) -> None:
        if not self._controllable():
            return
        agent = self.deck.focused_agent
        nickname = self.deck.panes[agent].nickname

        def rename(name: str | None) -> None:
            if name and name != nickname:
                self.engine.rename(agent, name)

        dialog = PromptDialog(f"Rename {nickname}", "New nickname:", nickname, _check_nickname)
        self.app.push_screen(dialog, rename)

    def action_thresholds(self) -> None:
        if not self._controllable():
            return

        def apply(thresholds: LoopThresholds | None) -> None:
            if thresholds is not None and thresholds != self.thresholds:
                self.engine.set_thresholds(thresholds.model_dump())

        self.app.push_screen(ThresholdsDialog(self.thresholds), apply)

    def action_export(self) -> None:
        writer = self.session.writer

        def export(choice: ExportChoice | None) -> None:
            if choice is None:
                return
            fmt, path = choice
            if self.runner.alive:
                self._on_engine(lambda: export_session(writer.document, fmt, path), f"Exported to {path}")
            else:
                export_in_background(self, lambda: self.session.store.load(writer.session_id), choice)

        self.app.push_screen(ExportDialog(writer.session_id, Path.cwd()), export)

    def action_snapshot(self) -> None:
        if self.runner.alive:
            self._on_engine(self.session.writer.snapshot, f"Snapshot saved in {self.session.writer.path}")
        else:
            self.notify("The session is over and fully saved.", markup=False)

    def action_toggle_chat(self) -> None:
        self.deck.toggle_chat()

    def action_plots(self) -> None:
        def closed(_: None) -> None:
            self._plots = None

        points = self.bridge.board.snapshot().points
        self._plots = PlotsScreen(self.engine.config.title, points, self.deck.sidebar.names)
        self.app.push_screen(self._plots, closed)

    def action_quit_session(self) -> None:
        if self.runner.alive and self.engine.in_flight:
            question = "A turn is in flight: quitting now loses it. Everything before it is saved."

            def answer(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._quit(cancel=True))

            self.app.push_screen(ConfirmDialog("Quit the session?", question, "Quit"), answer)
        else:
            self.run_worker(self._quit(cancel=False))

    async def _quit(self, *, cancel: bool) -> None:
        await self._stop_engine(cancel=cancel)
        leave(self)

    async def _stop_engine(self, *, cancel: bool) -> None:
        """Stop the engine (at once, or at the turn boundary) and wait for the session to be saved."""
        if self.runner.alive:
            self.engine.stop()
            if cancel:
                self.runner.cancel()
            await asyncio.to_thread(self.runner.join)
        self.bridge.stop()

    def _on_engine(self, fn: Callable[[], Any], done: str) -> None:
        """Run ``fn`` on the engine's loop (it owns the writer); report the outcome."""

        async def run() -> None:
            try:
                await asyncio.wrap_future(self.runner.call(fn))
            except (OSError, ValueError, RuntimeError, concurrent.futures.CancelledError) as exc:
                self.notify(f"Failed: {exc}", severity="error", markup=False)
            else:
                if done:
                    self.notify(done, markup=False)

        self.run_worker(run())
