"""The home screen: saved sessions, newest first, each branch under its parent, and what can be
done with each."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from convscope.core.errors import ConvscopeError
from convscope.core.reruns import latest_turns
from convscope.core.text import terminal_safe
from convscope.runtime.session import SessionRuntime
from convscope.sessions.branching import session_tree
from convscope.sessions.errors import SessionLockedError
from convscope.sessions.schema import SessionDocument, SessionSummary
from convscope.sessions.store import SessionStore, UnreadableSession
from convscope.tui.dialogs.branch import BranchDialog, BranchRequest
from convscope.tui.dialogs.confirm import ConfirmDialog
from convscope.tui.dialogs.export import ExportChoice, ExportDialog
from convscope.tui.screens.compare import CompareScreen
from convscope.tui.screens.exporting import export_in_background
from convscope.tui.screens.live import LiveScreen, branch_saved_session
from convscope.tui.screens.marks import SessionMarks
from convscope.tui.screens.new_session import NewSessionScreen
from convscope.tui.screens.replay import ReplayScreen
from convscope.tui.widgets.key_footer import KeyFooter
from convscope.tui.widgets.status_bar import StatusBar

# What a person scans for first comes first: at 100 columns the agents' names are what is cut.
_COLUMNS = ("Title", "State", "Turns", "Date", "Protocol", "Agents")
_RESUMABLE = ("paused", "stopped", "interrupted")
_AGENTS_WIDTH = 36
_TITLE_WIDTH = 64  # a branch's changes are cut there, so that the other columns stay on screen


def date_text(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def agents_text(names: list[str]) -> str:
    text = ", ".join(terminal_safe(name) for name in names)
    return text if len(text) <= _AGENTS_WIDTH else text[: _AGENTS_WIDTH - 1] + "…"


def tree_title(summary: SessionSummary, depth: int, parent_title: str | None = None) -> str:
    """A session's title, indented under its parent with the turn it branched at and what it
    changed there (e.g. ``└ @6 · failure cleared on Agent-G``). A branch that changed something
    and kept its parent's title shows only the changes: the title is on the row above."""
    title = terminal_safe(summary.title)
    if summary.parent is None or depth == 0:
        return title
    changes = "; ".join(terminal_safe(change) for change in summary.changes)
    named = "" if changes and summary.title == parent_title else f"{title} "
    shown = f"{'  ' * (depth - 1)}└ {named}@{summary.parent.at_turn}" + (f" · {changes}" if changes else "")
    return shown if len(shown) <= _TITLE_WIDTH else shown[: _TITLE_WIDTH - 1] + "…"


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True),
        Binding("r", "replay", "Replay"),
        Binding("c", "resume", "Resume"),
        Binding("f", "retry_failed", "Re-run failed"),
        Binding("b", "branch", "Branch"),
        Binding("e", "export", "Export"),
        Binding("d", "delete", "Delete"),
        Binding("n", "new", "New session"),
        Binding("m", "mark", "Mark"),
        Binding("v", "compare", "Compare marked"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, store: SessionStore) -> None:
        super().__init__()
        self.store = store
        self.summaries: dict[str, SessionSummary] = {}
        self.unreadable: dict[str, UnreadableSession] = {}
        self.titles: dict[str, str] = {}  # session id -> its title as listed (indented under its parent)
        self.marks = SessionMarks()
        self.table: DataTable[str] = DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        self.empty = Static(
            "No saved sessions yet. Press n to start one, or run `convscope run <preset>`.",
            classes="home-empty",
            markup=False,
        )

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield self.table
        yield self.empty
        yield KeyFooter()

    def on_mount(self) -> None:
        self.table.add_columns(*_COLUMNS)
        self.table.focus()

    async def on_screen_resume(self) -> None:
        await self.refresh_sessions()
        self.marks.show(self.table, self.titles)

    async def refresh_sessions(self) -> None:
        """Reload the list (in a thread: it reads every session's files).

        Unreadable sessions are listed last, with their reason, so that one damaged folder
        hides nothing; they can be neither opened nor changed from here.
        """
        listing = await asyncio.to_thread(self.store.listing)
        summaries = listing.sessions
        selected = self.selected_id
        self.summaries = {summary.id: summary for summary in summaries}
        self.unreadable = {unreadable.id: unreadable for unreadable in listing.unreadable}
        self.table.clear()
        tree = session_tree(summaries)
        by_id = {s.id: s for s in summaries}
        self.titles = {
            s.id: tree_title(s, depth, by_id[s.parent.session_id].title if s.parent and depth else None)
            for s, depth in tree
        }
        for s, _ in tree:
            row = (
                self.titles[s.id],
                s.status,
                str(s.turns),
                date_text(s.created_at),
                s.protocol,
                agents_text(s.agents),
            )
            self.table.add_row(*row, key=s.id)
        for unreadable in listing.unreadable:
            title = f"{unreadable.id}: {unreadable.reason}"
            self.table.add_row(title, "unreadable", "", "", "", "", key=unreadable.id)
        if selected in self.summaries or selected in self.unreadable:
            self.table.move_cursor(row=self.table.get_row_index(selected))
        self.table.display = bool(summaries or self.unreadable)
        self.empty.display = not self.table.display
        details = [f"{len(summaries)} saved"] + (
            [f"{len(self.unreadable)} unreadable"] if self.unreadable else []
        )
        self.query_one(StatusBar).show("sessions", "home", details)

    @property
    def selected_id(self) -> str | None:
        if not self.table.is_valid_row_index(self.table.cursor_row):
            return None
        key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value
        return key if key in self.summaries or key in self.unreadable else None

    def _selected(self) -> SessionSummary | None:
        selected = self.selected_id
        if selected is None:
            self.notify("No session selected.", severity="warning", markup=False)
            return None
        if selected in self.unreadable:
            reason = self.unreadable[selected].reason
            self.notify(f"Session {selected} cannot be read: {reason}", severity="error", markup=False)
            return None
        return self.summaries[selected]

    async def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        await self.action_open()

    async def action_open(self) -> None:
        """View a session where it ended."""
        await self._replay(at_start=False)

    async def action_replay(self) -> None:
        await self._replay(at_start=True)

    async def _replay(self, *, at_start: bool) -> None:
        summary = self._selected()
        if summary is not None and (documents := await self._load(summary.id)):
            self.app.push_screen(ReplayScreen(documents[0], at_start=at_start, store=self.store))

    def action_resume(self) -> None:
        summary = self._selected()
        if summary is None:
            return
        if summary.status not in _RESUMABLE:
            self.notify(f"A {summary.status} session cannot be resumed.", severity="warning", markup=False)
            return
        self._continue(summary.id, retry_failed=False)

    async def action_retry_failed(self) -> None:
        """Resume the session by running its failed turns again (the server is back)."""
        summary = self._selected()
        if summary is None:
            return
        if summary.status == "running":
            self.notify("A running session cannot be resumed.", severity="warning", markup=False)
            return
        documents = await self._load(summary.id)
        if documents is None:
            return
        if not any(turn.failed for turn in latest_turns(documents[0].turns)):
            self.notify("This session has no failed turn.", severity="information", markup=False)
            return
        self._continue(summary.id, retry_failed=True)

    def _continue(self, session_id: str, *, retry_failed: bool) -> None:
        try:
            session = SessionRuntime.resume(session_id, store=self.store, retry_failed=retry_failed)
        except SessionLockedError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(LiveScreen(session))

    async def action_branch(self) -> None:
        """Branch the selected session at a turn asked for, and run the branch live."""
        summary = self._selected()
        if summary is None or not (documents := await self._load(summary.id)):
            return
        document = documents[0]
        turns = len(latest_turns(document.turns))

        def branch(request: BranchRequest | None) -> None:
            if request is not None and request.at_turn is not None:
                branch_saved_session(self, document, request.at_turn, request.changes, self.store)

        self.app.push_screen(BranchDialog(document.config, where=f"{summary.title!r}", turns=turns), branch)

    def action_export(self) -> None:
        summary = self._selected()
        if summary is None:
            return

        def export(choice: ExportChoice | None) -> None:
            export_in_background(self, lambda: self.store.load(summary.id), choice)

        self.app.push_screen(ExportDialog(summary.id, Path.cwd()), export)

    def action_delete(self) -> None:
        summary = self._selected()
        if summary is None:
            return

        async def delete(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.store.delete(summary.id)
            except (SessionLockedError, OSError) as exc:
                self.notify(str(exc), severity="error", markup=False)
            await self.refresh_sessions()

        question = f"Delete {summary.title!r} ({summary.turns} turns)? This cannot be undone."
        self.app.push_screen(ConfirmDialog("Delete session", question, "Delete"), delete)

    def action_new(self) -> None:
        def started(session: SessionRuntime | None) -> None:
            if session is not None:
                self.app.push_screen(LiveScreen(session))

        self.app.push_screen(NewSessionScreen(self.store), started)

    def action_mark(self) -> None:
        summary = self._selected()
        if summary is not None:
            self.marks.toggle(summary.id)
            self.marks.show(self.table, self.titles)

    async def action_compare(self) -> None:
        marked = self.marks.pair(self.summaries)
        if marked is None:
            self.notify("Mark two sessions with m, then press v.", severity="warning", markup=False)
            return
        if documents := await self._load(*marked):
            self.app.push_screen(CompareScreen(*documents))

    async def _load(self, *session_ids: str) -> list[SessionDocument] | None:
        """The sessions, read off the UI loop; None, said in a notification, if one cannot be
        read (it may have been damaged or deleted since the listing)."""
        try:
            return await asyncio.to_thread(
                lambda: [self.store.load(session_id) for session_id in session_ids]
            )
        except (ConvscopeError, OSError) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None

    def action_quit(self) -> None:
        self.app.exit()
