"""Metrics over the session as charts: ROUGE, confidence, loop distances against their
thresholds, and disagreement STD with its fitted exponential decay."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer

from convscope.core.metrics.loops import DISTANCES, LoopThresholds
from convscope.core.metrics.opinion_dynamics import fit_decay
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.screens.navigation import leave
from convscope.tui.widgets.chart import Chart, ChartData, Line
from convscope.tui.widgets.status_bar import StatusBar

_ROUGE_LABELS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}


def _by_round(board: MetricsBoard, key: str, label: str) -> Line:
    points = board.by_round.get(key, {})
    rounds = sorted(points)
    return Line(label, [float(r + 1) for r in rounds], [points[r] for r in rounds])


def rouge_chart(board: MetricsBoard) -> ChartData:
    return ChartData(
        "ROUGE between agents", "round", [_by_round(board, k, v) for k, v in _ROUGE_LABELS.items()]
    )


def confidence_chart(board: MetricsBoard, names: Mapping[str, str]) -> ChartData:
    lines = [_by_round(board, f"confidence.{agent_id}", name) for agent_id, name in names.items()]
    return ChartData("Confidence", "round", [*lines, _by_round(board, "confidence.mean", "mean")])


def distance_chart(board: MetricsBoard, thresholds: LoopThresholds) -> ChartData:
    lines: list[Line] = []
    for name in DISTANCES:
        turns, values = board.turn_series(f"loop.{name}")
        if values:
            xs = [float(t) for t in turns]
            lines.append(Line(name, xs, values))
            limit = thresholds.limit(name)
            lines.append(Line(f"{name} ≤ {limit:g}", [xs[0], xs[-1]], [limit, limit], dashed=True))
    return ChartData("Loop distances and thresholds", "turn", lines)


def disagreement_chart(board: MetricsBoard) -> ChartData:
    measured = _by_round(board, "disagreement.std", "STD")
    lines = [measured]
    fit = fit_decay(measured.ys) if measured.ys else None
    if fit is not None:
        xs = [float(x) for x in range(len(measured.ys))]
        curve = [fit.a * math.exp(-fit.b * x) + fit.c for x in xs]
        label = f"fit b={fit.b:.3f} c={fit.c:.3f} R²={fit.r_squared:.2f}"
        lines.append(Line(label, measured.xs, curve, dashed=True))
    return ChartData("Disagreement STD", "round", lines)


class PlotsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,p", "close", "Back")]

    def __init__(
        self, title: str, board: MetricsBoard, thresholds: LoopThresholds, names: Mapping[str, str]
    ) -> None:
        super().__init__()
        self._title = title
        self.board = board
        self.thresholds = thresholds
        self.names = dict(names)
        self._charts = {name: Chart(f"chart-{name}") for name in ("rouge", "confidence", "loop", "std")}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Grid(id="plots"):
            yield from self._charts.values()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusBar).show(self._title, "plots", ["metrics over the session"])
        self.call_after_refresh(self.redraw)

    def show(self, board: MetricsBoard, thresholds: LoopThresholds) -> None:
        self.board, self.thresholds = board, thresholds
        self.redraw()

    def redraw(self) -> None:
        data = {
            "rouge": rouge_chart(self.board),
            "confidence": confidence_chart(self.board, self.names),
            "loop": distance_chart(self.board, self.thresholds),
            "std": disagreement_chart(self.board),
        }
        for name, chart in self._charts.items():
            chart.draw(data[name])

    def action_close(self) -> None:
        leave(self)
