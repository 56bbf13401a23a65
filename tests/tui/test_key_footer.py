"""Below about 150 columns the footer drops its padding, so that more keys stay in view."""

from __future__ import annotations

from convscope.tui.app import ConvscopeApp
from convscope.tui.widgets.key_footer import COMPACT_BELOW_COLUMNS, KeyFooter

from .support import SIZE


async def test_a_narrow_terminal_gets_the_compact_footer_and_a_wide_one_the_padded_one() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        assert footer.compact

        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert SIZE[0] >= COMPACT_BELOW_COLUMNS and not footer.compact
