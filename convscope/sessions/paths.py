"""Where convscope keeps its data, and how one session folder is laid out.

``CONVSCOPE_HOME`` exists so that tests, sweeps and shared machines can point convscope at
a folder of their choosing without touching the user's real data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

SNAPSHOT_NAME = "snapshot.json"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "writer.lock"


def convscope_home() -> Path:
    """``$CONVSCOPE_HOME`` if set, else the platform's user data directory."""
    override = os.environ.get("CONVSCOPE_HOME")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("convscope", appauthor=False))


def sessions_dir() -> Path:
    return convscope_home() / "sessions"
