"""Replay: a saved session scrubbed turn by turn, with no model call and metrics recomputed."""

from __future__ import annotations

from textual.widgets import Input, Static

from convscope.core.agents import AgentSpec
from convscope.plotdata import recompute_points
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.dialogs.prompt import PromptDialog
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.screens.plots import PlotsScreen
from convscope.tui.screens.replay import ReplayScreen
from convscope.tui.widgets.chat_view import ChatEntry
from tests.sessions.builders import V1_SESSION_ID, V1_STORE

from .support import SIZE, session_with_interventions, until


def replay_app(document: SessionDocument, *, at_start: bool = False) -> ConvscopeApp:
    return ConvscopeApp(lambda: ReplayScreen(document, at_start=at_start))


def replay(app: ConvscopeApp) -> ReplayScreen:
    return next(s for s in reversed(app.screen_stack) if isinstance(s, ReplayScreen))


def visible_chat(screen: ReplayScreen) -> list[str]:
    return [
        f"turn {w.turn_index}" if isinstance(w, ChatEntry) else str(w.visual)
        for w in screen.deck.chat.items
        if w.display
    ]


async def test_replay_scrubs_turn_by_turn_with_arrows_home_end_and_a_turn_number() -> None:
    document = await session_with_interventions()
    app = replay_app(document)
    async with app.run_test(size=SIZE) as pilot:
        screen = replay(app)
        await pilot.pause()
        assert screen.position == 8
        await pilot.press("home")
        panes = screen.deck.panes
        assert screen.position == -1 and all(p.text == "" and p.state == "waiting" for p in panes.values())
        assert visible_chat(screen) == []
        await pilot.press("right")
        assert panes["a0"].text == document.turns[0].text and panes["a0"].speaking
        assert panes["a1"].text == ""
        await pilot.press("right", "right")
        assert screen.position == 2 and panes["a1"].nickname == "Zed"  # renamed right after turn 2
        assert visible_chat(screen) == [
            "turn 0",
            "turn 1",
            "turn 2",
            "· Agent-B renamed to Zed (before turn #3)",
        ]
        await pilot.press("left")
        assert panes["a1"].nickname == "Agent-B"
        await pilot.press("end")
        assert screen.position == 8
        await pilot.press("g")
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("9", "9", "enter")
        assert "from 0 to 8" in str(app.screen.query_one(".dialog-error", Static).visual)
        app.screen.query_one(Input).value = "4"
        await pilot.press("enter")
        assert screen.position == 4


async def test_replay_shows_failed_turns_and_marks_interventions_on_the_timeline() -> None:
    document = await session_with_interventions()
    app = replay_app(document)
    async with app.run_test(size=SIZE) as pilot:
        screen = replay(app)
        await pilot.pause()
        _, marks, flags = str(screen.timeline.render()).split("\n")
        assert marks[:9] == "■■■■■✕■■✕"
        assert [i for i, flag in enumerate(flags) if flag == "▲"] == [3, 5]
        await pilot.press("g", "5", "enter")
        pane = screen.deck.panes["a2"]
        assert pane.shown_state == "failed" and pane.failure == "decommissioned"


async def test_replay_recomputes_the_metrics_the_live_session_recorded() -> None:
    document = await session_with_interventions()
    assert recompute_points(document) == document.metrics


async def test_the_sidebar_shows_the_metrics_as_they_were_at_that_turn() -> None:
    document = await session_with_interventions()
    app = replay_app(document)
    async with app.run_test(size=SIZE) as pilot:
        screen = replay(app)
        await until(pilot, lambda: screen.recomputed)
        await pilot.press("g", "3", "enter")
        expected = MetricsBoard.from_points(recompute_points(document), up_to_turn=3).number("rouge1")
        assert expected is not None
        assert f"{expected:.3f}" in screen.deck.sidebar.row_text("rouge1")


async def test_replay_makes_no_model_call() -> None:
    document = await session_with_interventions()
    unreachable = tuple(
        AgentSpec(id=a.id, nickname=a.nickname, provider="openai:gpt-never") for a in document.config.agents
    )
    offline = document.model_copy(
        update={"config": document.config.model_copy(update={"agents": unreachable})}
    )
    app = replay_app(offline, at_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        assert replay(app).deck.panes["a0"].text == document.turns[6].text


async def test_chat_and_plots_from_replay() -> None:
    document = await session_with_interventions()
    app = replay_app(document)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert replay(app).deck.showing_chat
        await pilot.press("p")
        assert isinstance(app.screen, PlotsScreen)
        assert len(app.screen.board.series("rouge1")) == 3
        await pilot.press("escape")
        assert isinstance(app.screen, ReplayScreen)


async def test_a_version_1_session_replays_with_its_interventions_in_place() -> None:
    document = SessionStore(V1_STORE).load(V1_SESSION_ID)
    app = replay_app(document, at_start=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = replay(app)
        panes = screen.deck.panes
        await pilot.press("g", "3", "enter")
        assert panes["c"].failure == "decommissioned"  # injected before turn 4
        assert panes["b"].nickname == "Zed" and panes["a"].nickname == "Agent-A"
        await pilot.press("right", "right")
        assert panes["c"].shown_state == "failed" and panes["c"].failure is None  # cleared before turn 6
        assert visible_chat(screen)[-6:] == [
            "· failure injected into Agent-C: decommissioned (before turn #4)",
            "turn 4",
            "· paused (before turn #5)",
            "· resumed (before turn #5)",
            "turn 5",
            "· failure cleared on Agent-C (before turn #6)",
        ]
