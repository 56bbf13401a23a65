"""``convscope sweep``: run a sweep file, then say where the results are and what they show."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from convscope.core.environment import data_home
from convscope.core.metrics.catalogue import LOOP_DETECTED
from convscope.core.protocols import protocol_class
from convscope.sweep.results import Row
from convscope.sweep.run import Point, run_sweep
from convscope.sweep.spec import load_sweep


def sweeps_dir() -> Path:
    return data_home() / "sweeps"


def loop_share(rows: list[tuple[Point, Row]]) -> tuple[int, int] | None:
    """(sessions that fell into a loop, sessions with loop detection), for a relay sweep's summary."""
    flags = [row[LOOP_DETECTED.key] for _, row in rows if isinstance(row.get(LOOP_DETECTED.key), bool)]
    return (sum(flags), len(flags)) if flags else None


def sweep_command(spec: Path, *, out: Path | None, concurrency: int | None, ray_address: str | None) -> int:
    """0 when every session ran to its end (failed turns included), 1 when some session broke."""
    sweep = load_sweep(spec)
    root = out or sweeps_dir() / sweep.name
    console = Console(stderr=True, highlight=False)
    state, rows = run_sweep(sweep, root, concurrency=concurrency, ray_address=ray_address, console=console)
    ran = state.done - state.skipped
    console.print(
        f"sweep {sweep.name}: {len(rows)} of {state.total} sessions finished "
        f"({state.skipped} already done, {ran} run now, {state.failed_sessions} failed) in {root}"
    )
    console.print(f"results: {root / 'results.csv'}")
    share = (
        loop_share(rows) if sweep.runs and protocol_class(sweep.runs[0].config).measures.loop_share else None
    )
    if share is not None:
        looped, total = share
        console.print(f"loops: {looped} of {total} sessions fell into a loop ({looped / total:.0%})")
    return 1 if state.failed_sessions else 0
