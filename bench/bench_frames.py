"""The War Room corpus as DataFrames: ``convscope.turns_frame`` over the 208 imported sessions.

    .venv/bin/python bench/bench_frames.py [--transcripts DIR] [--repeat N]

Prints one JSON line per figure: ``turns_frame_cold``, the first call in a fresh process
(pandas and pyarrow imported, the session files read for the first time by this process),
then ``turns_frame_warm``, the best of ``--repeat`` later calls, as a notebook cell run
again sees it (the promise: under 5 s). Sessions go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import convscope
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_folder
from convscope.sessions.store import SessionStore

TRANSCRIPTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warroom" / "Transcripts"


def emit(figure: str, value: float, unit: str, **context: object) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **context}), flush=True)


def timed_frame(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = len(convscope.turns_frame(folder))
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=Path, default=TRANSCRIPTS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        outcome = import_folder(importer("warroom"), args.transcripts, SessionStore(Path(folder)))
        sessions = len(outcome.imported)
        cold, rows = timed_frame(Path(folder))
        emit("turns_frame_cold", cold, "s", sessions=sessions, rows=rows)
        warm = min(timed_frame(Path(folder))[0] for _ in range(args.repeat))
        emit("turns_frame_warm", warm, "s", sessions=sessions, rows=rows, repeat=args.repeat)


if __name__ == "__main__":
    main()
