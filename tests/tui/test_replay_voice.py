"""Replay of a session with a person's message: its mark on the timeline, its line in the
chat, and its note in the pane of the agent it reached, until that agent speaks."""

from __future__ import annotations

from convscope.core.engine import Engine
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.replay import ReplayScreen
from convscope.tui.widgets.chat_view import ChatEntry

from .support import SIZE, record_session, scripted_config


def say_to_c(engine: Engine, index: int) -> None:
    if index == 1:
        engine.say("keep the budget", speaker="Ada", to="a2")


async def test_replay_shows_a_message_on_the_timeline_in_the_chat_and_in_the_pane_it_reached() -> None:
    document = await record_session(scripted_config(rounds=1), after_turn=say_to_c)
    assert [turn.human for turn in document.turns] == [False, False, True, False]
    app = ConvscopeApp(lambda: ReplayScreen(document))
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, ReplayScreen))
        await pilot.pause()
        _, marks, _ = str(screen.timeline.render()).split("\n")
        assert marks[:4] == "■■✉■"
        await pilot.press("home", "right", "right", "right")
        assert screen.position == 2
        panes = screen.deck.panes
        assert panes["a2"].body.text == "✉ Ada → Agent-C: keep the budget"
        assert "keep the budget" not in panes["a0"].body.text
        await pilot.press("right")
        assert "keep the budget" not in panes["a2"].body.text  # it has spoken since
        await pilot.press("c")
        await pilot.pause()
        entries = [w for w in screen.deck.chat.items if isinstance(w, ChatEntry)]
        assert str(entries[2].visual) == "Ada → Agent-C: keep the budget"
