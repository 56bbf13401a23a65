"""Where sessions are kept (under ``data_home()``, see ``convscope.core.environment``),
and how one session folder is laid out."""

from __future__ import annotations

from pathlib import Path

from convscope.core.environment import data_home

SNAPSHOT_NAME = "snapshot.json"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "writer.lock"


def sessions_dir() -> Path:
    return data_home() / "sessions"
