"""A session records the NAME of the variable holding an API key, never the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.core.events import SessionEnded, SessionStarted
from convscope.sessions.export import export_session
from convscope.sessions.store import SessionStore
from tests.sessions.builders import control_event, conversation, make_config

SECRET = "sk-test-SECRET123"


def test_no_file_written_or_exported_contains_the_api_key(
    convscope_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    store = SessionStore()
    with store.create(make_config(key_env="OPENAI_API_KEY")) as writer:
        writer.on_event(SessionStarted(0))
        for event in conversation(4):
            writer.on_event(event)
        writer.on_event(control_event("paused", 4))
        writer.snapshot()
        writer.on_event(control_event("resumed", 4))
    with store.open_writer(writer.session_id) as resumed:
        resumed.on_event(SessionEnded("finished"))
    document = store.load(writer.session_id)
    exports = tmp_path / "exports"
    exports.mkdir()
    for fmt in ("json", "jsonl", "md", "csv"):
        export_session(document, fmt, exports / f"session.{fmt}")

    written = [path for root in (convscope_home, exports) for path in root.rglob("*") if path.is_file()]
    assert len(written) == 3 + 4  # snapshot, journal, lock; four exports
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    assert document.config.agents[0].key_env == "OPENAI_API_KEY"
    assert b"OPENAI_API_KEY" in (exports / "session.json").read_bytes()
