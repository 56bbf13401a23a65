"""``convscope export --format parquet``: the turns and metrics tables as two Parquet files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from convscope.integrations.tables import metrics_table, turns_table
from convscope.sessions.schema import SessionDocument

TURNS_FILE = "turns.parquet"
METRICS_FILE = "metrics.parquet"


def write_parquet(documents: Sequence[SessionDocument], folder: Path) -> list[Path]:
    """``folder``/turns.parquet and ``folder``/metrics.parquet (the folder is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in ((TURNS_FILE, turns_table(documents)), (METRICS_FILE, metrics_table(documents))):
        pq.write_table(table, folder / name)
        written.append(folder / name)
    return written
