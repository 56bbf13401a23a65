"""``convscope run --headless`` with a schedule: a bad entry is refused in one line before
anything is written; an alarm is obeyed and printed."""

from __future__ import annotations

from pathlib import Path

from convscope.sessions.store import SessionStore
from tests.core.test_alarms import ECHO_RELAY
from tests.e2e.cli_support import convscope


def test_a_headless_run_is_stopped_by_its_alarm_and_an_unknown_metric_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    config = tmp_path / "echo.toml"
    config.write_text(
        ECHO_RELAY.format(rounds=12) + '[[alarms]]\nwhen = "loop.active"\naction = "stop"\n', encoding="utf-8"
    )

    result = convscope("run", str(config), "--headless", home=home)

    assert result.returncode == 0, result.stderr
    assert "· alarm 'loop.active': looping now yes at turn #3 → stop (before turn 4)" in result.stdout
    assert "session stopped: alarm 'loop.active'" in result.stdout
    [summary] = SessionStore(home / "sessions").list()
    assert (summary.status, summary.turns) == ("stopped", 4)

    config.write_text(config.read_text(encoding="utf-8").replace('"loop.active"', '"loop.activ"'), "utf-8")
    refused = convscope("run", str(config), "--headless", home=home)

    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        f"convscope: error: {config}: alarms.0.when: unknown metric 'loop.activ' "
        "(did you mean loop.active or loop.cosine or loop.jaccard?)"
    ]
    assert len(SessionStore(home / "sessions").list()) == 1
