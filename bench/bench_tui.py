"""The live screen under load: scripted agents streaming into a headless app.

An opinion network of N scripted agents (N = 3, 8, 20) answers in simultaneous rounds,
so N panes stream at once, through the real engine (on its own thread), the bridge and
the live screen. Two loads per N:

- ``max``: no delay between chunks, the agents stream as fast as they can;
- ``paced``: each agent streams 200 chunks (tokens) per second, on a drift-free
  schedule (the target load: 8 panes at 200 tokens/s each).

Figures: tokens streamed per second by each agent while it speaks (per_agent), by all
agents over the whole run (offered), tokens drawn into panes per second (rendered), the
worst lateness of a 5 ms timer on the UI loop while the agents stream (stall; the app's
start-up, before the first turn, is not counted), and lost tokens: at every turn's end
the pane must hold exactly the scripted reply. One JSON line per figure; exits 1 if the
target (8 panes paced: no stall over 100 ms, no token lost, everything offered rendered)
is missed.

    .venv/bin/python bench/bench_tui.py
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import TurnCompleted, TurnStarted
from convscope.core.protocols import tracker_for
from convscope.core.providers.base import Provider
from convscope.core.providers.factory import build_provider
from convscope.core.providers.scripted import ScriptedProvider, parse_target, split_chunks
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.messages import EngineEvent, TokensFlushed
from convscope.tui.responsiveness import keep_ui_responsive
from convscope.tui.screens.live import LiveScreen

PANES = (3, 8, 20)
PACED_RATE = 200.0  # chunks per second per agent
ROUNDS = {"max": 30, "paced": 6}  # a few seconds of streaming either way
WORDS = 100
TARGET_PANES, TARGET_LOAD, TARGET_STALL_MS = 8, "paced", 100.0
BASELINE_S = 3.0
TICK_S = 0.005


def reply(agent: int) -> str:
    words = " ".join(f"w{agent}x{i}" for i in range(WORDS - 6))
    return f"Agent {agent} says: opinion 0.5, {words}."


def config(panes: int, rounds: int) -> SessionConfig:
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=f"Agent-{i}", provider=f"scripted:text:{reply(i)}")
        for i in range(panes)
    )
    options = {"graph": "complete", "scorer": "pattern", "topic": "Remote work"}
    return SessionConfig(title="bench", protocol="network", rounds=rounds, agents=agents, options=options)


class MeasuredLiveScreen(LiveScreen):
    """The live screen, plus counters. Textual calls these handlers before LiveScreen's own."""

    def __init__(self, session: SessionRuntime) -> None:
        super().__init__(session)
        self.rendered = 0
        self.lost = 0
        self.first_start: float | None = None
        self.last_end = 0.0

    def on_tokens_flushed(self, message: TokensFlushed) -> None:
        self.rendered += message.deltas

    def on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        if isinstance(event, TurnStarted) and self.first_start is None:
            self.first_start = time.perf_counter()
        elif isinstance(event, TurnCompleted):
            self.last_end = time.perf_counter()
            expected = reply(int(event.turn.agent_id[1:]))
            shown = self.deck.panes[event.turn.agent_id].text  # before LiveScreen replaces it
            if shown != expected:
                self.lost += abs(len(split_chunks(expected)) - len(split_chunks(shown))) or 1


class Pacer:
    """A ScriptedProvider ``sleep`` that keeps a stream on a fixed rate whatever the loop's jitter."""

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self.due = 0.0

    async def sleep(self, _: float) -> None:
        now = time.perf_counter()
        self.due = now if now > self.due + 0.1 else self.due + self.interval  # a gap: a new turn
        await asyncio.sleep(max(0.0, self.due - now))


