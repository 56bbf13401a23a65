"""The War Room corpus end to end: import the 208 transcripts, then analyse them by series.

    .venv/bin/python bench/bench_corpus.py [--transcripts DIR] [--jobs N] [--lexical-only]

Prints one JSON line per figure: the import time; the analysis time with the lexical and
behaviour metrics (what ``convscope analyze <folder> --by series`` does by default); and,
unless ``--lexical-only``, the analysis time with every metric, embedding distances
included (``--semantic``), twice: ``cold`` with an empty embedding store, so every message
goes through MiniLM, then ``warm``, as every later analysis, report or replay of the same
sessions runs, with the vectors read back from the store; ``warm_over_cold`` is their ratio.
Wall time depends on what else runs on the machine, so each analysis also reports the CPU
seconds it used (this process and its workers) and the cost per turn. Sessions and
embeddings go to temporary folders.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from convscope.corpus.run import analyse_corpus
from convscope.sessions.folders import find_sessions
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_folder
from convscope.sessions.pool import worker_count
from convscope.sessions.store import SessionStore

TRANSCRIPTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warroom" / "Transcripts"


def emit(figure: str, value: float, unit: str, **context: object) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **context}), flush=True)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the analysis workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def analyse(store: SessionStore, *, semantic: bool, jobs: int, turns: int, embeddings: str = "") -> float:
    paths = find_sessions(store.root)
    cpu, start = cpu_seconds(), time.perf_counter()
    analysis = analyse_corpus(paths, "series", semantic=semantic, jobs=jobs)
    wall, used = time.perf_counter() - start, cpu_seconds() - cpu
    metrics = f"all, embeddings included ({embeddings})" if semantic else "lexical and behaviour"
    workers = worker_count(len(paths), jobs)
    context = {"metrics": metrics, "sessions": len(analysis.rows), "turns": turns, "workers": workers}
    emit("analysis_time", wall, "s", **context)
    emit("analysis_cpu_time", used, "s", **context)
    emit("analysis_cpu_per_turn", 1000 * used / turns, "ms", metrics=metrics)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=Path, default=TRANSCRIPTS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--lexical-only", action="store_true", help="skip the analysis with embeddings")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as vectors:
        os.environ["CONVSCOPE_EMBEDDING_CACHE"] = vectors  # the workers inherit it: an empty store
        store = SessionStore(Path(folder))
        start = time.perf_counter()
        outcome = import_folder(importer("warroom"), args.transcripts, store)
        emit("import_time", time.perf_counter() - start, "s", sessions=len(outcome.imported))
        turns = sum(len(item.result.document.turns) for item in outcome.imported)
        analyse(store, semantic=False, jobs=args.jobs, turns=turns)
        if not args.lexical_only:
            cold = analyse(store, semantic=True, jobs=args.jobs, turns=turns, embeddings="cold")
            warm = analyse(store, semantic=True, jobs=args.jobs, turns=turns, embeddings="warm")
            emit("warm_over_cold", warm / cold, "ratio")


if __name__ == "__main__":
    main()
