"""Bad input gets one line on stderr, exit code 2, no traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli_support import convscope, files_under, write_config


def assert_clean_refusal(result: object, home: Path, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("convscope: error: "), result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    for fragment in fragments:
        assert fragment in lines[0]
    assert files_under(home) == []


def test_a_bad_toml_file_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "unclosed\n[[agents]]', encoding="utf-8")
    assert_clean_refusal(convscope("run", str(bad), "--headless", home=home), home, "bad.toml", "TOML")


def test_a_config_missing_its_agents_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    empty = tmp_path / "empty.toml"
    empty.write_text('title = "no agents"\n', encoding="utf-8")
    assert_clean_refusal(convscope("run", str(empty), "--headless", home=home), home, "agents")


def test_an_unknown_provider_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write_config(tmp_path / "c.toml", ("Agent-A", "telepathy:gpt-9"))
    assert_clean_refusal(convscope("run", str(config), "--headless", home=home), home, "telepathy")


def test_a_missing_key_variable_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write_config(tmp_path / "c.toml", ("Agent-A", "openai:gpt-4o-mini"))
    result = convscope("run", str(config), "--headless", home=home, env={"OPENAI_API_KEY": ""})
    assert_clean_refusal(result, home, "OPENAI_API_KEY")


def test_an_unknown_preset_is_refused_and_the_presets_are_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = convscope("run", "no-such-preset", "--headless", home=home)
    assert_clean_refusal(result, home, "no-such-preset", "group-chat-local")


def test_a_bad_failure_mode_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write_config(tmp_path / "c.toml", ("Agent-A", "scripted:echo"))
    config.write_text(config.read_text(encoding="utf-8") + 'failure = "explode"\n', encoding="utf-8")
    assert_clean_refusal(convscope("run", str(config), "--headless", home=home), home, "explode")


@pytest.mark.parametrize("command", [("resume", "nope"), ("export", "nope"), ("sessions", "show", "nope")])
def test_an_unknown_session_id_is_refused(tmp_path: Path, command: tuple[str, ...]) -> None:
    home = tmp_path / "home"
    assert_clean_refusal(convscope(*command, home=home), home, "nope")
