"""Metrics over the session as charts: ROUGE, confidence, loop distances against their
thresholds, and disagreement STD with its fitted exponential (or, where no opinion is
scored, stability between rounds). The chart data is ``convscope.plotdata``'s, the same the
HTML report draws."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen

from convscope.core.snapshot import Snapshot
from convscope.plotdata import LineChart
from convscope.plotdata.session import (
    confidence_chart,
    disagreement_chart,
    distance_chart,
    rouge_chart,
    stability_chart,
)
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.screens.navigation import leave
from convscope.tui.widgets.chart import Chart
from convscope.tui.widgets.key_footer import KeyFooter
from convscope.tui.widgets.status_bar import StatusBar

SLOTS = ("rouge", "confidence", "loop", "spread")


def charts(points: Sequence[Snapshot], names: Mapping[str, str]) -> dict[str, LineChart]:
    return {
        "rouge": rouge_chart(points),
        "confidence": confidence_chart(points, names),
        "loop": distance_chart(points),
        "spread": disagreement_chart(points) or stability_chart(points),
    }


class PlotsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,p", "close", "Back")]

    def __init__(self, title: str, points: Sequence[Snapshot], names: Mapping[str, str]) -> None:
        super().__init__()
        self._title = title
        self.points = list(points)
        self.names = dict(names)
        self._charts = {slot: Chart(id=f"chart-{slot}") for slot in SLOTS}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Grid(id="plots"):
            yield from self._charts.values()
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(StatusBar).show(self._title, "plots", ["metrics over the session"])
        self.call_after_refresh(self.redraw)

    @property
    def board(self) -> MetricsBoard:
        """The plotted metrics, as the sidebar reads them."""
        return MetricsBoard.from_points(self.points)

    def show(self, points: Sequence[Snapshot]) -> None:
        self.points = list(points)
        self.redraw()

    def redraw(self) -> None:
        for slot, chart in charts(self.points, self.names).items():
            self._charts[slot].draw(chart)

    def action_close(self) -> None:
        leave(self)
