"""Model text is data: markup, links and terminal escapes reach the screen as plain characters."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from convscope.tui.widgets.chat_view import ChatEntry

from .support import SIZE, live_app, live_screen, scripted_config, until, until_drained

HOSTILE = "[bold]x[/] [link=http://x]y[/link] \x1b[31mred\x07 \x1b]8;;http://evil\x1b\\z"
SHOWN = "[bold]x[/] [link=http://x]y[/link] red z"


def drawn(widget: Static) -> Content:
    visual = widget.visual
    assert isinstance(visual, Content)
    return visual


async def test_markup_links_and_escape_sequences_in_model_text_are_shown_literally() -> None:
    app, session = live_app(scripted_config([HOSTILE, "fine"], rounds=1))
    async with app.run_test(size=SIZE) as pilot:
        await until_drained(pilot)
        screen = live_screen(pilot)
        body = screen.deck.panes["a0"].body
        assert body.text == SHOWN and " ".join(body.lines) == SHOWN
        drawn_line = body.render_line(0)
        assert drawn_line.text.rstrip() == body.lines[0]
        assert all(segment.style is None or segment.style.link is None for segment in drawn_line)
        assert len({segment.style for segment in drawn_line}) == 1  # the text brought no style of its own
        await pilot.press("c")
        entry = next(e for e in screen.deck.chat.query(ChatEntry) if e.turn_index == 0)
        assert drawn(entry).plain == f"Agent-A: {SHOWN}"
        assert all(span.start < len("Agent-A") for span in drawn(entry).spans)  # only the name is styled
        svg = app.export_screenshot()
    assert "[bold]x[/]" in svg and "[link=http://x]y[/link]" in svg
    assert "\x1b" not in svg and "[31m" not in svg and "http://evil" not in svg
    assert session.engine.transcript[0].text == HOSTILE  # the record keeps what the model said


async def test_a_nickname_with_markup_is_shown_literally() -> None:
    app, session = live_app(scripted_config(rounds=1), start_paused=True)
    async with app.run_test(size=SIZE) as pilot:
        session.engine.rename("a0", "[b]Z[/b]")
        await pilot.press("n")
        await until(pilot, lambda: len(session.engine.transcript) == 1)
        pane = live_screen(pilot).deck.panes["a0"]
        assert pane.nickname == "[b]Z[/b]"
        assert "[b]Z[/b]" in app.export_screenshot()
