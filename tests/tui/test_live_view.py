"""The live screen's view of a session, folded from the engine's events alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import TypeAdapter

from convscope.core.controls import Roster
from convscope.core.events import ControlApplied, SessionEnded, SessionStarted, TurnCompleted, TurnStarted
from convscope.core.records import ControlKind, ControlRecord, Turn
from convscope.runtime.session import SessionRuntime
from convscope.tui.live_view import LiveView
from tests.tui.support import scripted_config

CONFIG = scripted_config(rounds=2)


class EngineControls:
    """Control events as the engine emits them: each with the roster it leaves."""

    def __init__(self) -> None:
        self.roster = Roster.initial(CONFIG)

    def __call__(self, kind: ControlKind, turn_index: int, **payload: Any) -> ControlApplied:
        record = TypeAdapter(ControlRecord).validate_python(
            {"kind": kind, "turn_index": turn_index, "at": 0.0, **payload}
        )
        self.roster = self.roster.after(record)
        return ControlApplied(record, self.roster)


@pytest.fixture
def view() -> Iterator[LiveView]:
    runtime = SessionRuntime.start(CONFIG)
    yield LiveView.of(runtime)
    runtime.writer.close()


@pytest.fixture
def control() -> EngineControls:
    return EngineControls()


def ended(index: int, agent_id: str) -> TurnCompleted:
    return TurnCompleted(
        Turn(index=index, round=0, agent_id=agent_id, nickname=agent_id, model="m", started_at=0, ended_at=1)
    )


def test_a_pause_is_pausing_until_the_engine_confirms_it_then_paused_until_resumed(
    view: LiveView, control: EngineControls
) -> None:
    assert view.state == "running"
    asked = view.asked(pausing=True)
    assert asked.state == "pausing"
    paused = asked.after(control("paused", 1))
    assert paused.state == "paused"
    assert paused.after(control("resumed", 1)).state == "running"


def test_a_step_runs_until_the_engine_pauses_again(view: LiveView, control: EngineControls) -> None:
    stepping = view.after(control("stepped", 0))
    assert (stepping.state, stepping.after(control("paused", 1)).state) == ("pausing", "paused")


def test_who_speaks_and_how_many_turns_are_done_come_from_the_turn_events(
    view: LiveView, control: EngineControls
) -> None:
    view = view.after(SessionStarted(0)).after(TurnStarted(0, 0, "a0", "Agent-A", "m"))
    assert (view.speaking, view.round, view.turns) == ({"a0"}, 0, 0)
    view = view.after(ended(0, "a0")).after(TurnStarted(1, 0, "a1", "Agent-B", "m"))
    assert (view.speaking, view.turns) == ({"a1"}, 1)


def test_a_session_ended_mid_turn_has_nobody_speaking_and_says_how_it_ended(
    view: LiveView, control: EngineControls
) -> None:
    view = view.asked(pausing=True).after(TurnStarted(0, 0, "a0", "Agent-A", "m"))
    view = view.after(SessionEnded("stopped", "cancelled during a turn"))
    assert (view.speaking, view.state, view.in_flight) == (set(), "stopped", {})


def test_renames_failures_and_thresholds_follow_the_control_records(
    view: LiveView, control: EngineControls
) -> None:
    view = view.after(control("renamed", 2, agent_id="a1", name="Zed", previous="Agent-B"))
    view = view.after(control("failure_injected", 2, agent_id="a2", mode="decommissioned", previous=None))
    view = view.after(control("thresholds_changed", 2, thresholds={"bleu": 0.9}))
    assert view.names["a1"] == "Zed"
    assert view.failures["a2"] == "decommissioned"
    assert view.thresholds.bleu == 0.9
    assert (
        view.after(control("failure_cleared", 3, agent_id="a2", previous="decommissioned")).failures["a2"]
        is None
    )
