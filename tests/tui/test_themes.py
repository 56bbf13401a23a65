"""Dark and light themes; the choice is remembered in the user config."""

from __future__ import annotations

import tomllib
from pathlib import Path

from convscope.core.environment import config_file
from convscope.themes import DARK, LIGHT
from convscope.tui import settings
from convscope.tui.app import ConvscopeApp

from .support import SIZE, until


async def test_the_dark_theme_is_the_default() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE):
        assert app.theme == DARK.name and app.current_theme.dark


async def test_a_chosen_theme_is_remembered_for_the_next_start(convscope_home: Path) -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = LIGHT.name
        await until(pilot, config_file().exists)
    assert config_file() == convscope_home / "config.toml"
    assert tomllib.loads(config_file().read_text())["tui"]["theme"] == LIGHT.name
    again = ConvscopeApp()
    async with again.run_test(size=SIZE):
        assert again.theme == LIGHT.name and not again.current_theme.dark


async def test_ctrl_t_switches_between_dark_and_light() -> None:
    app = ConvscopeApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert app.theme == LIGHT.name
        await pilot.press("ctrl+t")
        assert app.theme == DARK.name
        assert "Dark/light" in {command.title for command in app.get_system_commands(app.screen)}


async def test_the_theme_is_saved_beside_the_rest_of_the_config() -> None:
    config_file().write_text('[engine]\nretries = 5\n\n[tui]\ntheme = "convscope-dark"\n')
    assert settings.save_theme(LIGHT.name)
    saved = tomllib.loads(config_file().read_text())
    assert saved == {"engine": {"retries": 5}, "tui": {"theme": LIGHT.name}}


async def test_an_unreadable_config_is_left_untouched() -> None:
    config_file().write_text("this is [not toml")
    assert not settings.save_theme(LIGHT.name)
    assert config_file().read_text() == "this is [not toml"
    assert settings.load_theme(DARK.name) == DARK.name


async def test_an_unknown_remembered_theme_falls_back_to_the_default() -> None:
    settings.save_theme("no-such-theme")
    app = ConvscopeApp()
    async with app.run_test(size=SIZE):
        assert app.theme == DARK.name
