"""``convscope export --format parquet``: the sessions, turns and metrics tables as Parquet files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from convscope.integrations.tables import metrics_table, sessions_table, turns_table
from convscope.sessions.schema import SessionDocument

SESSIONS_FILE = "sessions.parquet"
TURNS_FILE = "turns.parquet"
METRICS_FILE = "metrics.parquet"


def write_parquet(documents: Sequence[SessionDocument], folder: Path) -> list[Path]:
    """``folder``/sessions.parquet, turns.parquet and metrics.parquet (the folder is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = (
        (SESSIONS_FILE, sessions_table(documents)),
        (TURNS_FILE, turns_table(documents)),
        (METRICS_FILE, metrics_table(documents)),
    )
    written = []
    for name, table in tables:
        pq.write_table(table, folder / name)
        written.append(folder / name)
    return written
