"""Running a sweep: its sessions concurrently in one event loop (or as Ray tasks), skipping
those already finished, with a progress bar, then the aggregate CSV.

Every run takes the same path: the session is created (and entered in the ledger) first,
then opened and run like ``convscope resume``. So a run interrupted at any point, in this
process or on a Ray worker, continues from its last saved turn next time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from convscope.core.events import Event, TurnCompleted, TurnFailed
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore
from convscope.sweep.folder import SweepFolder
from convscope.sweep.results import Row, session_row
from convscope.sweep.spec import Run, Scalar, Sweep

Point = dict[str, Scalar]
TurnHook = Callable[[bool], None]  # called with "failed?" after every turn


@dataclass(frozen=True)
class Outcome:
    """How one run ended: its result row, or the error that stopped it."""

    key: str
    session_id: str
    row: Row | None = None
    error: str | None = None


async def run_session(store: SessionStore, session_id: str, on_turn: TurnHook | None = None) -> Row:
    """Run (or continue) a saved session to its end; its result row."""
    document = store.load(session_id)
    if document.status == "finished":  # it ended before its row was saved: only the row is missing
        return await session_row(document)
    runtime = SessionRuntime.resume(session_id, store=store)
    if on_turn is not None:
        hook = on_turn

        def count(event: Event) -> None:
            if isinstance(event, TurnCompleted | TurnFailed):
                hook(event.turn.failed)

        runtime.subscribe(count)
    await runtime.run()
    return await session_row(store.load(session_id))


@dataclass
class SweepProgress:
    """Counts shown on the progress bar (and in the closing summary)."""

    total: int
    done: int = 0
    skipped: int = 0
    failed_sessions: int = 0
    turns: int = 0
    failed_turns: int = 0
    started: float = field(default_factory=time.monotonic)
    progress: Progress | None = None
    task: TaskID | None = None

    def turn(self, failed: bool) -> None:
        self.add_turns(1, int(failed))

    def add_turns(self, count: int, failed: int) -> None:
        self.turns += count
        self.failed_turns += failed
        self._refresh()

    def finished(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome.error is not None:
            self.failed_sessions += 1
            if self.progress is not None:
                self.progress.console.print(
                    f"session {outcome.session_id} ({outcome.key}) failed: {outcome.error}", markup=False
                )
        self._refresh()

    @property
    def failures(self) -> str:
        return f"{self.failed_turns} failed turns, {self.failed_sessions} failed sessions"

    def _refresh(self) -> None:
        if self.progress is None or self.task is None:
            return
        rate = self.turns / max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, completed=self.done, rate=rate, failures=self.failures)


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sessions · {task.fields[rate]:.1f} turns/s · {task.fields[failures]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


def prepare(folder: SweepFolder, sweep: Sweep, run: Run) -> str:
    """The run's session id; a new run gets its session created and entered in the ledger."""

    def create() -> str:
        writer = folder.sessions.create(run.config, provenance={"sweep": sweep.name, "point": run.point})
        writer.close()
        return writer.session_id

    return folder.session_for(run.key, create)


async def run_local(
    folder: SweepFolder, sweep: Sweep, todo: list[Run], state: SweepProgress, limit: int
) -> None:
    """The sessions of ``todo``, at most ``limit`` at once, in this process's event loop."""
    gate = asyncio.Semaphore(limit)

    async def one(run: Run) -> None:
        async with gate:
            session_id = prepare(folder, sweep, run)
            try:
                row = await run_session(folder.sessions, session_id, state.turn)
                folder.save_result(row)
                outcome = Outcome(run.key, session_id, row)
            except Exception as error:  # one broken session must not sink the sweep
                outcome = Outcome(run.key, session_id, error=f"{type(error).__name__}: {error}")
            state.finished(outcome)

    await asyncio.gather(*(one(run) for run in todo))


def collect(folder: SweepFolder, sweep: Sweep) -> list[tuple[Point, Row]]:
    """(point, row) of every finished run, in grid order."""
    rows = []
    for run in sweep.runs:
        row = folder.result(folder.ledger[run.key]) if folder.finished(run.key) else None
        if row is not None:
            rows.append((dict(run.point), row))
    return rows


def run_sweep(
    sweep: Sweep,
    root: Path,
    *,
    concurrency: int | None = None,
    ray_address: str | None = None,
    console: Console | None = None,
) -> tuple[SweepProgress, list[tuple[Point, Row]]]:
    """Run what is left of a sweep into ``root``; the counts, and every finished run's row."""
    console = console or Console(stderr=True)
    folder = SweepFolder(root)
    todo = [run for run in sweep.runs if not folder.finished(run.key)]
    limit = concurrency or sweep.spec.concurrency
    state = SweepProgress(total=len(sweep.runs), done=len(sweep.runs) - len(todo))
    state.skipped = state.done
    with progress_bar(console) as progress:
        state.progress = progress
        state.task = progress.add_task(
            sweep.name, total=state.total, completed=state.done, rate=0.0, failures=state.failures
        )
        if ray_address is None:
            asyncio.run(run_local(folder, sweep, todo, state, limit))
        else:
            from convscope.sweep.ray_backend import run_on_ray

            run_on_ray(folder, sweep, todo, state, limit, address=ray_address)
    rows = collect(folder, sweep)
    folder.write_csv(rows)
    return state, rows
