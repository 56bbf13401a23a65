"""How long saving one turn takes early and late in a long session (it must not grow).

Grows sessions to 2,000+ turns through real SessionWriters in a temporary folder (set
TMPDIR to measure another disk) and times each TurnCompleted: the journal append and
its fsync. Prints one JSON line per figure, then a small table. Exits 1 if saving turn
2,000 takes more than twice as long as saving turn 10.

    .venv/bin/python bench/bench_persistence.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.events import MetricsUpdated, SessionEnded, TurnCompleted
from convscope.core.records import Turn
from convscope.sessions.store import SessionStore, SessionWriter

POINTS = (10, 2000)
WINDOW = 10  # saves timed on each side of a point, in each session
SESSIONS = 3  # sessions per point: each figure is the median of 3 x 21 saves
MAX_RATIO = 2.0
REPLY = "I think we should settle the budget before the venue; " * 15  # about 800 characters


def _turn(index: int) -> Turn:
    return Turn(
        index=index,
        round=index // 2,
        agent_id="ab"[index % 2],
        nickname="Ada" if index % 2 == 0 else "Bo",
        model="local:smollm2-135m",
        text=f"{index}: {REPLY}",
        started_at=time.time(),
        ended_at=time.time(),
        prompt_tokens=400,
        completion_tokens=180,
    )


def _config() -> SessionConfig:
    agents = tuple(
        AgentSpec(id=i, nickname=n, provider="local:smollm2-135m") for i, n in (("a", "Ada"), ("b", "Bo"))
    )
    return SessionConfig(title="persistence benchmark", rounds=10_000, agents=agents)


def _record(writer: SessionWriter, index: int) -> float:
    """Record one turn and its metrics; return how long saving the turn took, in ms."""
    event = TurnCompleted(_turn(index))
    started = time.perf_counter_ns()
    writer.on_event(event)
    elapsed = (time.perf_counter_ns() - started) / 1e6
    writer.on_event(MetricsUpdated(index, index // 2, {"similarity": 0.5, "per_agent": {"a": 1.0, "b": 2.0}}))
    return elapsed


def measure(root: Path) -> dict[str, float]:
    """Milliseconds: median save of the turns around each point, plus a snapshot and a load.

    ``SESSIONS`` sessions per point are grown to just before their point; then all their
    saves are timed in turn (short, long, short, long...) so that bursts of disk activity
    from elsewhere on the machine hit both points alike instead of skewing the ratio.
    """
    store = SessionStore(root)
    writers = {point: [store.create(_config()) for _ in range(SESSIONS)] for point in POINTS}
    for point, group in writers.items():
        for writer in group:
            for index in range(point - WINDOW):
                _record(writer, index)
    save_ms: dict[int, list[float]] = {point: [] for point in POINTS}
    for offset in range(-WINDOW, WINDOW + 1):
        for session in range(SESSIONS):
            for point in POINTS:
                save_ms[point].append(_record(writers[point][session], point + offset))
    figures = {f"save_turn_{point}_ms": statistics.median(save_ms[point]) for point in POINTS}
    longest = writers[POINTS[-1]][0]
    turns = len(longest.document.turns)
    started = time.perf_counter_ns()
    longest.on_event(SessionEnded("finished"))  # writes the snapshot of the whole session
    figures[f"snapshot_{turns}_turns_ms"] = (time.perf_counter_ns() - started) / 1e6
    for group in writers.values():
        for writer in group:
            writer.close()
    started = time.perf_counter_ns()
    store.load(longest.session_id)
    figures[f"load_{turns}_turns_ms"] = (time.perf_counter_ns() - started) / 1e6
    return figures


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="convscope-bench-") as folder:
        figures = measure(Path(folder))
    early, late = (figures[f"save_turn_{point}_ms"] for point in POINTS)
    figures["save_turn_ratio"] = late / early
    for name, value in figures.items():
        print(json.dumps({"figure": name, "value": round(value, 4)}))
    print()
    print(f"{'figure':<28}{'value':>12}")
    for name, value in figures.items():
        unit = "" if name.endswith("ratio") else " ms"
        print(f"{name:<28}{value:>9.3f}{unit}")
    ok = figures["save_turn_ratio"] <= MAX_RATIO
    print(
        f"\nsaving turn {POINTS[1]} vs turn {POINTS[0]}: {'ok' if ok else 'TOO SLOW'} (limit {MAX_RATIO:g}x)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
