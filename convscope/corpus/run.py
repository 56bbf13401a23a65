"""Finding the sessions under a folder and boiling each one down, in worker processes.

Each session is independent, so the work spreads over processes (``jobs``; default one
per core) and only the small rows travel back. A file that is not a readable session is
reported with the reason, not silently left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path

from convscope.corpus.groups import GroupStats, compare_to, group_rows
from convscope.corpus.paper import PAPER, PAPER_REFERENCE, PaperSeries
from convscope.corpus.sessions import SessionRow, row_of_path
from convscope.sessions.errors import CorruptSessionError, SessionNotFoundError

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class CorpusAnalysis:
    by: str
    rows: list[SessionRow]
    groups: dict[str, GroupStats]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    paper: dict[str, PaperSeries] = field(default_factory=dict)  # published figures, when they apply


def _row_or_reason(path: Path, by: str, semantic: bool) -> SessionRow | tuple[str, str]:
    try:
        return row_of_path(path, by, semantic)
    except (CorruptSessionError, SessionNotFoundError, OSError) as exc:
        return str(path), str(exc)


def _limit_threads(threads: int) -> None:
    """Workers share the cores: torch (embeddings) must not start one thread per core in each."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _results(paths: list[Path], by: str, semantic: bool, jobs: int) -> Iterator[SessionRow | tuple[str, str]]:
    if jobs <= 1 or len(paths) <= 1:
        yield from map(_row_or_reason, paths, repeat(by), repeat(semantic))
        return
    workers = min(jobs, len(paths))
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = get_context("spawn")  # never fork a process that may hold torch threads
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_limit_threads, initargs=(threads,)
    ) as pool:
        yield from pool.map(_row_or_reason, paths, repeat(by), repeat(semantic), chunksize=2)


def analyse_corpus(
    paths: Iterable[Path],
    by: str,
    *,
    semantic: bool = False,
    jobs: int | None = None,
    versus: str | None = None,
    progress: Progress | None = None,
) -> CorpusAnalysis:
    """Every session in ``paths`` grouped by the field ``by``; see ``convscope.corpus.groups``.

    ``versus`` names a reference group for the Mann-Whitney comparisons. The published War
    Room figures come along when the sessions are War Room imports grouped by series, and
    the comparisons are then against Series A unless ``versus`` says otherwise.
    """
    targets = list(paths)
    rows: list[SessionRow] = []
    skipped: list[tuple[str, str]] = []
    for done, result in enumerate(_results(targets, by, semantic, jobs or os.cpu_count() or 1), 1):
        if isinstance(result, SessionRow):
            rows.append(result)
        else:
            skipped.append(result)
        if progress is not None:
            progress(done, len(targets))
    groups = group_rows(rows)
    warroom = by == "series" and bool(rows) and all(row.source == "warroom" for row in rows)
    if versus is None and warroom and PAPER_REFERENCE in groups:
        versus = PAPER_REFERENCE
    if versus is not None:
        groups = compare_to(groups, versus)
    paper = {name: PAPER[name] for name in groups if name in PAPER} if warroom else {}
    return CorpusAnalysis(by, rows, groups, skipped, paper)
