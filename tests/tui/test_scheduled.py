"""Scheduled interventions and alarms on screen: replay marks them on the timeline and in the
chat, and the last alarm shows as a banner, live and in replay from the turn it fired before."""

from __future__ import annotations

from pathlib import Path

from convscope.core.config_files import load_config, parse_config
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.replay import ReplayScreen
from tests.core.test_alarms import ECHO_RELAY
from tests.core.test_interventions import SCHEDULED, THE_ISSUES_THREE, session_file

from .support import SIZE, live_app, live_screen, record_session, until_drained

LOOP_ALARM = '[[alarms]]\nwhen = "loop.active"\naction = "mark"\n'
BANNER = "⚠ alarm 'loop.active': looping now yes at turn #3 → mark (before turn #4)"


async def test_replay_marks_the_scheduled_failure_and_rename_on_the_timeline(tmp_path: Path) -> None:
    config = load_config(str(session_file(tmp_path, SCHEDULED)))
    document = await record_session(config, store=SessionStore(tmp_path / "sessions"))
    app = ConvscopeApp(lambda: ReplayScreen(document))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        _, marks, flags = str(screen.timeline.render()).split("\n")
        assert [i for i, flag in enumerate(flags) if flag == "▲"] == [6, 9]
        assert [i for i, mark in enumerate(marks) if mark == "✕"] == [7, 10]
        chat = [str(line.visual) for line in screen.deck.chat.items if line.turn_index in (6, 9)]
        assert "· failure injected into Agent-B: decommissioned (before turn #6)" in chat
        assert "· Agent-A renamed to GPT-4o (before turn #9)" in chat


async def test_replay_shows_the_alarm_banner_from_the_turn_it_fired_before(tmp_path: Path) -> None:
    config = parse_config(ECHO_RELAY.format(rounds=6) + LOOP_ALARM, "echo.toml")
    document = await record_session(config, store=SessionStore(tmp_path / "sessions"))
    app = ConvscopeApp(lambda: ReplayScreen(document, at_start=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        banner = screen.deck.banner
        await pilot.press("right", "right", "right")  # turn 2 shown
        assert not banner.display
        await pilot.press("right")  # turn 3: the alarm landed after it
        assert banner.display and str(banner.visual) == BANNER
        assert f"· {BANNER[2:].removesuffix(' (before turn #4)')} (before turn #4)" in [
            str(line.visual) for line in screen.deck.chat.items
        ]


async def test_the_live_screen_raises_the_banner_when_an_alarm_fires() -> None:
    config = parse_config(ECHO_RELAY.format(rounds=6) + LOOP_ALARM, "echo.toml")
    app, _ = live_app(config)
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        banner = live_screen(pilot).deck.banner
        assert banner.display and str(banner.visual) == BANNER


async def test_replay_shows_the_issues_three_interventions_failure_message_and_rename(tmp_path: Path) -> None:
    config = load_config(str(session_file(tmp_path, THE_ISSUES_THREE)))
    document = await record_session(config, store=SessionStore(tmp_path / "sessions"))
    app = ConvscopeApp(lambda: ReplayScreen(document))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        _, marks, flags = str(screen.timeline.render()).split("\n")
        assert [i for i, flag in enumerate(flags) if flag == "▲"] == [6, 10]
        assert [i for i, mark in enumerate(marks) if mark == "✉"] == [9]