def paced_provider(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
    text = parse_target(agent.provider.removeprefix("scripted:")).replies
    return ScriptedProvider(
        agent.provider, replies=text, delay_s=1 / PACED_RATE, sleep=Pacer(PACED_RATE).sleep
    )


def live_session(panes: int, load: str) -> SessionRuntime:
    """A live session like the TUI's, with the paced providers when asked for."""
    settings = config(panes, ROUNDS[load])
    store = SessionStore()
    writer = store.create(settings)
    tracker = tracker_for(settings)
    factory = paced_provider if load == "paced" else build_provider
    engine = Engine(settings, metrics=tracker, provider_factory=factory)
    return SessionRuntime(store, writer, engine, tracker)


@dataclass
class Result:
    panes: int
    load: str
    per_agent: float
    offered: float
    rendered: float
    stall_ms: float
    lost: int
    turns: int


async def worst_lateness(done: Callable[[], bool], counting: Callable[[], bool] = lambda: True) -> float:
    """The worst lateness of a TICK_S sleep on this loop until ``done()``, in ms."""
    worst = 0.0
    while not done():
        before = time.perf_counter()
        await asyncio.sleep(TICK_S)
        if counting():
            worst = max(worst, time.perf_counter() - before - TICK_S)
    return worst * 1000


async def idle_baseline() -> float:
    """The same timer on an idle loop: the machine's own noise floor."""
    end = time.perf_counter() + BASELINE_S
    return await worst_lateness(lambda: time.perf_counter() > end)


async def measure(panes: int, load: str) -> Result:
    session = live_session(panes, load)
    screen = MeasuredLiveScreen(session)
    app = ConvscopeApp(lambda: screen, store=session.store)
    keep_ui_responsive()  # as run_tui does
    async with app.run_test(size=(160, 48)) as pilot:
        stall = await worst_lateness(lambda: screen.ended is not None, lambda: screen.first_start is not None)
        await pilot.pause()
    turns = session.engine.transcript
    seconds = max(1e-9, screen.last_end - (screen.first_start or screen.last_end))
    chunks = [len(split_chunks(turn.text)) for turn in turns]
    per_agent = statistics.mean(
        n / max(1e-9, t.ended_at - t.started_at) for n, t in zip(chunks, turns, strict=True)
    )
    offered, rendered = sum(chunks) / seconds, screen.rendered / seconds
    return Result(panes, load, per_agent, offered, rendered, stall, screen.lost, len(turns))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="convscope-bench-") as home:
        os.environ["CONVSCOPE_HOME"] = home  # the bench's sessions never reach the user's list
        baseline = asyncio.run(idle_baseline())
        results = [asyncio.run(measure(panes, load)) for panes in PANES for load in ("max", "paced")]
    print(f"idle loop worst lateness: {baseline:.1f} ms (the machine's noise floor)")
    header = ("panes", "load", "per agent tok/s", "offered tok/s", "rendered tok/s", "stall ms", "lost")
    print("{:>5} {:>6} {:>16} {:>14} {:>15} {:>9} {:>5}".format(*header))
    for r in results:
        row = (
            r.panes,
            r.load,
            f"{r.per_agent:.0f}",
            f"{r.offered:.0f}",
            f"{r.rendered:.0f}",
            f"{r.stall_ms:.1f}",
            r.lost,
        )
        print("{:>5} {:>6} {:>16} {:>14} {:>15} {:>9} {:>5}".format(*row))
    for r in results:
        figures = {
            "per_agent_tokens_per_s": round(r.per_agent, 1),
            "offered_tokens_per_s": round(r.offered, 1),
            "rendered_tokens_per_s": round(r.rendered, 1),
            "worst_stall_ms": round(r.stall_ms, 1),
            "lost_tokens": r.lost,
        }
        for figure, value in figures.items():
            print(
                json.dumps(
                    {"bench": "tui", "panes": r.panes, "load": r.load, "figure": figure, "value": value}
                )
            )
    print(json.dumps({"bench": "tui", "figure": "idle_loop_worst_lateness_ms", "value": round(baseline, 1)}))
    target = next(r for r in results if r.panes == TARGET_PANES and r.load == TARGET_LOAD)
    met = target.stall_ms <= TARGET_STALL_MS and target.lost == 0 and target.rendered == target.offered
    goal = f"{TARGET_PANES} panes {TARGET_LOAD}: stall <= {TARGET_STALL_MS:g} ms, no token lost"
    print(json.dumps({"bench": "tui", "figure": "target_met", "value": met, "target": goal}))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
