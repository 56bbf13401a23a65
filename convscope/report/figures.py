"""Chart data drawn by matplotlib, one PNG per chart.

Figures are built with the object API (``Figure`` + the Agg canvas), never ``pyplot``: no
global state, no GUI backend, safe in a worker thread. Styles follow the series' kind:
measurements solid, thresholds and fits dashed in the colour of the measurement they go
with, theory dotted black, published figures as black diamonds beside the bars.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from matplotlib import color_sequences
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.typing import ColorType

from convscope.plotdata.model import BarChart, Chart, Heatmap, LineChart, Scatter

WIDTH, HEIGHT, DPI = 8.0, 4.2, 110
_LINE_STYLE = {"measured": "-", "threshold": "--", "fit": "--", "theory": ":"}
_PALETTE = "tab10"


def _values(ys: Sequence[float | None]) -> list[float]:
    return [math.nan if y is None else y for y in ys]


def _finish(figure: Figure, axes: Axes, note: str) -> bytes:
    if note:  # a figure-level label, so the constrained layout makes room for it
        figure.supxlabel(note, x=0.01, ha="left", fontsize=8, color="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _legend(figure: Figure, entries: int) -> None:
    """Beside the plot; in two narrower columns when there are many agents."""
    columns = 1 if entries <= 12 else 2
    figure.legend(loc="outside right upper", fontsize=8 if columns == 1 else 7, frameon=False, ncols=columns)


def _new(title: str, xlabel: str, ylabel: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    return figure, axes


def _line(chart: LineChart) -> bytes:
    figure, axes = _new(chart.title, chart.xlabel, chart.ylabel)
    measured = sum(series.kind == "measured" for series in chart.series)
    colours = iter(color_sequences[_PALETTE if measured <= 10 else "tab20"])
    colour: ColorType = "black"
    for series in chart.series:
        if series.kind == "measured":
            colour = next(colours, "grey")
        style = _LINE_STYLE[series.kind]
        drawn = "black" if series.kind == "theory" else colour
        steps = "steps-post" if series.kind == "threshold" else "default"
        marker = "." if series.kind == "measured" and len(series.xs) <= 60 else None
        axes.plot(
            series.xs, _values(series.ys), linestyle=style, color=drawn, drawstyle=steps, marker=marker,
            linewidth=1.4 if series.kind == "measured" else 1.0, label=series.label,
        )  # fmt: skip
    for number, marker_ in enumerate(chart.markers):
        axes.axvline(marker_.x, color="#aa3333", linewidth=1, linestyle="-.")
        axes.annotate(
            marker_.label, (marker_.x, 1), xycoords=("data", "axes fraction"), xytext=(3, -12 - 11 * number),
            textcoords="offset points", fontsize=8, color="#aa3333",
        )  # fmt: skip
    if chart.series:
        _legend(figure, len(chart.series))
    return _finish(figure, axes, chart.note)


def _heatmap(chart: Heatmap) -> bytes:
    figure, axes = _new(chart.title, chart.xlabel, chart.ylabel)
    values = np.array([_values(row) for row in chart.values], dtype=np.float64)
    image = axes.imshow(values, cmap="viridis", aspect="auto")
    axes.grid(False)
    axes.set_xticks(range(len(chart.columns)), chart.columns, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(chart.rows)), chart.rows, fontsize=8)
    finite = values[np.isfinite(values)]
    middle = float(finite.mean()) if finite.size else 0.0
    for (row, column), value in np.ndenumerate(values):
        if math.isfinite(value):
            colour = "black" if value > middle else "white"
            axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    figure.colorbar(image, ax=axes, shrink=0.8)
    return _finish(figure, axes, chart.note)


def _scatter(chart: Scatter) -> bytes:
    figure, axes = _new(chart.title, chart.xlabel, chart.ylabel)
    palette = color_sequences[_PALETTE]
    last = max(chart.steps, default=0) or 1
    for position, group in enumerate(dict.fromkeys(chart.groups)):
        index = [i for i, g in enumerate(chart.groups) if g == group]
        red, green, blue, _ = to_rgba(palette[position % len(palette)])
        colours = [(red, green, blue, 0.25 + 0.75 * chart.steps[i] / last) for i in index]
        xs, ys = [chart.xs[i] for i in index], [chart.ys[i] for i in index]
        axes.scatter(xs, ys, c=colours, s=22, label=group, edgecolors="none")
    _legend(figure, len(dict.fromkeys(chart.groups)))
    return _finish(figure, axes, chart.note)


def _error_bars(
    heights: Sequence[float], low: Sequence[float | None] | None, high: Sequence[float | None] | None
) -> np.ndarray | None:
    """matplotlib's ``yerr``: distances below and above each bar (0 where there is no CI)."""
    if low is None or high is None:
        return None
    below = [
        h - lo if lo is not None and math.isfinite(h) else 0.0 for h, lo in zip(heights, low, strict=True)
    ]
    above = [
        hi - h if hi is not None and math.isfinite(h) else 0.0 for h, hi in zip(heights, high, strict=True)
    ]
    return np.array([below, above])


def _bars(chart: BarChart) -> bytes:
    figure, axes = _new(chart.title, "", chart.ylabel)
    measured = [s for s in chart.series if s.kind == "measured"]
    width = 0.8 / max(len(measured), 1)
    centres = np.arange(len(chart.categories), dtype=np.float64)
    for position, series in enumerate(measured):
        xs = centres - 0.4 + width * (position + 0.5)
        heights = _values(series.values)
        error = _error_bars(heights, series.low, series.high)
        axes.bar(xs, heights, width * 0.95, yerr=error, capsize=3, label=series.label)
    for series in chart.series:
        if series.kind == "reference":
            axes.scatter(
                centres, _values(series.values), marker="D", color="black", s=28, zorder=3, label=series.label
            )
    axes.set_xticks(centres, chart.categories)
    axes.grid(axis="x", visible=False)
    _legend(figure, len(chart.series))
    return _finish(figure, axes, chart.note)


def render_png(chart: Chart) -> bytes:
    """The chart as a PNG image."""
    if isinstance(chart, LineChart):
        return _line(chart)
    if isinstance(chart, Heatmap):
        return _heatmap(chart)
    if isinstance(chart, Scatter):
        return _scatter(chart)
    return _bars(chart)
