"""Two sessions side by side: the transcripts aligned by round and agent with the first
difference marked, every measure's final value in each with the difference, and the
highlighted measure's two curves on one chart (``plotdata.compare``, the report's too).

Reading the sessions and recomputing metrics that were not saved (an imported corpus)
takes a moment, so it runs in a thread; the screen says so meanwhile.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Static

from convscope.compare.finals import format_difference, format_final
from convscope.compare.pair import PairComparison, Side, compare_pair
from convscope.compare.render import difference_line
from convscope.core.text import terminal_safe
from convscope.plotdata.compare import overlay_chart
from convscope.sessions.schema import SessionDocument
from convscope.tui.screens.navigation import leave
from convscope.tui.widgets.chart import Chart
from convscope.tui.widgets.key_footer import KeyFooter
from convscope.tui.widgets.side_by_side import SideBySide
from convscope.tui.widgets.status_bar import StatusBar

_COLUMNS = ("metric", "A", "B", "B - A")
TITLE = "two sessions"


def _side(name: str, side: Side) -> str:
    """One short line: which session is A (or B)."""
    document = side.document
    title = terminal_safe(document.config.title)
    return f"{name}  {title}  ·  {document.id}  ·  {len(document.turns)} turns, {len(side.names)} agents"


class CompareScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "first_difference", "First difference"),
        Binding("escape,q", "close", "Back"),
    ]

    def __init__(self, a: SessionDocument, b: SessionDocument) -> None:
        super().__init__()
        self.documents = (a, b)
        self.comparison: PairComparison | None = None
        self.status = StatusBar()
        self.sides = Static("", id="compare-sides", markup=False)
        # Where the sessions part, on a line of its own that wraps: in the status bar it was cut
        # at 100 columns.
        self.difference = Static("", id="compare-difference", markup=False)
        self.transcripts = SideBySide()
        self.table: DataTable[Text] = DataTable(id="compare-metrics", cursor_type="row", zebra_stripes=True)
        self.chart = Chart(id="compare-chart")

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.sides
        yield self.difference
        yield self.transcripts
        with Horizontal(id="compare-bottom"):
            yield self.table
            with Vertical(id="compare-chart-box"):
                yield self.chart
        yield KeyFooter()

    def on_mount(self) -> None:
        self.status.show(TITLE, "compare", ["reading both sessions…"])
        self.table.add_columns(*_COLUMNS)
        self.run_worker(self._compare(), name="compare")

    async def _compare(self) -> None:
        comparison = await asyncio.to_thread(compare_pair, *self.documents)
        self.comparison = comparison
        self.status.show(TITLE, "compare", [])
        self.sides.update(f"{_side('A', comparison.a)}\n{_side('B', comparison.b)}")
        self.difference.update(terminal_safe(difference_line(comparison, "  ·  ")))
        for row in comparison.metrics:
            cells = (
                row.label,
                format_final(row.key, row.a),
                format_final(row.key, row.b),
                format_difference(row.key, row.difference),
            )
            self.table.add_row(*(Text(terminal_safe(cell)) for cell in cells), key=row.key)
        await self.transcripts.show(comparison.alignment)
        self.call_after_refresh(self.transcripts.show_first_difference)
        self.table.focus()
        self._draw_chart()

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._draw_chart()

    @property
    def highlighted_key(self) -> str | None:
        if self.comparison is None or not self.table.is_valid_row_index(self.table.cursor_row):
            return None
        return self.comparison.metrics[self.table.cursor_row].key

    def _draw_chart(self) -> None:
        comparison, key = self.comparison, self.highlighted_key
        if comparison is None or key is None:
            return
        row = comparison.metrics[self.table.cursor_row]
        pair = comparison.alignment.first_different_pair
        parted = None if pair is None else (pair.index, pair.round)
        self.chart.draw(
            overlay_chart(key, row.label, comparison.a.points, comparison.b.points, parted=parted)
        )

    def action_first_difference(self) -> None:
        self.transcripts.show_first_difference()

    def action_close(self) -> None:
        leave(self)
