"""The new-session form: presets, agents, parameters, and validation errors where they belong."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Select, TextArea

from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.home import HomeScreen
from convscope.tui.screens.live import LiveScreen
from convscope.tui.screens.new_session import AgentRow, NewSessionScreen

from .support import SIZE, until


async def open_form(pilot: Pilot[None]) -> NewSessionScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
    await pilot.press("n")
    await until(pilot, lambda: len(pilot.app.screen.query(AgentRow)) > 0)
    screen = pilot.app.screen
    assert isinstance(screen, NewSessionScreen)
    return screen


def error(screen: NewSessionScreen, key: str) -> str:
    widget = screen._errors[key]
    return str(widget.visual) if widget.display else ""


def row_error(row: AgentRow) -> str:
    return str(row.error.visual) if row.error.display else ""


def start_enabled(screen: NewSessionScreen) -> bool:
    return not screen.query_one("#start", Button).disabled


async def test_the_blank_form_is_a_valid_session_of_two_echo_agents() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        assert [row.field("provider") for row in screen.query(AgentRow)] == ["scripted:echo"] * 2
        assert start_enabled(screen)


async def test_errors_show_next_to_the_field_they_are_about_and_block_the_start() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        first, second = screen.query(AgentRow)
        screen.query_one("#rounds", Input).value = "0"
        first.query_one(".agent-provider", Input).value = "nope:model"
        second.query_one(".agent-failure", Input).value = "explode"
        second.query_one(".agent-temperature", Input).value = "7"
        await pilot.pause()
        assert "greater than or equal to 1" in error(screen, "rounds")
        assert "unknown provider backend 'nope'" in row_error(first)
        assert "unknown failure mode 'explode'" in row_error(second)
        assert "temperature" in row_error(second)
        assert not start_enabled(screen)
        screen.query_one("#rounds", Input).value = "2"
        first.query_one(".agent-provider", Input).value = "scripted:text:hello"
        second.query_one(".agent-failure", Input).value = "decommissioned"
        second.query_one(".agent-temperature", Input).value = "0.7"
        await pilot.pause()
        assert error(screen, "rounds") == row_error(first) == row_error(second) == ""
        assert start_enabled(screen)


async def test_protocol_options_are_checked_by_the_protocol() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#options", TextArea).text = 'naming = "secret"'
        await pilot.pause()
        assert "naming" in error(screen, "options")
        screen.query_one("#options", TextArea).text = "naming = "
        await pilot.pause()
        assert "invalid TOML" in error(screen, "options")
        assert not start_enabled(screen)


async def test_a_missing_api_key_is_reported_on_the_agent() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        first = screen.query(AgentRow).first()
        first.query_one(".agent-provider", Input).value = "anthropic:claude-x"
        await pilot.pause()
        assert "ANTHROPIC_API_KEY is not set" in row_error(first)


async def test_a_network_judge_without_its_key_is_reported_under_the_options_and_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#protocol", Select).value = "network"
        for row in screen.query(AgentRow):
            row.query_one(".agent-provider", Input).value = "degroot:2"
        options = 'graph = "complete"\ntopic = "Bitcoin"\nscorer = "judge"\njudge = "openai:gpt-5-nano"\n'
        screen.query_one("#options", TextArea).text = options
        await pilot.pause()
        problem = error(screen, "options")
        assert "'judge'" in problem and "OPENAI_API_KEY is not set" in problem
        assert [row_error(row) for row in screen.query(AgentRow)] == ["", ""]
        assert not start_enabled(screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        screen.query_one("#title", Input).value = "judged network"  # any edit validates again
        await pilot.pause()
        assert error(screen, "options") == "" and start_enabled(screen)
    assert SessionStore().list() == []


async def test_picking_a_preset_fills_the_form() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#preset", Select).value = "group-chat-local"
        await until(pilot, lambda: len(screen.query(AgentRow)) == 3)
        rows = list(screen.query(AgentRow))
        assert [r.field("nickname") for r in rows] == ["Agent-A", "Agent-B", "Agent-C"]
        assert {r.field("provider") for r in rows} == {"local:smollm2-135m"}
        assert screen.query_one("#title", Input).value == "Group chat of three local agents"
        assert start_enabled(screen)


async def test_agents_can_be_added_and_removed() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        await pilot.click("#add-agent")
        await until(pilot, lambda: len(screen.query(AgentRow)) == 3)
        assert screen.query(AgentRow).last().agent.id == "agent3"
        for _ in range(3):
            await pilot.click(screen.query(".agent-remove").first())
        await until(pilot, lambda: len(screen.query(AgentRow)) == 0)
        assert "at least one agent" in error(screen, "agents")
        assert not start_enabled(screen)


async def test_start_opens_a_live_session_of_the_form_config() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#title", Input).value = "my own chat"
        screen.query_one("#rounds", Input).value = "1"
        screen.query_one("#brief", TextArea).text = "Say hello."
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, LiveScreen))
        live = app.screen
        assert isinstance(live, LiveScreen)
        await until(pilot, lambda: live.ended is not None)
        assert live.engine.config.title == "my own chat"
        first, second = live.engine.transcript  # echo agents repeat the chat they were shown
        assert (first.text, second.text) == ("Say hello.", "Say hello.\n\nAgent-A: Say hello.")
    [summary] = SessionStore().list()
    assert summary.title == "my own chat" and summary.turns == 2


async def test_the_live_embeddings_box_starts_a_session_that_measures_embedding_distances() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        assert not screen.query_one("#semantic", Checkbox).value  # off unless asked: it costs CPU
        screen.query_one("#rounds", Input).value = "1"
        await pilot.click("#semantic")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, LiveScreen))
        live = app.screen
        assert isinstance(live, LiveScreen)
        await until(pilot, lambda: live.ended is not None, limit_s=60)
        assert live.engine.config.semantic_metrics
    [summary] = SessionStore().list()
    document = SessionStore().load(summary.id)
    assert isinstance(document.metrics[1].values["loop.cosine"], float)  # the second turn's distance
