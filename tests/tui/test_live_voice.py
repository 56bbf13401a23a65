"""The live screen's two keys for the person: m speaks into the conversation, i interrupts."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static

from convscope.core.records import HUMAN_ID
from convscope.tui import settings
from convscope.tui.dialogs.say import SayDialog
from convscope.tui.widgets.chat_view import ChatEntry

from .support import SIZE, live_app, live_screen, record_prompts, scripted_config, until, until_drained


def chat_entries(pilot: Pilot[None]) -> list[ChatEntry]:
    return [item for item in live_screen(pilot).deck.chat.items if isinstance(item, ChatEntry)]


async def test_m_says_a_message_to_one_agent_under_a_remembered_nickname() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    engine = session.engine
    prompts = record_prompts(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        dialog = app.screen
        assert isinstance(dialog, SayDialog)
        assert dialog.query_one("#say-speaker", Input).value == "Moderator"
        dialog.query_one("#say-speaker", Input).value = "Ada"
        await pilot.press(*"@agent-c keep the budget", "enter")
        await until(pilot, lambda: bool(engine.transcript))
        [said] = engine.transcript
        assert (said.agent_id, said.nickname, said.to) == (HUMAN_ID, "Ada", "a2")
        assert said.text == "keep the budget"
        await until(pilot, lambda: len(chat_entries(pilot)) == 1)
        await pilot.press("c")  # the chat, drawn
        [entry] = chat_entries(pilot)
        assert str(entry.visual) == "Ada → Agent-C: keep the budget" and entry.has_class("-human")
        panes = live_screen(pilot).deck.panes
        await pilot.press("c")  # the panes again
        assert "✉ Ada → Agent-C: keep the budget" in str(panes["a2"].body.text)
        assert "keep the budget" not in str(panes["a0"].body.text)
        assert settings.load_nickname("Moderator") == "Ada"

        await pilot.press("m")
        assert app.screen.query_one("#say-speaker", Input).value == "Ada"  # remembered
        await pilot.press("escape")
        await pilot.press("space")
        await until_drained(pilot)
    assert [turn.agent_id for turn in engine.transcript] == [HUMAN_ID, "a0", "a1", "a2"]
    assert ["Ada: keep the budget" in prompts[i][-1].content for i in (1, 2, 3)] == [False, False, True]


async def test_m_with_an_unknown_name_says_why_and_keeps_the_dialog_open() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.press(*"@nobody hi", "enter")
        assert isinstance(app.screen, SayDialog)
        error = str(app.screen.query_one(".dialog-error", Static).visual)
        assert error.startswith("no agent is called 'nobody'")
        await pilot.press("escape")
    assert session.engine.transcript == []


async def test_i_cuts_the_turn_in_flight_keeps_its_text_marked_and_pauses() -> None:
    long_reply = " ".join(f"word{i}" for i in range(60))
    app, session = live_app(scripted_config((long_reply, "short", "short"), rounds=1, delay=0.05))
    engine = session.engine
    async with app.run_test(size=SIZE) as pilot:
        screen = live_screen(pilot)
        await until(pilot, lambda: len(screen.deck.panes["a0"].text.split()) >= 3)
        await pilot.press("i")
        await until(pilot, lambda: engine.state == "paused" and bool(engine.transcript))
        [cut] = engine.transcript
        assert cut.interrupted and not cut.failed and 3 <= len(cut.text.split()) < 60
        await until(pilot, lambda: "[interrupted]" in str(screen.deck.panes["a0"].body.text))
        assert session.writer.document.turns[0].cut_by == "interrupt"
        await pilot.press("space")
        await until_drained(pilot)
    assert [turn.agent_id for turn in engine.transcript] == ["a0", "a1", "a2"]


async def test_m_puts_the_cursor_in_the_message_field_in_a_focused_terminal() -> None:
    """A real terminal has the app focused, and Textual then focuses a screen's first field
    (the nickname) unless the dialog says otherwise: what a person types must be the message."""
    app, _ = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        app.app_focus = True
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, SayDialog)
        assert app.screen.focused is app.screen.query_one("#say-text", Input)
        assert app.screen.query_one("#say-speaker", Input).value == "Moderator"
