"""Plot data shared by the HTML report and the TUI's plots screen: sessions and corpora in,
chart data out (``model``); no drawing library and no Textual here."""

from __future__ import annotations

from convscope.plotdata.corpus import corpus_plots
from convscope.plotdata.model import (
    BarChart,
    BarSeries,
    Chart,
    Heatmap,
    LineChart,
    Marker,
    Plots,
    Scatter,
    Series,
    Table,
)
from convscope.plotdata.points import recompute_points, session_points
from convscope.plotdata.report import session_plots

__all__ = [
    "BarChart",
    "BarSeries",
    "Chart",
    "Heatmap",
    "LineChart",
    "Marker",
    "Plots",
    "Scatter",
    "Series",
    "Table",
    "corpus_plots",
    "recompute_points",
    "session_plots",
    "session_points",
]
