"""``Engine.fork``: a branch point announced at the next turn boundary, nothing recorded."""

from __future__ import annotations

import asyncio

from convscope.core.engine import Engine
from convscope.core.events import BranchPoint, ControlApplied, TurnCompleted
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.snapshot import Snapshot
from tests.core.engine_support import EventLog, scripted_config


async def test_a_branch_point_comes_after_the_turns_before_it_are_measured_and_the_run_goes_on() -> None:
    engine = Engine(scripted_config("x", "y", "z", rounds=2), metrics=MetricsTracker())
    log = EventLog(engine)

    def fork_after_turn_1(event: object) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            engine.fork()

    engine.subscribe(fork_after_turn_1)
    await engine.run()
    [point] = log.of(BranchPoint)
    assert point == BranchPoint(2)
    before = log.events[: log.events.index(point)]
    assert {e.turn_index for e in before if isinstance(e, Snapshot)} == {0, 1}  # measured first
    assert log.of(ControlApplied) == [] and len(engine.transcript) == 6


async def test_a_paused_engine_announces_the_branch_point_at_once() -> None:
    engine = Engine(scripted_config("x", rounds=2), start_paused=True)
    log = EventLog(engine)
    task = asyncio.create_task(engine.run())
    engine.fork()
    while not log.of(BranchPoint):
        await asyncio.sleep(0.01)
    assert log.of(BranchPoint) == [BranchPoint(0)] and engine.state == "paused"
    engine.stop()
    await asyncio.wait_for(task, 5)
