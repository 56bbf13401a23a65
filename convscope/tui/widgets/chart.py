"""A small line chart: plotext through textual-plotext when it is installed, sparklines otherwise.

Both draw the same ``ChartData`` so the plots screen does not care which one it got.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from convscope.core.text import terminal_safe
from convscope.tui.widgets.sparkline import sparkline


@dataclass(frozen=True)
class Line:
    label: str
    xs: list[float]
    ys: list[float]
    dashed: bool = False  # thresholds and fitted curves, as opposed to measurements


@dataclass(frozen=True)
class ChartData:
    title: str
    xlabel: str
    lines: list[Line] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(line.ys for line in self.lines if not line.dashed)


class SparkChart(Static):
    """The fallback: one sparkline per measured line, thresholds as numbers."""

    def __init__(self, chart_id: str) -> None:
        super().__init__(id=chart_id, classes="chart plot-fallback", markup=False)

    def draw(self, data: ChartData) -> None:
        self.border_title = Content(data.title)
        width = max(8, self.size.width - 22)
        rows = []
        for line in data.lines:
            label = terminal_safe(line.label)[:14]
            if line.dashed:
                rows.append(f"{label:<14} {line.ys[-1]:.3f}" if line.ys else label)
            elif line.ys:
                rows.append(f"{label:<14} {line.ys[-1]:.3f} {sparkline(line.ys, width)}")
        self.update("\n".join(rows) if not data.empty else "no data yet")


Draw = Callable[[ChartData], None]


def make_chart(chart_id: str) -> tuple[Widget, Draw]:
    """A plotext chart when textual-plotext is installed, else the sparkline chart; and its draw."""
    try:
        from convscope.tui.widgets.plotext_chart import PlotextChart
    except ImportError:
        fallback = SparkChart(chart_id)
        return fallback, fallback.draw
    chart = PlotextChart(chart_id)
    return chart, chart.draw
