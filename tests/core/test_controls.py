"""The one reducer and the one describer of control records."""

from __future__ import annotations

from typing import get_args

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.controls import Roster, describe, rosters
from convscope.core.records import (
    AlarmFired,
    ControlKind,
    ControlRecord,
    FailureCleared,
    FailureInjected,
    Paused,
    Renamed,
    Resumed,
    Stepped,
    Stopped,
    ThresholdsChanged,
)

CONFIG = SessionConfig(
    agents=(
        AgentSpec(id="a", nickname="Ada", provider="scripted:echo"),
        AgentSpec(id="b", nickname="Bo", provider="scripted:echo", failure="silent"),
    )
)
RECORDS: list[ControlRecord] = [
    Renamed(turn_index=1, at=0.0, agent_id="a", name="Zed", previous="Ada"),
    FailureInjected(turn_index=2, at=0.0, agent_id="a", mode="transient:0.5"),
    ThresholdsChanged(turn_index=2, at=0.0, thresholds={"bleu": 0.3}),
    Paused(turn_index=3, at=0.0),
    FailureCleared(turn_index=3, at=0.0, agent_id="b", previous="silent"),
    ThresholdsChanged(turn_index=4, at=0.0, thresholds={"jaccard": 0.2}),
    Resumed(turn_index=4, at=0.0),
    Stepped(turn_index=5, at=0.0),
    AlarmFired(
        turn_index=6,
        at=0.0,
        rule=0,
        when="loop.active",
        metric="loop.active",
        value=True,
        action="stop",
        measured_turn=5,
        round=2,
    ),
    Stopped(turn_index=6, at=0.0, reason="rate limits"),
]


def test_every_control_kind_has_exactly_one_record_model() -> None:
    models = get_args(get_args(ControlRecord)[0])

    assert sorted(model.model_fields["kind"].default for model in models) == sorted(get_args(ControlKind))
    assert {type(record).__name__ for record in RECORDS} == {model.__name__ for model in models}


def test_the_initial_roster_has_the_protocols_names_and_the_configs_failures() -> None:
    real = CONFIG.model_copy(update={"options": {"naming": "real"}})

    assert Roster.initial(CONFIG) == Roster(
        names={"a": "Ada", "b": "Bo"}, failures={"a": None, "b": "silent"}
    )
    assert Roster.initial(real).names == {"a": "echo", "b": "echo"}


def test_folding_every_kind_gives_names_failures_merged_thresholds_and_the_pause() -> None:
    assert Roster.fold(CONFIG, RECORDS) == Roster(
        names={"a": "Zed", "b": "Bo"},
        failures={"a": "transient:0.5", "b": None},
        thresholds={"bleu": 0.3, "jaccard": 0.2},
        paused=False,
        alarm=RECORDS[8],
    )
    assert Roster.fold(CONFIG, RECORDS, until_turn=3).paused
    assert Roster.fold(CONFIG, RECORDS, until_turn=2).failures == {"a": "transient:0.5", "b": "silent"}


def test_a_roster_is_never_changed_in_place() -> None:
    before = Roster.initial(CONFIG)

    before.after(RECORDS[0])

    assert before.names == {"a": "Ada", "b": "Bo"}


def test_each_record_reads_as_one_sentence_with_the_agents_names() -> None:
    described = [describe(record, roster.names) for record, roster in rosters(CONFIG, RECORDS)]

    assert described == [
        "Ada renamed to Zed",
        "failure injected into Zed: transient:0.5",
        "loop thresholds set to bleu 0.3",
        "paused",
        "failure cleared on Bo",
        "loop thresholds set to jaccard 0.2",
        "resumed",
        "stepped one turn",
        "alarm 'loop.active': looping now yes at turn #5 → stop",
        "stopped: rate limits",
    ]
