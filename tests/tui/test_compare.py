"""The compare screen: reached from home by marking two sessions, it shows both transcripts
by round with the first difference marked, the final metrics and the highlighted one's curves."""

from __future__ import annotations

from textual.widgets import DataTable

from convscope.core.metrics import catalogue as m
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.compare import CompareScreen
from convscope.tui.screens.home import HomeScreen
from convscope.tui.screens.marks import MARK
from convscope.tui.screens.replay import ReplayScreen
from convscope.tui.widgets.chart import Chart
from convscope.tui.widgets.side_by_side import PairRow
from tests.compare.sessions import parent_and_branch

from .support import SIZE, until


def _titles(app: ConvscopeApp) -> list[str]:
    table = app.screen.query_one("#sessions", DataTable)
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


def _compared(app: ConvscopeApp) -> bool:
    return isinstance(app.screen, CompareScreen) and app.screen.comparison is not None


async def test_marking_two_sessions_on_home_and_pressing_v_compares_them() -> None:
    parent, branch = await parent_and_branch()
    app = ConvscopeApp(store=SessionStore())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(app.screen.summaries) == 2)
        await pilot.press("m", "down", "m")
        assert [title.startswith(MARK) for title in _titles(app)] == [True, True]
        title_column = next(iter(app.screen.query_one("#sessions", DataTable).columns.values()))
        assert title_column.content_width >= max(len(title) for title in _titles(app))  # not cut
        await pilot.press("v")
        await until(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.comparison is not None
        )
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert [d.id for d in screen.documents] == [
            parent.id,
            branch.id,
        ]  # the branch listed under its parent
        rows = list(screen.query(PairRow))
        assert len(rows) == 9
        assert [row.first for row in rows].index(True) == 3
        assert rows[3].has_class("-first-difference") and rows[0].has_class("-same")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_v_with_fewer_than_two_marked_says_what_to_do_and_m_again_unmarks() -> None:
    await parent_and_branch()
    app = ConvscopeApp(store=SessionStore())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and len(app.screen.summaries) == 2)
        await pilot.press("m", "m", "v")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert not any(title.startswith(MARK) for title in _titles(app))
        assert any("Mark two sessions" in str(n.message) for n in app._notifications)


async def test_where_the_sessions_part_is_shown_whole_at_100_columns() -> None:
    parent, branch = await parent_and_branch()
    app = ConvscopeApp(lambda: CompareScreen(parent, branch), store=SessionStore())
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: _compared(app))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        line = str(screen.difference.render())
        assert line.startswith("B branches from A at turn ")
        assert line.endswith("every metric is the same before the branch turn")
        width, height = screen.difference.content_size
        assert width * height >= len(line)  # it wraps rather than being cut


async def test_the_chart_follows_the_highlighted_metric() -> None:
    parent, branch = await parent_and_branch()
    app = ConvscopeApp(lambda: CompareScreen(parent, branch), store=SessionStore())
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.comparison is not None
        )
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        chart = screen.query_one(Chart)
        assert screen.highlighted_key == m.ROUGE1.key
        assert chart.shown is not None and chart.shown.title == f"{m.ROUGE1.label}: A against B"
        await pilot.press("down")
        await pilot.pause()
        assert screen.highlighted_key == m.ROUGE2.key
        assert chart.shown.title == f"{m.ROUGE2.label}: A against B"
        assert [series.label for series in chart.shown.series] == ["A", "B"]
        assert [marker.x for marker in chart.shown.markers] == [1.0]  # round 1, where turn 3 is


async def test_v_in_a_branchs_replay_compares_it_with_its_parent_from_the_branch_turn() -> None:
    parent, branch = await parent_and_branch()
    app = ConvscopeApp(lambda: ReplayScreen(branch))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.press("v")
        await until(pilot, lambda: _compared(app))
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.comparison is not None
        assert [d.id for d in screen.documents] == [parent.id, branch.id]
        assert screen.comparison.branch == ("B", 3)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ReplayScreen))


async def test_v_in_the_replay_of_a_session_that_is_no_branch_says_so_and_stays() -> None:
    parent, _ = await parent_and_branch()
    app = ConvscopeApp(lambda: ReplayScreen(parent))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)
        assert any("no branch" in str(n.message) for n in app._notifications)
