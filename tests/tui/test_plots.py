"""The plots screen draws ``convscope.plotdata``'s charts of the session's metric points."""

from __future__ import annotations

import math

from textual.app import App

from convscope.core.snapshot import Snapshot
from convscope.tui.screens.plots import PlotsScreen, charts
from convscope.tui.widgets.chart import Chart

from .support import SIZE, record_session, scripted_config


def opinion_points(rounds: int) -> list[Snapshot]:
    """Round snapshots of a spread that decays as STD(t) = 0.4·exp(-0.3·t) + 0.1."""
    return [Snapshot(None, t, {"disagreement.std": 0.4 * math.exp(-0.3 * t) + 0.1}) for t in range(rounds)]


async def test_the_fourth_chart_is_the_opinion_spread_with_its_fitted_decay_when_opinions_are_scored() -> (
    None
):
    spread = charts(opinion_points(10), {})["spread"]
    assert spread.key == "disagreement"
    assert [series.kind for series in spread.series] == ["measured", "fit"]
    assert "b = 0.300" in spread.note


async def test_without_opinion_scores_the_fourth_chart_is_stability_between_rounds() -> None:
    document = await record_session(scripted_config(rounds=3))
    drawn = charts(document.metrics, {a.id: a.nickname for a in document.config.agents})
    assert [chart.key for chart in drawn.values()] == [
        "rouge",
        "confidence",
        "distances-previous",
        "stability",
    ]
    assert not drawn["rouge"].empty and not drawn["confidence"].empty


class PlotsApp(App[None]):
    def __init__(self, points: list[Snapshot]) -> None:
        super().__init__()
        self.points = points

    def on_mount(self) -> None:
        self.push_screen(PlotsScreen("plots", self.points, {"a": "Ann"}))


async def test_the_plots_screen_draws_four_plotext_charts() -> None:
    app = PlotsApp(opinion_points(8))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [c.id for c in app.screen.query(Chart)] == [
            "chart-rouge",
            "chart-confidence",
            "chart-loop",
            "chart-spread",
        ]
        svg = app.export_screenshot()
    assert "Disagreement:&#160;STD&#160;of&#160;opinion&#160;scores" in svg
    assert "ROUGE&#160;F&#160;between&#160;agents,&#160;by&#160;round:&#160;no&#160;data&#160;yet" in svg
