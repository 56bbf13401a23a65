"""Below about 150 columns the footer drops its padding, so that more keys stay in view, and
where that is not enough a screen's least needed keys go first, never its last ones."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.live import LiveScreen
from convscope.tui.widgets.key_footer import COMPACT_BELOW_COLUMNS, KeyFooter, hidden_keys

from .support import SIZE, live_app, scripted_config


async def test_a_narrow_terminal_gets_the_compact_footer_and_a_wide_one_the_padded_one() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        assert footer.compact

        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert SIZE[0] >= COMPACT_BELOW_COLUMNS and not footer.compact


def test_hidden_keys_are_taken_in_the_screens_order_only_until_the_rest_fit() -> None:
    keys = [("pause", 10), ("export", 8), ("rename", 8), ("quit", 6)]
    assert hidden_keys(keys, room=32, drops_first=("export", "rename")) == set()
    assert hidden_keys(keys, room=31, drops_first=("export", "rename")) == {"export"}
    assert hidden_keys(keys, room=20, drops_first=("export", "rename")) == {"export", "rename"}
    assert hidden_keys(keys, room=10, drops_first=("export", "rename", "missing")) == {"export", "rename"}


def _shown(app: ConvscopeApp) -> dict[str, bool]:
    """Each footer key's action: whether it is in view (displayed and inside the terminal)."""
    width = app.size.width
    return {
        key.action: key.display and key.region.right <= width and key.region.width > 0
        for key in app.screen.query(FooterKey)
        if not key.has_class("-command-palette")
    }


async def test_a_live_screen_too_narrow_for_every_key_hides_its_least_needed_and_keeps_quit() -> None:
    app, _ = live_app(scripted_config(), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = _shown(app)
        assert shown["quit_session"] and shown["plots"] and shown["toggle_pause"] and shown["step"]
        assert not shown["export"]
        hidden = {action for action, seen in shown.items() if not seen}
        assert hidden == set(LiveScreen.FOOTER_DROPS_FIRST[: len(hidden)])  # the first the screen names

        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        await pilot.pause()
        assert all(_shown(app).values())  # wide enough for every key
