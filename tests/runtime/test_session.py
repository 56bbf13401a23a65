"""The session runtime: one way to build and run a session, whichever front end watches it."""

from __future__ import annotations

from typing import Never

import pytest

from convscope.core.events import Event, SessionEnded, SessionStarted, TurnCompleted
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore
from tests.core.engine_support import scripted_config


async def test_a_front_end_sees_each_turn_after_the_writer_has_recorded_it() -> None:
    runtime = SessionRuntime.start(scripted_config("alpha", "beta", rounds=1))
    recorded_before_shown: list[bool] = []

    def front_end(event: Event) -> None:
        if isinstance(event, TurnCompleted):
            recorded_before_shown.append(event.turn in runtime.writer.document.turns)

    runtime.subscribe(front_end)
    await runtime.run()
    assert recorded_before_shown == [True, True]


async def test_a_finished_run_is_saved_with_its_metrics_and_the_session_released() -> None:
    store = SessionStore()
    runtime = SessionRuntime.start(scripted_config("alpha", "beta", rounds=2), store=store)
    await runtime.run()
    saved = store.load(runtime.session_id)
    assert saved.status == "finished"
    assert len(saved.metrics) == 4 + 2  # every turn's and every round's snapshot
    SessionRuntime.resume(runtime.session_id, store=store).writer.close()  # not locked any more


async def test_a_crash_the_engine_cannot_report_still_ends_the_session_as_an_error() -> None:
    """A front end failing on the very first event: the engine has not started its turns."""
    store = SessionStore()
    runtime = SessionRuntime.start(scripted_config("alpha", rounds=1), store=store)
    ends: list[SessionEnded] = []

    def front_end(event: Event) -> None:
        if isinstance(event, SessionStarted):
            raise OSError("terminal gone")
        if isinstance(event, SessionEnded):
            ends.append(event)

    runtime.subscribe(front_end)
    with pytest.raises(OSError):
        await runtime.run()
    assert ends == [SessionEnded("error", "OSError: terminal gone")]
    assert store.load(runtime.session_id).status == "interrupted"


def test_an_observer_that_cannot_be_built_leaves_the_session_unlocked() -> None:
    store = SessionStore()
    runtime = SessionRuntime.start(scripted_config("alpha", rounds=1), store=store)

    def broken(session_id: str, config: object) -> Never:
        raise ValueError("no such endpoint")

    with pytest.raises(ValueError):
        runtime.attach([broken])
    SessionRuntime.resume(runtime.session_id, store=store).writer.close()  # not locked


async def test_resuming_goes_on_after_the_saved_turns_with_a_tracker_that_has_seen_them() -> None:
    store = SessionStore()
    first = SessionRuntime.start(scripted_config("alpha", "beta", rounds=2), store=store)

    def stop_after_round_0(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            first.engine.stop()

    first.subscribe(stop_after_round_0)
    await first.run()
    resumed = SessionRuntime.resume(first.session_id, store=store)
    assert resumed.saved is not None and len(resumed.saved.turns) == 2
    await resumed.run()
    saved = store.load(first.session_id)
    assert [t.index for t in saved.turns] == [0, 1, 2, 3]
    assert saved.status == "finished"
    round_1 = next(p.values for p in saved.metrics if p.values.get("round") == 1)
    assert round_1["stability.identical"] == 1.0  # compared with round 0, which it saw on resume


async def test_a_session_resumed_inside_a_round_measures_that_round_as_an_uninterrupted_one() -> None:
    """The resumed tracker leaves the saved session's last round open: the round's snapshot
    covers the turns before and after the interruption, once."""
    store = SessionStore()
    config = scripted_config("alpha", "beta", "gamma", rounds=2)
    whole = SessionRuntime.start(config, store=store)
    await whole.run()
    cut = SessionRuntime.start(config, store=store)

    def stop_inside_round_1(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 4:
            cut.engine.stop()

    cut.subscribe(stop_inside_round_1)
    await cut.run()
    await SessionRuntime.resume(cut.session_id, store=store).run()
    rounds = [
        [(p.round, p.values) for p in store.load(session).metrics if p.is_round]
        for session in (whole.session_id, cut.session_id)
    ]
    assert rounds[1] == rounds[0]
