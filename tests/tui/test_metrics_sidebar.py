"""The sidebar names and explains every metric as the catalogue does; a metric it has no
section for shows under Other, with its catalogue label and format."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from convscope.core.metrics import catalogue as m
from convscope.core.snapshot import Snapshot
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.widgets.metrics_sidebar import OTHER_HELP, MetricRow, MetricsSidebar


class SidebarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricsSidebar({"a": "Agent-A"})


def board() -> MetricsBoard:
    values = {
        m.THEORY_HALVING.key: 3.4187,
        m.STABILITY_RETENTION.key: 0.5,
        m.BEHAVIOUR_FLAG["LEAD"].key: 0.25,  # a trait share: too many of them for the sidebar
        "mystery.metric": 0.125,  # a key from another version of convscope
    }
    return MetricsBoard.from_points([Snapshot(None, 0, values)])


async def test_other_rows_show_the_catalogue_label_and_format_and_unknown_keys_as_they_are() -> None:
    async with SidebarApp().run_test() as pilot:
        sidebar = pilot.app.query_one(MetricsSidebar)
        sidebar.show(board())
        await pilot.pause()
        assert sidebar.row_text(m.THEORY_HALVING.key).split() == ["DeGroot", "halving", "time", "3.42"]
        assert sidebar.row_text(m.STABILITY_RETENTION.key).split() == ["token", "retention", "0.500"]
        assert sidebar.row_text("mystery.metric").split() == ["mystery.metric", "0.125"]
        assert m.BEHAVIOUR_FLAG["LEAD"].key not in {row.key for row in sidebar.query(MetricRow)}


async def test_a_focused_row_shows_the_catalogue_help_or_a_generic_line_for_an_unknown_key() -> None:
    async with SidebarApp().run_test() as pilot:
        sidebar = pilot.app.query_one(MetricsSidebar)
        sidebar.show(board())
        await pilot.pause()
        help_line = pilot.app.query_one("#metric-help", Static)
        for key, expected in ((m.ROUGE1.key, m.ROUGE1.help), ("mystery.metric", OTHER_HELP)):
            next(row for row in sidebar.query(MetricRow) if row.key == key).focus()
            await pilot.pause()
            assert str(help_line.visual) == expected
