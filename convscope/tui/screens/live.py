"""The live session: panes stream, metrics update, and every key is a command to the engine.

Commands go straight to the engine (they are thread-safe and take effect at the next
turn boundary). The screen never reads the engine, whose thread changes it: what it
shows is a :class:`LiveView` folded from the events (each new view redraws the status
bar), and the deck draws each event in the panes, the chat and the sidebar.
So the screen never claims a state the engine is not in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from convscope.core.controls import Roster
from convscope.core.errors import ConvscopeError
from convscope.core.events import (
    ControlApplied,
    SessionEnded,
    SessionStarted,
    StreamReset,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.metrics.loops import LoopThresholds
from convscope.runtime.fork import BranchChanges, fork_at_next_turn, fork_session
from convscope.runtime.session import SessionRuntime
from convscope.runtime.thread import SessionThread
from convscope.sessions.export import export_session
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from convscope.tui.bridge import EngineBridge
from convscope.tui.dialogs.branch import BranchDialog, BranchRequest
from convscope.tui.dialogs.confirm import ConfirmDialog
from convscope.tui.dialogs.export import ExportChoice, ExportDialog
from convscope.tui.dialogs.failure import FailureDialog
from convscope.tui.dialogs.prompt import PromptDialog
from convscope.tui.dialogs.say import Said, SayDialog
from convscope.tui.dialogs.thresholds import ThresholdsDialog
from convscope.tui.live_view import LiveView
from convscope.tui.messages import EngineEvent, MetricsChanged, TokensFlushed
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.screens.exporting import export_in_background
from convscope.tui.screens.navigation import leave
from convscope.tui.screens.plots import PlotsScreen
from convscope.tui.settings import load_nickname, save_nickname
from convscope.tui.widgets.key_footer import KeyFooter
from convscope.tui.widgets.session_deck import SessionDeck
from convscope.tui.widgets.status_bar import StatusBar

_NICKNAME_MAX = 40
DEFAULT_SPEAKER = "Moderator"  # the person's nickname until they choose one


def _check_nickname(name: str) -> str | None:
    return f"at most {_NICKNAME_MAX} characters" if len(name) > _NICKNAME_MAX else None


class LiveScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause/resume"),
        Binding("n", "step", "Step"),
        Binding("i", "interrupt", "Interrupt"),
        Binding("m", "say", "Message"),
        Binding("f", "failure", "Fail/clear"),
        Binding("r", "rename", "Rename"),
        Binding("t", "thresholds", "Thresholds"),
        Binding("b", "branch", "Branch"),
        Binding("e", "export", "Export"),
        Binding("s", "snapshot", "Snapshot", show=False),  # in the palette; the footer is full at 160 columns
        Binding("c", "toggle_chat", "Chat/panes"),
        Binding("p", "plots", "Plots"),
        Binding("q", "quit_session", "Quit"),
    ]
    # Hidden from a footer too narrow for every key, in this order (they still work).
    FOOTER_DROPS_FIRST: ClassVar[tuple[str, ...]] = (
        "export", "thresholds", "rename", "toggle_chat", "branch", "failure", "interrupt",
    )  # fmt: skip

    def __init__(self, session: SessionRuntime) -> None:
        super().__init__()
        self.session = session
        self.engine = session.engine  # for its commands only
        self.config = session.engine.config
        self.view = LiveView.of(session)  # built, not yet running: the one time the engine is read
        self.deck = SessionDeck(self.config, self.view.names, self.view.failures)
        self.status = StatusBar()
        saved_metrics = session.saved.metrics if session.saved else []
        self.bridge = EngineBridge(self, MetricsBoard.from_points(saved_metrics))
        session.subscribe(self.bridge)
        self.runner = SessionThread(session)
        self._plots: PlotsScreen | None = None

    @property
    def ended(self) -> SessionEnded | None:
        return self.view.ended

    @property
    def thresholds(self) -> LoopThresholds:
        return self.view.thresholds

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.deck
        yield KeyFooter()

    def on_mount(self) -> None:
        saved = self.session.saved
        if saved is not None and (saved.turns or saved.controls):
            self.deck.load_record(saved.turns, saved.controls)
            self.deck.show_position(Roster.fold(saved.config, saved.controls), saved.turns)
        self.deck.show_metrics(self.bridge.board.snapshot(), self.thresholds)
        self.deck.focus_agent(self.deck.focused_agent)
        self.bridge.start()
        self.runner.start()
        self._show(self.view)

    async def on_unmount(self) -> None:
        await self._stop_engine(cancel=True)

    # -- engine -> screen

    def on_tokens_flushed(self, message: TokensFlushed) -> None:
        self.deck.tokens(message.turn_index, message.agent_id, message.text, message.deltas)

    def on_metrics_changed(self, message: MetricsChanged) -> None:
        self.deck.show_metrics(message.board)
        if self._plots is not None:
            self._plots.show(message.board.points)

    def on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        before = self.view
        self._show(before.after(event))
        if isinstance(event, TurnStarted):
            self.deck.turn_started(event)
        elif isinstance(event, StreamReset):
            self.deck.stream_reset(event)
        elif isinstance(event, TurnCompleted | TurnFailed):
            self.deck.turn_ended(event.turn)
        elif isinstance(event, ControlApplied):
            self.deck.control_applied(event.record, event.roster)
            if self.view.thresholds != before.thresholds:
                self.deck.show_metrics(thresholds=self.view.thresholds)
        elif isinstance(event, SessionEnded):
            detail = f": {event.detail}" if event.detail else ""
            self.deck.session_ended(f"· session {event.reason}{detail}", self.view.turns)
        elif isinstance(event, SessionStarted) and event.next_turn_index:
            self.deck.note(f"· resumed before turn #{event.next_turn_index}", event.next_turn_index)

    def _show(self, view: LiveView) -> None:
        """Take a new view of the session and draw the status bar from it."""
        self.view = view
        details = []
        if view.round is not None:
            details.append(f"round #{view.round} ({view.round + 1} of {self.config.rounds})")
        details.append(f"{view.turns} turns")
        if view.speaking:
            names = ", ".join(self.view.names[agent] for agent in sorted(view.speaking))
            details.append(f"speaking: {names}")
        self.status.show(self.config.title, view.state, details)

    # -- screen -> engine

    def _controllable(self) -> bool:
        if self.ended is not None or not self.runner.alive:
            self.notify("The session is over: nothing to control.", severity="warning", markup=False)
            return False
        return True

    def action_toggle_pause(self) -> None:
        if not self._controllable():
            return
        if self.view.pausing:
            self.engine.resume()
        else:
            self.engine.pause()
        self._show(self.view.asked(pausing=not self.view.pausing))

    def action_step(self) -> None:
        if self._controllable():
            self.engine.step()
            self._show(self.view.asked(pausing=True))

    def action_interrupt(self) -> None:
        """Cut the turn in flight now (it keeps what it said), then pause."""
        if self._controllable():
            self.engine.interrupt()
            self._show(self.view.asked(pausing=True))

    def action_say(self) -> None:
        if not self._controllable():
            return
        nickname = load_nickname(DEFAULT_SPEAKER)

        def say(said: Said | None) -> None:
            if said is None:
                return
            self.engine.say(said.message.text, speaker=said.speaker, to=said.message.to)
            if said.speaker != nickname:
                save_nickname(said.speaker)

        self.app.push_screen(SayDialog(nickname, self.view.names), say)

    def action_failure(self) -> None:
        if not self._controllable():
            return
        agent = self.deck.focused_agent
        if self.view.failures.get(agent):
            self.engine.clear_failure(agent)
            self._show(self.view.asked_failure(agent, None))
            self.notify(f"{self.view.names[agent]}: failure cleared from the next turn on", markup=False)
            return

        def inject(mode: str | None) -> None:
            if mode:
                self.engine.inject_failure(agent, mode)
                self._show(self.view.asked_failure(agent, mode))

        self.app.push_screen(FailureDialog(self.view.names[agent]), inject)

    def action_rename(self) -> None:
        if not self._controllable():
            return
        agent = self.deck.focused_agent
        nickname = self.view.names[agent]

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

    def action_branch(self) -> None:
        """Branch at the next turn boundary: this session pauses there, and the branch opens
        on a live screen of its own (quitting it comes back here)."""
        if not self._controllable():
            return

        def branch(request: BranchRequest | None) -> None:
            if request is None:
                return
            self.engine.pause()
            self._show(self.view.asked(pausing=True))
            building = asyncio.wrap_future(fork_at_next_turn(self.session, request.changes))
            self.run_worker(open_branch(self, building), name="branch")

        self.app.push_screen(BranchDialog(self.config, where="at the next turn"), branch)

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
        self._plots = PlotsScreen(self.config.title, points, self.view.names)
        self.app.push_screen(self._plots, closed)

    def action_quit_session(self) -> None:
        if self.runner.alive and self.view.in_flight:
            question = "A turn is in flight: quitting now loses it. Everything before it is saved."
            # No new turn starts while the person decides; "no" lets the session go on as it was.
            was_pausing = self.view.pausing
            if not was_pausing:
                self.engine.pause()
                self._show(self.view.asked(pausing=True))

            def answer(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._quit(cancel=True))
                elif not was_pausing:
                    self.engine.resume()
                    self._show(self.view.asked(pausing=False))

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


def branch_saved_session(
    screen: Screen[Any], parent: SessionDocument, at_turn: int, changes: BranchChanges, store: SessionStore
) -> None:
    """Branch a saved session (from home or replay) in a thread, then run the branch live."""
    building = asyncio.to_thread(fork_session, parent, at_turn, changes, store=store)
    screen.run_worker(open_branch(screen, building), name="branch")


async def open_branch(screen: Screen[Any], building: Awaitable[SessionRuntime]) -> None:
    """Run the branch on a live screen once built off the UI loop (it copies the parent's
    turns and writes a file); a branch that cannot be built is a notification."""
    try:
        runtime = await building
    except (ConvscopeError, OSError) as exc:
        screen.notify(f"No branch: {exc}", severity="error", markup=False)
        return
    screen.app.push_screen(LiveScreen(runtime))
