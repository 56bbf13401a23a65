"""A line chart of ``convscope.plotdata`` (the data the HTML report draws too), drawn by plotext."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from convscope.core.text import terminal_safe
from convscope.plotdata import LineChart


class Chart(PlotextPlot):
    shown: LineChart | None = None  # the chart drawn last

    def draw(self, chart: LineChart) -> None:
        """Measured series as lines; thresholds, fits and theories dotted; markers as vertical lines."""
        self.shown = chart
        plt = self.plt
        plt.clear_figure()
        plt.title(terminal_safe(chart.title if not chart.empty else f"{chart.title}: no data yet"))
        notes = [chart.note] if chart.note else []
        notes += [f"{marker.label} at {marker.x:g}" for marker in chart.markers]
        plt.xlabel(terminal_safe(" · ".join([chart.xlabel, *notes])))
        for series in chart.series:
            points = [(x, y) for x, y in zip(series.xs, series.ys, strict=True) if y is not None]
            if points:
                xs, ys = zip(*points, strict=True)
                style = "braille" if series.kind == "measured" else "dot"
                plt.plot(list(xs), list(ys), marker=style, label=terminal_safe(series.label))
        for marker in chart.markers:
            plt.vertical_line(marker.x)
        self.refresh()
