"""Worker processes for a folder of sessions: started only where they pay for their start-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from convscope.sessions.pool import MIN_SESSIONS_PER_WORKER, map_sessions, worker_count


def _process_of(path: Path) -> tuple[str, int]:
    return path.name, os.getpid()


@pytest.mark.parametrize(
    ("sessions", "jobs", "workers"),
    [
        (3, 2, 0),  # a handful: the calling process, no start-up to pay
        (MIN_SESSIONS_PER_WORKER, 4, 0),  # one worker would only add its start-up
        (2 * MIN_SESSIONS_PER_WORKER, 2, 2),
        (3 * MIN_SESSIONS_PER_WORKER, 4, 3),  # one per MIN_SESSIONS_PER_WORKER sessions
        (2 * MIN_SESSIONS_PER_WORKER - 1, 4, 0),  # whole shares only: 15 sessions are one worker's
        (200, 2, 2),  # never more than asked
        (200, 1, 0),
    ],
)
def test_a_worker_is_started_per_min_sessions_up_to_the_jobs_asked(
    sessions: int, jobs: int, workers: int
) -> None:
    assert worker_count(sessions, jobs) == workers


def test_a_few_sessions_are_read_in_the_calling_process_and_many_in_workers_in_order() -> None:
    few = [Path(f"s{i}") for i in range(3)]
    assert list(map_sessions(_process_of, few, jobs=2)) == [(p.name, os.getpid()) for p in few]
    many = [Path(f"s{i}") for i in range(2 * MIN_SESSIONS_PER_WORKER)]
    results = list(map_sessions(_process_of, many, jobs=2))
    assert [name for name, _ in results] == [p.name for p in many]
    assert os.getpid() not in {pid for _, pid in results}


def test_without_jobs_there_is_one_worker_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert worker_count(200) == 4
    assert worker_count(3 * MIN_SESSIONS_PER_WORKER) == 3
