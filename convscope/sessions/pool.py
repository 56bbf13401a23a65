"""One job per saved session, spread over worker processes: what a corpus analysis and a
group comparison do to every session of a folder.

Each session is independent, so the work spreads over processes (``jobs``; default one
per core) and only the small results travel back. A worker first spends about 2 s of CPU
importing what it needs, as long as half a dozen War Room sessions take to analyse, so a
worker is started only for every MIN_SESSIONS_PER_WORKER sessions: three sessions are
analysed in the calling process (2 s instead of 5 s on 2 cores). A file that is not a readable
session comes back as (path, why) instead of a result: reported, never silently left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

from convscope.sessions.errors import CorruptSessionError, SessionNotFoundError

T = TypeVar("T")
Skipped = tuple[str, str]  # (path, why)
MIN_SESSIONS_PER_WORKER = 8
JOBS_HELP = f"worker processes, at most (default: one per core; one per {MIN_SESSIONS_PER_WORKER} sessions)"


def _or_reason(work: Callable[[Path], T], path: Path) -> T | Skipped:
    try:
        return work(path)
    except (CorruptSessionError, SessionNotFoundError, OSError) as exc:
        return str(path), str(exc)


def _limit_threads(threads: int) -> None:
    """Workers share the cores: torch (embeddings) must not start one thread per core in each."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def worker_count(sessions: int, jobs: int | None = None) -> int:
    """Worker processes for ``sessions`` sessions: at most ``jobs`` (default one per core), one
    per MIN_SESSIONS_PER_WORKER sessions; 0 means the calling process does the work."""
    workers = min(jobs or os.cpu_count() or 1, sessions // MIN_SESSIONS_PER_WORKER)
    return workers if workers > 1 else 0


def map_sessions(
    work: Callable[[Path], T], paths: Sequence[Path], jobs: int | None = None
) -> Iterator[T | Skipped]:
    """``work(path)`` for each path, in order; ``work`` must be picklable (a module-level
    function, or a ``functools.partial`` of one)."""
    workers = worker_count(len(paths), jobs)
    if not workers:
        yield from map(_or_reason, repeat(work), paths)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = get_context("spawn")  # never fork a process that may hold torch threads
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_limit_threads, initargs=(threads,)
    ) as pool:
        yield from pool.map(_or_reason, repeat(work), paths, chunksize=2)
