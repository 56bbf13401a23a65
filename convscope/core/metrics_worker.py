"""Measures finished turns beside the engine, so that no agent waits for the metrics.

The engine hands each finished batch of turns (and each round's end) to the worker and
starts the next turns at once. The worker computes on a thread of its own, in the order
it was given, and emits each ``MetricsUpdated`` back on the engine's loop: observers
still see every event from one thread, and metric events in turn order.

Turns queued together are measured together: while the worker is busy, the turns that
finish meanwhile wait in its queue and their embeddings are then computed in one batch
(a network round always arrives as one batch). The engine waits for the worker
(:meth:`MetricsWorker.drained`) only where the numbers must be complete: before a
command takes effect, before the session ends, and before planning a turn whose
protocol says it reads them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from convscope.core.events import MetricsUpdated
from convscope.core.records import ControlRecord, Turn

T = TypeVar("T")


class MetricsHook(Protocol):
    """What the engine asks of a metrics tracker; runs in the worker's thread."""

    def prepare(self, turns: Sequence[Turn]) -> None: ...

    def observe(self, turn: Turn) -> dict[str, Any]: ...

    def end_round(self, round_index: int) -> dict[str, Any]: ...

    def apply_control(self, record: ControlRecord) -> None: ...


@dataclass(frozen=True)
class _RoundEnd:
    round: int


class MetricsWorker:
    """One session's measuring, on one thread; ``start`` and every other call on the engine's loop."""

    def __init__(self, hook: MetricsHook, emit: Callable[[MetricsUpdated], None]) -> None:
        self._hook = hook
        self._emit = emit
        self._jobs: deque[Turn | _RoundEnd] = deque()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convscope-metrics")
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._work(), name="convscope-metrics")

    def measure(self, turns: Sequence[Turn]) -> None:
        """Queue finished turns (in index order) to be measured."""
        self._queue(*turns)

    def end_round(self, round_index: int) -> None:
        """Queue the snapshot of a round (a round's snapshot has no turn index)."""
        self._queue(_RoundEnd(round_index))

    async def drained(self) -> None:
        """Wait until everything queued has been measured and emitted; a failure of the
        tracker (a bug) is raised here, to end the session like any other crash."""
        self._raise_failure()
        if not self._idle.is_set():
            idle = asyncio.ensure_future(self._idle.wait())
            try:  # the worker task ends only by failing: then it is not going to be idle
                await asyncio.wait([idle, self._running()], return_when=asyncio.FIRST_COMPLETED)
            finally:
                idle.cancel()
        self._raise_failure()

    async def close(self) -> None:
        """Stop the worker; what is still queued is dropped (``drained`` first to keep it)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._thread.shutdown(wait=False, cancel_futures=True)

    def _queue(self, *jobs: Turn | _RoundEnd) -> None:
        self._raise_failure()
        self._jobs.extend(jobs)
        self._idle.clear()
        self._wake.set()

    def _running(self) -> asyncio.Task[None]:
        if self._task is None:
            raise RuntimeError("the metrics worker was not started")
        return self._task

    def _raise_failure(self) -> None:
        if self._task is not None and self._task.done() and not self._task.cancelled():
            self._task.result()  # raises the tracker's exception

    async def _work(self) -> None:
        while True:
            if not self._jobs:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._jobs.popleft()
            if isinstance(job, _RoundEnd):
                values = await self._off_loop(self._hook.end_round, job.round)
                if values:
                    self._emit(MetricsUpdated(None, job.round, values))
                continue
            turns = [job]
            while self._jobs and isinstance(following := self._jobs[0], Turn):
                self._jobs.popleft()
                turns.append(following)
            await self._off_loop(self._hook.prepare, turns)
            for turn in turns:
                values = await self._off_loop(self._hook.observe, turn)
                self._emit(MetricsUpdated(turn.index, turn.round, values))

    async def _off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)
