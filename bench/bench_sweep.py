"""A sweep's throughput with zero-latency scripted agents, and where its time goes.

Runs the same sweep (relay sessions of 25 turns, two scripted agents that answer at once)
into a fresh folder at concurrency 1, 8 and 32: sessions per minute and turns per second,
everything included (engine, protocol, live metrics, the session files with an fsync per
turn). Then the time of one session at a time is split by adding one layer after another:
the engine alone (with its protocol and the scripted providers), then the session files,
then the live metrics. The engine's share is the figure to watch: it must stay small, so
that a sweep is bound by its models, not by us.
Prints a table, then one JSON line per figure.
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import time
from pathlib import Path

from rich.console import Console

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.protocols import tracker_for
from convscope.sessions.store import SessionStore
from convscope.sweep.run import run_sweep
from convscope.sweep.spec import Run, Sweep, SweepSpec

SESSIONS = 48
TURNS = 25


def sweep_of(sessions: int) -> Sweep:
    agents = tuple(
        AgentSpec(
            id=name,
            nickname=name,
            provider=f"scripted:text:{name} carries the story a little further, with a new detail each time.",
            params=GenerationParams(max_tokens=50),
        )
        for name in ("A", "B")
    )
    runs = [
        Run(
            {"seed": seed},
            SessionConfig(protocol="relay", rounds=TURNS, seed=seed, brief="Once.", agents=agents),
        )
        for seed in range(sessions)
    ]
    return Sweep("bench", SweepSpec(base="relay-local"), runs)


def timed_sweep(concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        state, _ = run_sweep(
            sweep_of(SESSIONS), Path(folder), concurrency=concurrency, console=Console(file=io.StringIO())
        )
        seconds = time.perf_counter() - start
    assert state.done == SESSIONS and state.failed_sessions == 0
    return seconds


async def layered_seconds(configs: list[SessionConfig], folder: Path, files: bool, metrics: bool) -> float:
    """The sessions one after another, with or without session files and the live tracker."""
    store = SessionStore(folder)
    start = time.perf_counter()
    for config in configs:
        writer = store.create(config) if files else None
        engine = Engine(
            config,
            observers=[writer.on_event] if writer else [],
            metrics=tracker_for(config) if metrics else None,
        )
        await engine.run()
        if writer:
            writer.close()
    return time.perf_counter() - start


def time_shares() -> dict[str, float]:
    """Where a session's time goes, adding one layer at a time (one session at once, best of
    two): the engine with its protocol and scripted providers, the session files, the metrics."""
    configs = [run.config for run in sweep_of(SESSIONS).runs]
    with tempfile.TemporaryDirectory() as folder:
        engine, files, full = (
            min(
                asyncio.run(layered_seconds(configs, Path(folder) / f"{i}-{k}", files=i > 0, metrics=i > 1))
                for k in range(2)
            )
            for i in range(3)
        )
    return {
        "engine": engine / full,
        "session files": (files - engine) / full,
        "metrics": (full - files) / full,
    }


def main() -> None:
    figures = []
    print(f"{'concurrency':>11} {'sessions/min':>13} {'turns/s':>9}")
    for concurrency in (1, 8, 32):
        seconds = timed_sweep(concurrency)
        per_min, per_s = SESSIONS / seconds * 60, SESSIONS * TURNS / seconds
        print(f"{concurrency:>11} {per_min:>13.0f} {per_s:>9.0f}")
        figures += [
            {
                "bench": "sweep",
                "concurrency": concurrency,
                "figure": "sessions_per_min",
                "value": round(per_min, 1),
            },
            {"bench": "sweep", "concurrency": concurrency, "figure": "turns_per_s", "value": round(per_s, 1)},
        ]
    shares = time_shares()
    print("time shares, one session at a time: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    figures += [
        {"bench": "sweep", "concurrency": 1, "figure": "time_share", "part": part, "value": round(share, 3)}
        for part, share in shares.items()
    ]
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
