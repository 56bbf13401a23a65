"""Interrupt: the turn in flight is cut at once and keeps what it had streamed, marked
interrupted (not failed); the session pauses, and resuming runs the next turn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import ControlApplied, Event, TokenDelta, TurnCompleted
from convscope.core.records import Paused, Turn
from tests.core.engine_support import EventLog

SLOW_WORDS = "scripted:text:one two three four five six seven eight nine ten?delay=0.15"


def two_agents(rounds: int = 1) -> SessionConfig:
    agents = (
        AgentSpec(id="a", nickname="A", provider=SLOW_WORDS),
        AgentSpec(id="b", nickname="B", provider="scripted:echo"),
    )
    return SessionConfig(brief="Speak.", rounds=rounds, agents=agents)


def interrupt_after_tokens(engine: Engine, tokens: int) -> None:
    seen: list[str] = []

    def observer(event: Event) -> None:
        if isinstance(event, TokenDelta) and event.turn_index == 0:
            seen.append(event.text)
            if len(seen) == tokens:
                engine.interrupt()

    engine.subscribe(observer)


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_an_interrupted_turn_keeps_its_partial_text_marked_interrupted_then_pauses() -> None:
    engine = Engine(two_agents())
    log = EventLog(engine)
    interrupt_after_tokens(engine, 2)
    started = time.monotonic()
    task = asyncio.create_task(engine.run())
    await wait_until(lambda: engine.state == "paused")

    [turn] = engine.transcript
    assert time.monotonic() - started < 1.0  # ten words at 0.15 s would take 1.5 s
    assert turn.interrupted and turn.cut_by == "interrupt"
    assert not turn.failed and turn.error is None
    assert 2 <= len(turn.text.split()) < 10 and turn.text.startswith("one two")
    assert log.of(TurnCompleted)[0].turn == turn
    assert [type(event.record) for event in log.of(ControlApplied)] == [Paused]

    engine.resume()
    await asyncio.wait_for(task, 5)
    assert [t.agent_id for t in engine.transcript] == ["a", "b"]
    assert turn.text.strip() in engine.transcript[1].text  # the next agent read the partial text


async def test_pause_lets_the_turn_finish_where_interrupt_cuts_it() -> None:
    engine = Engine(two_agents())
    seen: list[str] = []

    def pause_after_two(event: Event) -> None:
        if isinstance(event, TokenDelta) and event.turn_index == 0:
            seen.append(event.text)
            if len(seen) == 2:
                engine.pause()

    engine.subscribe(pause_after_two)
    task = asyncio.create_task(engine.run())
    await wait_until(lambda: engine.state == "paused")
    [turn] = engine.transcript
    assert turn.cut_by is None and len(turn.text.split()) == 10
    engine.stop()
    await asyncio.wait_for(task, 5)


async def test_interrupt_from_another_thread_cuts_the_turn() -> None:
    engine = Engine(two_agents())
    task = asyncio.create_task(engine.run())
    await wait_until(lambda: bool(engine.in_flight))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(engine.interrupt)
    await wait_until(lambda: engine.state == "paused")
    assert engine.transcript[0].interrupted
    engine.stop()
    await asyncio.wait_for(task, 5)


async def test_interrupt_between_turns_only_pauses() -> None:
    engine = Engine(two_agents(), start_paused=True)
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(0.05)
    engine.interrupt()
    engine.stop()
    await asyncio.wait_for(task, 5)
    assert engine.transcript == []


async def test_interrupt_cuts_every_turn_of_a_simultaneous_batch() -> None:
    agents = tuple(AgentSpec(id=f"a{i}", nickname=f"A{i}", provider=SLOW_WORDS) for i in range(3))
    config = SessionConfig(
        protocol="network", brief="", rounds=2, agents=agents, max_concurrency=2, options={"topic": "Tea"}
    )
    engine = Engine(config)
    interrupt_after_tokens(engine, 2)
    task = asyncio.create_task(engine.run())
    await wait_until(lambda: engine.state == "paused")
    assert len(engine.transcript) == 3
    assert all(turn.interrupted for turn in engine.transcript)  # the one waiting for its provider too
    assert all(len(turn.text.split()) < 10 for turn in engine.transcript)
    engine.stop()
    await asyncio.wait_for(task, 5)


async def test_an_interrupt_cuts_only_the_turn_in_flight_not_the_rerun_after_it() -> None:
    config = two_agents(rounds=2)
    failed = [
        Turn(
            index=i,
            round=0,
            agent_id="a",
            nickname="A",
            model=SLOW_WORDS,
            started_at=0,
            ended_at=0,
            error="overloaded",
            error_kind="transient",
        )
        for i in (0, 2)
    ]
    first_b = Turn(
        index=1, round=0, agent_id="b", nickname="B", model="scripted:echo", started_at=0, ended_at=0
    )
    engine = Engine(
        config, transcript=[failed[0], first_b, failed[1].model_copy(update={"round": 1})], retry_failed=True
    )
    interrupt_after_tokens(engine, 2)
    task = asyncio.create_task(engine.run())
    await wait_until(lambda: engine.state == "paused" and not engine.in_flight)
    first, _, second = engine.transcript[:3]
    assert first.interrupted and second.rerun and second.cut_by is None and len(second.text.split()) == 10
    engine.stop()
    await asyncio.wait_for(task, 5)
