"""The chart drawn by plotext (optional dependency: textual-plotext)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from convscope.core.text import terminal_safe
from convscope.tui.widgets.chart import ChartData


class PlotextChart(PlotextPlot):
    def __init__(self, chart_id: str) -> None:
        super().__init__(id=chart_id, classes="chart")

    def draw(self, data: ChartData) -> None:
        plt = self.plt
        plt.clear_data()
        plt.title(data.title if not data.empty else f"{data.title} (no data yet)")
        plt.xlabel(data.xlabel)
        for line in data.lines:
            if line.ys:
                marker = "dot" if line.dashed else "braille"
                plt.plot(line.xs, line.ys, marker=marker, label=terminal_safe(line.label))
        self.refresh()
