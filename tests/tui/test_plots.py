"""The plots: what each chart draws, with plotext or with the sparkline fallback."""

from __future__ import annotations

import math

from textual.app import App

from convscope.core.metrics.loops import LoopThresholds
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.screens.plots import (
    PlotsScreen,
    confidence_chart,
    disagreement_chart,
    distance_chart,
    rouge_chart,
)
from convscope.tui.widgets.chart import Chart

from .support import SIZE


def board_of(rounds: int) -> MetricsBoard:
    board = MetricsBoard()
    for t in range(rounds):
        turn = 2 * t + 1
        board.absorb(turn - 1, t, {"loop.bleu": 0.9 - 0.1 * t, "loop.jaccard": 0.5, "loop.cosine": None})
        board.absorb(turn, t, {"rouge1": 0.1 * t, "rouge2": 0.05 * t, "rougeL": 0.08 * t})
        board.absorb(turn, t, {"confidence.a": 0.2, "confidence.mean": 0.1})
        board.absorb(turn, t, {"disagreement.std": 0.4 * math.exp(-0.3 * t) + 0.1})
    return board


def test_rouge_and_confidence_are_drawn_per_round() -> None:
    board = board_of(4)
    rouge = rouge_chart(board)
    assert [line.label for line in rouge.lines] == ["ROUGE-1", "ROUGE-2", "ROUGE-L"]
    assert rouge.lines[0].xs == [1.0, 2.0, 3.0, 4.0] and rouge.lines[0].ys[-1] == 0.30000000000000004
    confidence = confidence_chart(board, {"a": "Ann"})
    assert [line.label for line in confidence.lines] == ["Ann", "mean"]


def test_distances_are_drawn_per_turn_against_their_thresholds() -> None:
    chart = distance_chart(board_of(3), LoopThresholds(bleu=0.4))
    labels = [(line.label, line.dashed) for line in chart.lines]
    assert labels == [("bleu", False), ("bleu ≤ 0.4", True), ("jaccard", False), ("jaccard ≤ 0.3", True)]
    assert chart.lines[0].xs == [0.0, 2.0, 4.0] and chart.lines[1].ys == [0.4, 0.4]


def test_disagreement_is_drawn_with_its_fitted_exponential_decay() -> None:
    chart = disagreement_chart(board_of(10))
    measured, fit = chart.lines
    assert fit.dashed and "b=0.300" in fit.label and "c=0.100" in fit.label
    assert all(abs(a - b) < 1e-6 for a, b in zip(measured.ys, fit.ys, strict=True))


def test_an_empty_board_gives_empty_charts() -> None:
    assert rouge_chart(MetricsBoard()).empty and disagreement_chart(MetricsBoard()).lines[0].ys == []


async def test_the_plots_screen_draws_four_plotext_charts() -> None:
    class PlotsApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(PlotsScreen("t", board_of(5), LoopThresholds(), {"a": "Ann"}))

    app = PlotsApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        charts = list(app.screen.query(Chart))
        assert [c.id for c in charts] == ["chart-rouge", "chart-confidence", "chart-loop", "chart-std"]
        assert "ROUGE&#160;between&#160;agents" in app.export_screenshot()
