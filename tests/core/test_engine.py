"""The engine's contract: turns in protocol order, commands at turn boundaries, failures contained."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from convscope.core.agents import AgentSpec
from convscope.core.engine import Engine
from convscope.core.events import (
    ControlApplied,
    RoundCompleted,
    SessionEnded,
    TokenDelta,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.providers.base import ChatRequest, Provider, StreamItem
from convscope.core.providers.factory import build_provider
from convscope.core.records import Renamed
from tests.core.engine_support import EventLog, scripted_config


async def test_runs_every_agent_once_per_round_in_order_then_finishes() -> None:
    engine = Engine(scripted_config("alpha", "beta", "gamma", rounds=2))
    log = EventLog(engine)
    await engine.run()
    turns = [e.turn for e in log.of(TurnCompleted)]
    assert [(t.round, t.agent_id) for t in turns] == [
        (0, "a0"),
        (0, "a1"),
        (0, "a2"),
        (1, "a0"),
        (1, "a1"),
        (1, "a2"),
    ]
    assert [t.text for t in turns[:3]] == ["alpha", "beta", "gamma"]
    assert [t.index for t in turns] == list(range(6))
    assert [e.round for e in log.of(RoundCompleted)] == [0, 1]
    assert log.events[-1] == SessionEnded("finished")
    assert engine.state == "finished"


async def test_streamed_deltas_concatenate_to_the_recorded_text() -> None:
    engine = Engine(scripted_config("one two  three\nfour", rounds=1))
    log = EventLog(engine)
    await engine.run()
    assert "".join(d.text for d in log.of(TokenDelta)) == "one two  three\nfour"


async def test_pause_takes_effect_after_the_turn_in_flight_and_resume_continues() -> None:
    engine = Engine(scripted_config("x", "y", "z", rounds=2))
    log = EventLog(engine)

    def pause_during_first_turn(event: object) -> None:
        if isinstance(event, TokenDelta) and event.turn_index == 0:
            engine.pause()

    engine.subscribe(pause_during_first_turn)
    task = asyncio.create_task(engine.run())
    while engine.state != "paused":
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert len(engine.transcript) == 1  # the turn in flight finished; nothing started since
    assert len(log.of(TurnStarted)) == 1
    engine.resume()
    await asyncio.wait_for(task, 5)
    controls = [e.record for e in log.of(ControlApplied)]
    assert [(c.kind, c.turn_index) for c in controls] == [("paused", 1), ("resumed", 1)]
    assert len(engine.transcript) == 6


async def test_step_runs_exactly_one_turn_then_pauses_again() -> None:
    engine = Engine(scripted_config("x", "y", "z", rounds=2), start_paused=True)
    log = EventLog(engine)
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(0.05)
    assert engine.transcript == []
    for expected in (1, 2):
        engine.step()
        while len(engine.transcript) < expected or engine.state != "paused":
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert len(engine.transcript) == expected
    engine.stop()
    await asyncio.wait_for(task, 5)
    kinds = [(e.record.kind, e.record.turn_index) for e in log.of(ControlApplied)]
    assert kinds == [("stepped", 0), ("paused", 1), ("stepped", 1), ("paused", 2), ("stopped", 2)]
    assert log.events[-1] == SessionEnded("stopped")


async def test_a_step_that_runs_the_last_turn_finishes_the_session_instead_of_pausing() -> None:
    engine = Engine(scripted_config("x", "y", rounds=1), start_paused=True)
    log = EventLog(engine)
    task = asyncio.create_task(engine.run())
    for _ in range(2):
        engine.step()
        await asyncio.sleep(0.05)
    await asyncio.wait_for(task, 5)
    assert len(engine.transcript) == 2
    assert engine.state == "finished" and log.events[-1] == SessionEnded("finished")
    kinds = [(e.record.kind, e.record.turn_index) for e in log.of(ControlApplied)]
    assert kinds == [("stepped", 0), ("paused", 1), ("stepped", 1)]  # no pause after the last


async def test_rename_changes_later_prompts_and_keeps_earlier_turns_under_the_old_name() -> None:
    engine = Engine(scripted_config("x", "y", "z", rounds=2))
    log = EventLog(engine)

    def rename_after_second_turn(event: object) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            engine.rename("a1", "Bob")

    engine.subscribe(rename_after_second_turn)
    await engine.run()
    turns = engine.transcript
    assert [t.nickname for t in turns if t.agent_id == "a1"] == ["Agent-B", "Bob"]
    third_prompt = log.prompts[2]  # Agent-C, round 0, after the rename
    assert third_prompt[0].content == "You are Agent-C in a group chat.\nOther agents: Agent-A, Bob"
    assert "Agent-B: y" in third_prompt[-1].content  # the earlier line keeps the name it was said under
    fifth_prompt = log.prompts[4]  # Bob's own next turn
    assert fifth_prompt[0].content.startswith("You are Bob in a group chat.")
    [rename] = [e.record for e in log.of(ControlApplied)]
    assert rename == Renamed(turn_index=2, at=rename.at, agent_id="a1", name="Bob", previous="Agent-B")


async def test_injected_failure_fails_that_agent_visibly_while_the_others_go_on_until_cleared() -> None:
    engine = Engine(scripted_config("x", "y", "z", rounds=3))
    log = EventLog(engine)

    def control(event: object) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 0:
            engine.inject_failure("a1", "decommissioned")
        if isinstance(event, TurnFailed) and event.turn.round == 1:
            engine.clear_failure("a1")

    engine.subscribe(control)
    await engine.run()
    b_turns = [t for t in engine.transcript if t.agent_id == "a1"]
    assert [t.failed for t in b_turns] == [True, True, False]
    assert b_turns[0].error_kind == "permanent" and b_turns[0].error
    assert all(not t.failed for t in engine.transcript if t.agent_id != "a1")
    assert f"Agent-B: ⚠ {b_turns[0].error}" in log.prompts[2][-1].content  # the others see the crash
    records = [(e.record.kind, e.record.turn_index) for e in log.of(ControlApplied)]
    assert records == [("failure_injected", 1), ("failure_cleared", 5)]


async def test_a_failing_agent_configured_as_decommissioned_fails_every_turn_and_the_session_ends() -> None:
    config = scripted_config("x", "y", rounds=2)
    agents = (
        *config.agents,
        AgentSpec(id="dead", nickname="Agent-Z", provider="scripted:text:z", failure="decommissioned"),
    )
    engine = Engine(config.model_copy(update={"agents": agents}))
    await engine.run()
    assert [t.failed for t in engine.transcript] == [False, False, True] * 2
    assert engine.state == "finished"


async def test_drop_mode_stops_calling_an_agent_after_a_permanent_error() -> None:
    config = scripted_config("x", "y", rounds=3, on_permanent_failure="drop")
    agents = (
        *config.agents,
        AgentSpec(id="dead", nickname="Agent-Z", provider="scripted:text:z", failure="decommissioned"),
    )
    engine = Engine(config.model_copy(update={"agents": agents}))
    await engine.run()
    assert [t.agent_id for t in engine.transcript if t.failed] == ["dead"]
    assert len(engine.transcript) == 3 + 2 + 2


class _BrokenProvider:
    """A provider with a bug: it raises something that is not a ProviderError."""

    name = "broken"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        yield "partial "
        raise RuntimeError("socket exploded")


async def test_a_provider_bug_becomes_a_failed_turn_not_a_crashed_session() -> None:
    def factory(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
        return _BrokenProvider() if agent.id == "a0" else build_provider(agent, failure, seed)

    engine = Engine(scripted_config("x", "y", rounds=1), provider_factory=factory)
    await engine.run()
    first, second = engine.transcript
    assert first.failed and first.error == "RuntimeError: socket exploded" and first.text == ""
    assert second.text == "y"


async def test_a_turn_that_outlives_the_turn_timeout_fails_and_the_session_goes_on() -> None:
    config = scripted_config("x", "y", rounds=1).model_copy(update={"turn_timeout_s": 0.2})
    agents = (config.agents[0].model_copy(update={"failure": "timeout:30"}), config.agents[1])
    engine = Engine(config.model_copy(update={"agents": agents}))
    await asyncio.wait_for(engine.run(), 10)
    first, second = engine.transcript
    assert first.failed and "0.2 s" in (first.error or "")
    assert second.text == "y"


async def test_resuming_continues_after_the_last_turn_with_renames_reapplied() -> None:
    first_run = Engine(scripted_config("x", "y", rounds=2))

    def rename_then_stop(event: object) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 0:
            first_run.rename("a1", "Bob")
        if isinstance(event, TurnCompleted) and event.turn.index == 2:
            first_run.stop()

    first_run.subscribe(rename_then_stop)
    controls: list[ControlApplied] = []
    first_run.subscribe(lambda e: controls.append(e) if isinstance(e, ControlApplied) else None)
    await first_run.run()
    assert len(first_run.transcript) == 3

    resumed = Engine(
        scripted_config("x", "y", rounds=2),
        transcript=first_run.transcript,
        controls=[c.record for c in controls],
    )
    await resumed.run()
    assert [t.index for t in resumed.transcript] == [0, 1, 2, 3]
    assert resumed.transcript[3].nickname == "Bob"


async def test_commands_from_another_thread_wake_a_paused_engine() -> None:
    engine = Engine(scripted_config("x", rounds=2), start_paused=True)
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(0.05)
    await asyncio.to_thread(engine.resume)
    await asyncio.wait_for(task, 5)
    assert len(engine.transcript) == 2


def test_bad_commands_are_refused_at_once() -> None:
    engine = Engine(scripted_config("x"))
    for call in (lambda: engine.rename("nobody", "X"), lambda: engine.inject_failure("a0", "explode")):
        try:
            call()
        except (KeyError, ValueError):
            continue
        raise AssertionError("a bad command was accepted")


async def test_an_observer_that_crashes_ends_the_session_with_an_error_event_for_the_others() -> None:
    engine = Engine(scripted_config("x", "y", rounds=2))
    log = EventLog(engine)

    def broken_observer(event: object) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            raise OSError("disk full")

    engine.subscribe(broken_observer)
    try:
        await engine.run()
    except OSError:
        pass
    else:
        raise AssertionError("the observer's error was swallowed")
    assert log.events[-1] == SessionEnded("error", "OSError: disk full")
    assert engine.state == "stopped"
