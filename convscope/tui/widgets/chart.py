"""A line chart drawn by plotext (textual-plotext), fed with plain data so it is easy to test."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual_plotext import PlotextPlot

from convscope.core.text import terminal_safe


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


class Chart(PlotextPlot):
    def __init__(self, chart_id: str) -> None:
        super().__init__(id=chart_id)

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
