"""What a plot is, independent of who draws it: matplotlib in the HTML report, plotext or
sparklines in the TUI's plots screen. Plain data (lists of floats and labels), so a drawer
needs no metric knowledge and the two front ends cannot disagree about what is plotted.

``kind`` says how a series is meant to be read: a ``measured`` value, a ``threshold`` (a
setting, drawn dashed), a ``fit`` (a curve fitted to the measurement, dashed) or a
``theory`` (what a model predicts, dotted); a ``reference`` bar series is a published
figure, drawn as a marker beside the measured bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SeriesKind = Literal["measured", "threshold", "fit", "theory"]
BarKind = Literal["measured", "reference"]


@dataclass(frozen=True)
class Series:
    label: str
    xs: list[float]
    ys: list[float | None]  # None: not measured at that x (a gap in the line)
    kind: SeriesKind = "measured"


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``x``, e.g. where a loop starts or a theoretical halving time."""

    x: float
    label: str


@dataclass(frozen=True)
class LineChart:
    key: str
    title: str
    xlabel: str
    ylabel: str
    series: list[Series]
    markers: list[Marker] = field(default_factory=list)
    note: str = ""  # one line under the chart (a fit's parameters, a theory's numbers)

    @property
    def empty(self) -> bool:
        return not any(any(y is not None for y in s.ys) for s in self.series if s.kind == "measured")


@dataclass(frozen=True)
class Heatmap:
    """``values[row][column]``; None where nothing was observed."""

    key: str
    title: str
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    xlabel: str
    ylabel: str
    note: str = ""


@dataclass(frozen=True)
class Scatter:
    """Points with two labels each: ``groups`` colours them, ``steps`` shades them (e.g. rounds)."""

    key: str
    title: str
    xs: list[float]
    ys: list[float]
    groups: list[str]
    steps: list[int]
    xlabel: str
    ylabel: str
    note: str = ""


@dataclass(frozen=True)
class BarSeries:
    label: str
    values: list[float | None]  # one per category
    low: list[float | None] | None = None  # confidence interval, when there is one
    high: list[float | None] | None = None
    kind: BarKind = "measured"


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    categories: list[str]
    series: list[BarSeries]
    ylabel: str
    note: str = ""


Chart = LineChart | Heatmap | Scatter | BarChart


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Plots:
    """Everything a report shows: its charts in order, and its tables."""

    title: str
    subtitle: str
    charts: list[Chart]
    tables: list[Table]
