"""The demo's promise, end to end with the real embedded model: no key, no network, text streams."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope


@pytest.mark.slow
def test_local_group_chat_with_a_decommissioned_agent_runs_headless_to_the_end(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = convscope(
        "run",
        "group-chat-local-failing",
        "--headless",
        "--rounds",
        "1",
        home=home,
        env={"OPENAI_API_KEY": ""},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "[round 0] Agent-A (local:smollm2-135m)" in result.stdout
    assert "decommissioned" in result.stdout
    [summary] = SessionStore(home / "sessions").list()
    document = SessionStore(home / "sessions").load(summary.id)
    assert summary.status == "finished"
    a, b, c = document.turns
    assert a.text.strip() and b.text.strip() and a.completion_tokens
    assert c.failed and c.error_kind == "permanent"
    assert document.metrics, "the live tracker's metrics are recorded with the session"
