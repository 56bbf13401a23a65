"""A sweep's folder: its sessions, the run -> session ledger, each session's result row, the CSV.

::

    <sweep>/sessions/<id>/      one session folder per run, as in the session store
    <sweep>/runs.jsonl          {"key": <run point as JSON>, "session": <id>} per line
    <sweep>/results/<id>.json   the session's row, written when it finishes
    <sweep>/results.csv         every finished run: its point, then its row

The ledger is written before a session runs, so a sweep interrupted mid-session picks
that session up where it stopped instead of starting it again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from convscope.sessions.atomic import write_atomic
from convscope.sessions.store import SessionStore
from convscope.sweep.results import Row

LEDGER_NAME = "runs.jsonl"
CSV_NAME = "results.csv"


class SweepFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sessions = SessionStore(root / "sessions")
        self._results = root / "results"
        self.ledger = self._read_ledger()  # run key -> session id; this process is its only writer

    def _read_ledger(self) -> dict[str, str]:
        path = self.root / LEDGER_NAME
        if not path.is_file():
            return {}
        entries = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        return {entry["key"]: entry["session"] for entry in entries}

    def session_for(self, key: str, create: Callable[[], str]) -> str:
        """The run's session id; ``create`` makes the session when the run has none yet."""
        if key not in self.ledger:
            session_id = create()
            self.root.mkdir(parents=True, exist_ok=True)
            with (self.root / LEDGER_NAME).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"key": key, "session": session_id}, ensure_ascii=False) + "\n")
            self.ledger[key] = session_id
        return self.ledger[key]

    def finished(self, key: str) -> bool:
        """A run is done once its result row is saved (written only after its session finished)."""
        return key in self.ledger and (self._results / f"{self.ledger[key]}.json").is_file()

    def result(self, session_id: str) -> Row | None:
        path = self._results / f"{session_id}.json"
        if not path.is_file():
            return None
        row: Row = json.loads(path.read_text(encoding="utf-8"))
        return row

    def save_result(self, row: Row) -> None:
        self._results.mkdir(parents=True, exist_ok=True)
        write_atomic(self._results / f"{row['session']}.json", json.dumps(row, allow_nan=False).encode())

    def write_csv(self, rows: Iterable[tuple[Mapping[str, Any], Row]]) -> Path:
        """One line per run: the point's columns first, then the row's, in first-seen order."""
        lines = [{**point, **row} for point, row in rows]
        columns = list(dict.fromkeys(key for line in lines for key in line))
        path = self.root / CSV_NAME
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(lines)
        return path
