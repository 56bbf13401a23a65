"""Simultaneous batches (the opinion network): run concurrently, bounded, and resumed exactly."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import Event, TurnCompleted, TurnStarted
from convscope.core.records import Turn
from convscope.sessions.paths import JOURNAL_NAME
from convscope.sessions.store import SessionStore
from tests.core.protocols.support import make_config, scripted_file


def network_of(folder: Path, delays: list[float], rounds: int = 3) -> SessionConfig:
    specs = [
        scripted_file(folder, f"agent{i}", [f"Agent {i} says {r}." for r in range(rounds)])
        + f"?delay={delay}"
        for i, delay in enumerate(delays)
    ]
    return make_config("network", specs, rounds=rounds, options={"graph": "complete", "topic": "Tea"})


def round_of(event: Event) -> int | None:
    if isinstance(event, TurnStarted):
        return event.round
    if isinstance(event, TurnCompleted):
        return event.turn.round
    return None


async def test_every_turn_of_a_round_starts_before_the_first_one_ends(tmp_path: Path) -> None:
    config = network_of(tmp_path, [0.01] * 5)
    engine = Engine(config)
    events: list[Event] = []
    engine.subscribe(events.append)
    await engine.run()
    for round_index in range(3):
        kinds = [type(e) for e in events if round_of(e) == round_index]
        assert kinds == [TurnStarted] * 5 + [TurnCompleted] * 5


async def test_at_most_max_concurrency_turns_of_one_provider_run_at_once(tmp_path: Path) -> None:
    config = make_config(
        "network",
        ["scripted:text:Same model.?delay=0.01"] * 5,
        rounds=3,
        max_concurrency=2,
        options={"graph": "complete", "topic": "Tea"},
    )
    engine = Engine(config)
    in_flight: list[int] = []
    engine.subscribe(
        lambda e: in_flight.append(len(engine.in_flight)) if isinstance(e, TurnStarted) else None
    )
    await engine.run()
    assert len(in_flight) == 15 and max(in_flight) == 2


async def test_a_session_cut_in_the_middle_of_a_batch_resumes_with_only_the_missing_agents(
    tmp_path: Path,
) -> None:
    # Later agents answer faster, so round 1 ends in reverse index order and is cut after two turns.
    config = network_of(tmp_path, [0.05 * (5 - i) for i in range(5)])
    store = SessionStore()
    writer = store.create(config)
    engine = Engine(config, observers=[writer.on_event])
    task = asyncio.ensure_future(engine.run())
    done_in_round_1: list[Turn] = []

    def cut(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.round == 1:
            done_in_round_1.append(event.turn)
            if len(done_in_round_1) == 2:
                task.cancel()

    engine.subscribe(cut)
    with pytest.raises(asyncio.CancelledError):
        await task
    writer.close()
    journal = [json.loads(line) for line in (writer.path / JOURNAL_NAME).read_text().splitlines()]
    assert [e["data"]["index"] for e in journal if e["kind"] == "turn"][5:] == [9, 8]  # out of order on disk

    saved = store.load(writer.session_id)
    assert [t.index for t in saved.turns] == [0, 1, 2, 3, 4, 8, 9]  # in order once loaded
    resumed_writer = store.open_writer(saved.id)
    resumed = Engine(config, transcript=saved.turns, observers=[resumed_writer.on_event])
    started: list[TurnStarted] = []
    resumed.subscribe(lambda e: started.append(e) if isinstance(e, TurnStarted) else None)
    await resumed.run()
    resumed_writer.close()

    assert [(e.turn_index, e.round, e.agent_id) for e in started[:3]] == [
        (5, 1, "a0"),
        (6, 1, "a1"),
        (7, 1, "a2"),
    ]
    assert [(e.round, e.agent_id) for e in started[3:]] == [(2, f"a{i}") for i in range(5)]
    final = store.load(saved.id)
    assert [t.index for t in final.turns] == list(range(15))
    assert [(t.round, t.agent_id) for t in final.turns] == [(r, f"a{i}") for r in range(3) for i in range(5)]
    assert final.status == "finished"
