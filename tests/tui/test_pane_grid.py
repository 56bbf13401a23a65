"""The pane grid adapts from 2 to 20 agents: every pane visible, none overlapping."""

from __future__ import annotations

import itertools

import pytest

from convscope.tui.widgets.pane_grid import MIN_PANE_HEIGHT, MIN_PANE_WIDTH, grid_columns

from .support import SIZE, live_app, live_screen, scripted_config


@pytest.mark.parametrize(
    ("count", "columns"), [(2, 2), (3, 3), (4, 2), (6, 3), (8, 4), (9, 3), (12, 4), (16, 4), (20, 5)]
)
def test_panes_are_arranged_in_near_square_grids(count: int, columns: int) -> None:
    assert grid_columns(count, width=200) == columns


def test_a_narrow_terminal_gets_fewer_columns() -> None:
    assert grid_columns(20, width=3 * MIN_PANE_WIDTH + 5) == 3
    assert grid_columns(8, width=10) == 1


@pytest.mark.parametrize("count", [2, 3, 8, 20])
async def test_every_pane_is_on_screen_and_none_overlap(count: int) -> None:
    replies = [f"agent {i} says hello" for i in range(count)]
    app, _ = live_app(scripted_config(replies, rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = live_screen(pilot)
        grid = screen.deck.grid.region
        regions = [pane.region for pane in screen.deck.panes.values()]
        assert len(regions) == count
        for region in regions:
            assert grid.contains_region(region)
            assert region.width >= MIN_PANE_WIDTH and region.height >= MIN_PANE_HEIGHT
        for a, b in itertools.combinations(regions, 2):
            assert not a.overlaps(b)
