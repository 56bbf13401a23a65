"""Metrics off the engine's critical path: the next turn starts while the last one is measured,
yet metric events come in turn order, commands and the session's end wait for them, and a
simultaneous round is embedded in one batch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from convscope.core.engine import Engine
from convscope.core.events import (
    ControlApplied,
    Event,
    MetricsUpdated,
    SessionEnded,
    TurnCompleted,
    TurnStarted,
)
from convscope.core.metrics.embeddings import DIMENSION, Embedder
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols.group_chat import GroupChat
from convscope.core.records import Turn
from convscope.sessions.store import SessionStore
from tests.core.engine_support import EventLog, scripted_config
from tests.core.protocols.support import make_config


class HeldTracker(MetricsTracker):
    """A tracker that cannot measure turn ``held`` until ``release`` is set (or 2 s pass)."""

    def __init__(self, held: int, **options: Any) -> None:
        super().__init__(**options)
        self.held = held
        self.release = threading.Event()

    def observe(self, turn: Turn) -> dict[str, Any]:
        if turn.index == self.held:
            self.release.wait(2)
        return super().observe(turn)


def released_when_turn_starts(tracker: HeldTracker, index: int) -> Any:
    def observer(event: Event) -> None:
        if isinstance(event, TurnStarted) and event.turn_index == index:
            tracker.release.set()

    return observer


def position(events: Sequence[Event], wanted: Any) -> int:
    return next(i for i, event in enumerate(events) if wanted(event))


def is_metrics_of(index: int) -> Any:
    return lambda e: isinstance(e, MetricsUpdated) and e.values.get("turn.index") == index


async def test_the_next_turn_starts_while_the_previous_one_is_still_being_measured() -> None:
    tracker = HeldTracker(held=0)
    engine = Engine(scripted_config("alpha", "beta", rounds=1), metrics=tracker)
    log = EventLog(engine)
    engine.subscribe(released_when_turn_starts(tracker, 1))
    await engine.run()
    started_1 = position(log.events, lambda e: isinstance(e, TurnStarted) and e.turn_index == 1)
    assert started_1 < position(log.events, is_metrics_of(0))


async def test_metric_events_come_in_turn_order_each_round_after_its_turns_and_all_before_the_end() -> None:
    engine = Engine(scripted_config("alpha", "beta", "gamma", rounds=2), metrics=MetricsTracker())
    log = EventLog(engine)
    await engine.run()
    stamps = [
        ("turn", e.turn_index) if "turn.index" in e.values else ("round", e.round)
        for e in log.of(MetricsUpdated)
    ]
    round_0 = [("turn", 0), ("turn", 1), ("turn", 2), ("round", 0)]
    round_1 = [("turn", 3), ("turn", 4), ("turn", 5), ("round", 1)]
    assert stamps == [*round_0, *round_1]
    assert log.events[-1] == SessionEnded("finished")


async def test_a_command_takes_effect_only_after_the_metrics_of_the_turns_before_it() -> None:
    """Commands (thresholds above all) must meet a tracker that has seen every earlier turn."""
    tracker = HeldTracker(held=0)
    engine = Engine(scripted_config("alpha", "beta", rounds=1), metrics=tracker)
    log = EventLog(engine)

    def new_thresholds_after_first_turn(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 0:
            engine.set_thresholds({"bleu": 0.9})  # queued while turn 0 is still being measured
            tracker.release.set()

    engine.subscribe(new_thresholds_after_first_turn)
    await engine.run()
    control = position(log.events, lambda e: isinstance(e, ControlApplied))
    assert log.events[control].record.turn_index == 1
    assert position(log.events, is_metrics_of(0)) < control
    first, second = (e.values for e in log.of(MetricsUpdated) if "turn.index" in e.values)
    assert (first["loop.thresholds.bleu"], second["loop.thresholds.bleu"]) == (0.5, 0.9)


class MetricsFirst(GroupChat):
    plans_from_metrics = True


async def test_a_protocol_that_plans_from_metrics_gets_every_turn_measured_before_the_next_starts() -> None:
    engine = Engine(scripted_config("alpha", "beta", rounds=1), metrics=MetricsTracker())
    engine.protocol = MetricsFirst(engine.config)
    log = EventLog(engine)
    await engine.run()
    started_1 = position(log.events, lambda e: isinstance(e, TurnStarted) and e.turn_index == 1)
    assert position(log.events, is_metrics_of(0)) < started_1


async def test_cancelling_mid_turn_still_records_the_metrics_of_every_finished_turn() -> None:
    config = make_config(
        "group_chat", [f"scripted:text:{word} idea?delay=0.05" for word in ("one", "two", "six")]
    )
    store = SessionStore()
    writer = store.create(config)
    engine = Engine(config, observers=[writer.on_event], metrics=MetricsTracker())
    task = asyncio.create_task(engine.run())

    def cancel_in_turn_2(event: Event) -> None:
        if isinstance(event, TurnStarted) and event.turn_index == 2:
            task.cancel()

    engine.subscribe(cancel_in_turn_2)
    with pytest.raises(asyncio.CancelledError):
        await task
    writer.close()
    saved = store.load(writer.session_id)
    assert [t.index for t in saved.turns] == [0, 1]
    assert [p.turn_index for p in saved.metrics] == [0, 1]
    assert saved.status == "stopped"


class BrokenTracker(MetricsTracker):
    def observe(self, turn: Turn) -> dict[str, Any]:
        raise ZeroDivisionError("a bug in a measure")


async def test_a_tracker_that_crashes_ends_the_session_with_an_error_event() -> None:
    engine = Engine(scripted_config("alpha", "beta", rounds=2), metrics=BrokenTracker())
    log = EventLog(engine)
    with pytest.raises(ZeroDivisionError):
        await engine.run()
    assert log.events[-1] == SessionEnded("error", "ZeroDivisionError: a bug in a measure")
    assert engine.state == "stopped"


class CountingEmbedder(Embedder):
    """A real embedder whose model is replaced by fixed vectors: counts the model's calls."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def _compute(self, texts: dict[str, str]) -> dict[str, NDArray[np.float32]]:
        self.batches.append(len(texts))
        rows = {}
        for key in texts:
            row = np.random.default_rng(int(key[:8], 16)).standard_normal(DIMENSION).astype(np.float32)
            rows[key] = row / np.linalg.norm(row)
        return rows


async def test_a_simultaneous_round_is_embedded_in_one_batch() -> None:
    replies = [f"scripted:text:Agent {i} holds view {i}." for i in range(5)]
    config = make_config(
        "network", replies, rounds=2, seed=3, options={"topic": "Vaping", "scorer": "pattern"}
    )
    embedder = CountingEmbedder()
    engine = Engine(config, metrics=MetricsTracker(semantic=True, embedder=embedder))
    log = EventLog(engine)
    await engine.run()
    assert embedder.batches == [5]  # round 1 repeats round 0's texts: found in the cache
    cosines = [e.values["loop.cosine"] for e in log.of(MetricsUpdated) if "turn.index" in e.values]
    assert cosines[0] is None and all(c is not None for c in cosines[1:])
