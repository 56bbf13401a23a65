"""Replay a saved session: no model call, scrub turn by turn; panes, chat and sidebar show
the session as it was at that turn, with metrics recomputed by the code that ran live."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from convscope.core.controls import Roster
from convscope.core.errors import ConvscopeError
from convscope.core.snapshot import Snapshot
from convscope.plotdata import recompute_points
from convscope.sessions.branching import branches_of
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from convscope.tui.dialogs.branch import BranchDialog, BranchRequest
from convscope.tui.dialogs.export import ExportChoice, ExportDialog
from convscope.tui.dialogs.prompt import PromptDialog
from convscope.tui.metrics_board import MetricsBoard, thresholds_of
from convscope.tui.screens.compare import CompareScreen
from convscope.tui.screens.exporting import export_in_background
from convscope.tui.screens.live import branch_saved_session
from convscope.tui.screens.navigation import leave
from convscope.tui.screens.plots import PlotsScreen
from convscope.tui.widgets.key_footer import KeyFooter
from convscope.tui.widgets.session_deck import SessionDeck
from convscope.tui.widgets.status_bar import StatusBar
from convscope.tui.widgets.timeline import Timeline


class ReplayScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Back"),
        Binding("right", "move(1)", "Next"),
        Binding("home", "jump('start')", "Start"),
        Binding("end", "jump('end')", "End"),
        Binding("g", "go_to", "Go to turn"),
        Binding("b", "branch", "Branch here"),
        Binding("j", "jump_branch", "Parent/branch"),
        Binding("v", "compare_parent", "Compare with parent"),
        Binding("c", "toggle_chat", "Chat/panes"),
        Binding("p", "plots", "Plots"),
        Binding("e", "export", "Export"),
        Binding("q", "close", "Quit"),
    ]

    def __init__(
        self,
        document: SessionDocument,
        *,
        at_start: bool = False,
        at_turn: int | None = None,
        store: SessionStore | None = None,
    ) -> None:
        """Shown where the session ended, at its start, or with turn ``at_turn`` the last shown."""
        super().__init__()
        self.document = document
        self.store = store or SessionStore()  # where its parent and branches are
        config = document.config
        self.position = -1 if at_start else len(document.turns) - 1
        if at_turn is not None:
            self.position = max(-1, min(at_turn, len(document.turns) - 1))
        start = Roster.initial(config)
        self.deck = SessionDeck(config, start.names, start.failures)
        self.timeline = Timeline(document.turns, document.controls)
        self.status = StatusBar()
        self.points: Sequence[Snapshot] = document.metrics  # until the recomputation lands
        self.recomputed = False

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.timeline
        yield self.deck
        yield KeyFooter()

    def on_mount(self) -> None:
        self.deck.load_record(self.document.turns, self.document.controls)
        self.deck.focus_agent(self.deck.focused_agent)
        self._draw()
        self.run_worker(self._recompute(), name="replay-metrics")

    async def _recompute(self) -> None:
        self.points = await asyncio.to_thread(recompute_points, self.document)
        self.recomputed = True
        self._draw()

    def _draw(self) -> None:
        document, i = self.document, self.position
        # a control stamped "before turn k" counts as done once turn k-1 is shown
        roster = Roster.fold(document.config, document.controls, until_turn=i + 1)
        speaking = document.turns[i].agent_id if i >= 0 else None
        self.deck.show_position(roster, document.turns[: i + 1], speaking)
        self.deck.chat.show_until(i)
        board = MetricsBoard.from_points(self.points, up_to_turn=i)
        self.deck.show_metrics(board, thresholds_of(board))
        self.timeline.show(i)
        details = [f"{i + 1} of {len(document.turns)} turns shown", f"session {document.status}"]
        self.status.show(document.config.title, "replay", details)

    def _go(self, position: int) -> None:
        self.position = max(-1, min(position, len(self.document.turns) - 1))
        self._draw()

    def action_move(self, delta: int) -> None:
        self._go(self.position + delta)

    def action_jump(self, where: str) -> None:
        self._go(-1 if where == "start" else len(self.document.turns) - 1)

    def action_go_to(self) -> None:
        count = len(self.document.turns)

        def check(value: str) -> str | None:
            if not value.isdigit() or not 0 <= int(value) < count:
                return f"a turn number from 0 to {count - 1}"
            return None

        def go(value: str | None) -> None:
            if value is not None:
                self._go(int(value))

        self.app.push_screen(PromptDialog("Go to turn", f"Turn # (0-{count - 1}):", "", check), go)

    def action_branch(self) -> None:
        """Branch after the turn shown last: the branch keeps turns 0..cursor and runs on live."""
        at_turn = self.position + 1

        def branch(request: BranchRequest | None) -> None:
            if request is not None:
                branch_saved_session(self, self.document, at_turn, request.changes, self.store)

        self.app.push_screen(BranchDialog(self.document.config, where=f"at turn {at_turn}"), branch)

    async def action_jump_branch(self) -> None:
        """From a branch to its parent, or from a parent to its branch nearest before the cursor,
        shown at the branch point (the last turn they share). The store is read in a thread."""
        target = await asyncio.to_thread(self._jump_target)
        if target is None:
            self.notify("This session has no parent and no branch.", severity="information", markup=False)
            return
        session_id, at_turn = target
        try:
            document = await asyncio.to_thread(self.store.load, session_id)
        except (ConvscopeError, OSError) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.switch_screen(ReplayScreen(document, at_turn=at_turn - 1, store=self.store))

    async def action_compare_parent(self) -> None:
        """A branch side by side with its parent (A), parted at the branch turn."""
        parent = self.document.parent
        if parent is None:
            self.notify("This session is no branch: compare two sessions from home (m, v).", markup=False)
            return
        try:
            document = await asyncio.to_thread(self.store.load, parent.session_id)
        except (ConvscopeError, OSError) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(CompareScreen(document, self.document))

    def _jump_target(self) -> tuple[str, int] | None:
        points = [
            (branch.id, branch.parent.at_turn)
            for branch in branches_of(self.document.id, self.store.list())
            if branch.parent is not None
        ]
        reached = [point for point in points if point[1] <= self.position + 1]
        if reached:
            return reached[-1]
        parent = self.document.parent
        if parent is not None:
            return parent.session_id, parent.at_turn
        return points[0] if points else None

    def action_toggle_chat(self) -> None:
        self.deck.toggle_chat()

    def action_plots(self) -> None:
        shown = MetricsBoard.from_points(self.points, up_to_turn=self.position).points
        self.app.push_screen(PlotsScreen(self.document.config.title, shown, self.deck.sidebar.names))

    def action_export(self) -> None:
        def export(choice: ExportChoice | None) -> None:
            export_in_background(self, lambda: self.document, choice)

        self.app.push_screen(ExportDialog(self.document.id, Path.cwd()), export)

    def action_close(self) -> None:
        leave(self)
