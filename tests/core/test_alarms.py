"""Alarms: a condition on a catalogue metric, fired once per crossing, recorded before the next
turn on every run, then obeyed (pause, stop or only a mark)."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from convscope.core.alarms import Alarm, AlarmWatch
from convscope.core.config_files import parse_config
from convscope.core.engine import Engine
from convscope.core.errors import ConfigError
from convscope.core.events import ControlApplied, Event, SessionEnded
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.providers.base import ChatRequest, StreamItem, Usage
from convscope.core.records import AlarmFired, Paused, Stopped, Turn
from convscope.core.snapshot import Snapshot
from convscope.headless.runner import run_headless
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore

ECHO_RELAY = """
title = "echo"
protocol = "relay"
rounds = {rounds}
brief = "Plan a festival."

[[agents]]
id = "a"
nickname = "Agent-A"
provider = "scripted:echo"

[[agents]]
id = "b"
nickname = "Agent-B"
provider = "scripted:echo"
"""


def echo_config(alarms: str, *, rounds: int = 12) -> Any:
    return parse_config(ECHO_RELAY.format(rounds=rounds) + alarms, "test.toml")


async def test_a_loop_alarm_stops_echoing_agents_and_the_session_ends_stopped_by_it(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    printed = io.StringIO()
    config = echo_config('[[alarms]]\nwhen = "loop.active"\naction = "stop"\n')

    writer = await run_headless(config, store=store, file=printed)

    document = store.load(writer.session_id)
    assert document.status == "stopped" and len(document.turns) == 4
    fired, stopped = document.controls
    assert fired == AlarmFired(
        turn_index=4,
        at=fired.at,
        rule=0,
        when="loop.active",
        metric="loop.active",
        value=True,
        action="stop",
        measured_turn=3,
        round=3,
    )
    assert stopped == Stopped(turn_index=4, at=stopped.at, reason="alarm 'loop.active'")
    out = printed.getvalue()
    assert "· alarm 'loop.active': looping now yes at turn #3 → stop (before turn 4)" in out
    assert "session stopped: alarm 'loop.active'" in out.splitlines()


class SlowTracker(MetricsTracker):
    """Measures a turn in 50 ms, long after the next scripted turn could have started."""

    def observe(self, turn: Turn) -> dict[str, Any]:
        time.sleep(0.05)
        return super().observe(turn)


async def test_an_alarm_lands_before_the_turn_after_the_one_that_set_it_off_however_slow_the_metrics() -> (
    None
):
    config = echo_config('[[alarms]]\nwhen = "loop.converged_steps >= 2"\naction = "mark"\n')
    engine = Engine(config, metrics=SlowTracker(agents=config.agents, behaviour=False))
    records: list[AlarmFired] = []
    engine.subscribe(lambda e: records.append(e.record) if isinstance(e, ControlApplied) else None)

    await engine.run()

    [fired] = records
    assert (fired.measured_turn, fired.turn_index, fired.value) == (2, 3, 2)
    assert engine.state == "finished" and len(engine.transcript) == 12


async def test_a_pause_alarm_pauses_like_the_key_and_fires_once_while_the_loop_lasts() -> None:
    config = echo_config('[[alarms]]\nwhen = "loop.active"\naction = "pause"\n', rounds=8)
    engine = Engine(config, metrics=MetricsTracker(agents=config.agents, behaviour=False))
    kinds: list[tuple[str, int]] = []

    def resume_when_paused(event: Event) -> None:
        if isinstance(event, ControlApplied):
            kinds.append((event.record.kind, event.record.turn_index))
            if isinstance(event.record, Paused):
                engine.resume()

    engine.subscribe(resume_when_paused)
    await engine.run()

    assert kinds == [("alarm_fired", 4), ("paused", 4), ("resumed", 4)]
    assert engine.state == "finished" and len(engine.transcript) == 8


async def test_an_alarm_set_off_by_the_last_turn_is_recorded_before_the_session_ends() -> None:
    config = echo_config('[[alarms]]\nwhen = "loop.active"\naction = "stop"\n', rounds=4)
    engine = Engine(config, metrics=MetricsTracker(agents=config.agents, behaviour=False))
    events: list[Event] = []
    engine.subscribe(events.append)

    await engine.run()

    fired = [e.record for e in events if isinstance(e, ControlApplied)]
    assert [(r.kind, r.turn_index) for r in fired] == [("alarm_fired", 4)]
    assert events[-1] == SessionEnded("finished")


async def test_a_resumed_session_does_not_fire_again_an_alarm_whose_condition_still_holds(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "sessions")
    config = echo_config('[[alarms]]\nwhen = "loop.active"\naction = "mark"\n', rounds=8)
    runtime = SessionRuntime.start(config, store=store)

    def quit_after_the_alarm(event: Event) -> None:
        if isinstance(event, ControlApplied) and isinstance(event.record, AlarmFired):
            runtime.engine.stop()

    runtime.subscribe(quit_after_the_alarm)
    await runtime.run()
    resumed = SessionRuntime.resume(runtime.session_id, store=store)
    await resumed.run()

    document = store.load(runtime.session_id)
    assert document.status == "finished" and len(document.turns) == 8
    assert [r.kind for r in document.controls] == ["alarm_fired", "stopped"]


def snapshot(turn: int | None, round_index: int, **values: Any) -> Snapshot:
    return Snapshot(turn, round_index, {key.replace("_", "."): value for key, value in values.items()})


def test_a_rule_fires_once_per_crossing_never_on_n_a_and_reads_its_metrics_scope() -> None:
    watch = AlarmWatch(
        [Alarm(when="rouge1 > 0.5", action="mark"), Alarm(when="stability.identical >= 1", action="mark")]
    )
    for turn, value in enumerate([0.2, 0.6, 0.9, None, 0.4, 0.7]):
        watch.observe(snapshot(turn, turn, rouge1=value))
    watch.observe(snapshot(6, 6, stability_identical=1.0))  # a turn's: the metric is a round's
    watch.observe(snapshot(None, 6, rouge1=0.9, stability_identical=1.0))

    fired = watch.take()

    assert [(f.rule, f.snapshot.turn_index, f.value) for f in fired] == [
        (0, 1, 0.6),
        (0, 5, 0.7),
        (1, None, 1.0),
    ]
    assert watch.take() == []


def test_a_watch_built_on_saved_snapshots_knows_which_conditions_already_hold() -> None:
    saved = [snapshot(0, 0, loop_active=False), snapshot(1, 0, loop_active=True)]
    watch = AlarmWatch([Alarm(when="loop.active", action="stop")], saved)

    watch.observe(snapshot(2, 1, loop_active=True))
    assert watch.take() == []
    watch.observe(snapshot(3, 1, loop_active=False))
    watch.observe(snapshot(4, 2, loop_active=True))
    assert [f.snapshot.turn_index for f in watch.take()] == [4]


@pytest.mark.parametrize(
    ("when", "complaint"),
    [
        ("loop.activ", "unknown metric 'loop.activ' (did you mean loop.active"),
        ("tokens.totl > 5", "did you mean tokens.total"),
        ("no.such.thing", "unknown metric 'no.such.thing' (the keys are listed in docs/interventions.md)"),
        ("rouge1", "'rouge1' is not a yes/no metric: compare it with a number, e.g. 'rouge1 > 0.5'"),
        ("rouge1 => 0.5", "cannot read 'rouge1 => 0.5'"),
        ("rouge1 > lots", "'lots' is not a number"),
        ("rouge1 > nan", "the number must be finite"),
    ],
)
def test_an_alarm_on_no_known_metric_or_unreadable_is_one_config_error_line(
    when: str, complaint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        echo_config(f'[[alarms]]\nwhen = "{when}"\naction = "stop"\n')

    message = str(caught.value)
    assert message.startswith("test.toml: alarms.0.when: ") and complaint in message and "\n" not in message


def test_an_alarm_action_is_pause_stop_or_mark() -> None:
    with pytest.raises(ConfigError, match=r"alarms\.0\.action: Input should be 'pause', 'stop' or 'mark'"):
        echo_config('[[alarms]]\nwhen = "loop.active"\naction = "panic"\n')


class Metered:
    """A provider that reports 80,000 prompt and 20,000 completion tokens a turn."""

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        yield "Fine."
        yield Usage(80_000, 20_000)


async def test_a_token_budget_alarm_stops_the_session_once_the_total_crosses_it() -> None:
    config = echo_config('[[alarms]]\nwhen = "tokens.total > 200000"\naction = "stop"\n')
    engine = Engine(
        config,
        metrics=MetricsTracker(agents=config.agents, behaviour=False),
        provider_factory=lambda agent, mode, seed: Metered(),
    )
    records: list[Any] = []
    engine.subscribe(lambda e: records.append(e.record) if isinstance(e, ControlApplied) else None)

    await engine.run()

    fired, stopped = records
    assert (fired.metric, fired.value, fired.measured_turn, fired.turn_index) == (
        "tokens.total",
        300_000,
        2,
        3,
    )
    assert stopped.reason == "alarm 'tokens.total > 200000'"
    assert engine.state == "stopped" and len(engine.transcript) == 3
