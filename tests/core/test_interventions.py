"""Scheduled interventions: sent at their boundary as the keyboard's commands, recorded the same
way, never applied twice across a resume, and refused at load when they cannot apply."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from convscope.core.config import SessionConfig
from convscope.core.config_files import load_config, parse_config
from convscope.core.engine import Engine
from convscope.core.errors import ConfigError
from convscope.core.events import ControlApplied, Event, TurnCompleted, TurnFailed
from convscope.core.records import ControlRecord, FailureInjected, Paused, Renamed, Stopped
from convscope.headless.runner import run_headless
from convscope.runtime.session import SessionRuntime
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore

AGENTS = """
[[agents]]
id = "a"
nickname = "Agent-A"
provider = "scripted:text:I will design the API."

[[agents]]
id = "b"
nickname = "Agent-B"
provider = "scripted:text:I take the budget."

[[agents]]
id = "c"
nickname = "Agent-C"
provider = "scripted:text:I test it all."
"""

SCHEDULED = """
[[interventions]]
at_turn = 6
fail = { agent = "b", mode = "decommissioned" }

[[interventions]]
at_round = 3
rename = { agent = "a", to = "GPT-4o" }
"""


def session_file(tmp_path: Path, schedule: str, *, rounds: int = 4) -> Path:
    path = tmp_path / "session.toml"
    head = f'title = "scheduled"\nprotocol = "group_chat"\nrounds = {rounds}\nbrief = "Plan a festival."\n'
    path.write_text(head + AGENTS + schedule, encoding="utf-8")
    return path


async def run_file(path: Path, store: SessionStore) -> SessionDocument:
    writer = await run_headless(load_config(str(path)), store=store, file=io.StringIO())
    return store.load(writer.session_id)


def without_timing(records: list[ControlRecord]) -> list[dict[str, object]]:
    """What a record says, less when it was made and what made it."""
    return [record.model_dump(exclude={"at", "intervention"}) for record in records]


async def test_a_session_file_fails_an_agent_before_turn_6_and_renames_before_round_3(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "sessions")
    document = await run_file(session_file(tmp_path, SCHEDULED), store)

    assert document.status == "finished" and len(document.turns) == 12
    assert document.controls == [
        FailureInjected(
            turn_index=6, at=document.controls[0].at, agent_id="b", mode="decommissioned", intervention=0
        ),
        Renamed(
            turn_index=9, at=document.controls[1].at, agent_id="a", name="GPT-4o", previous="Agent-A",
            intervention=1,
        ),
    ]  # fmt: skip
    assert [turn.index for turn in document.turns if turn.failed] == [7, 10]
    assert all(turn.error_kind == "permanent" for turn in document.turns if turn.failed)
    assert [turn.nickname for turn in document.turns if turn.agent_id == "a"] == ["Agent-A"] * 3 + ["GPT-4o"]
    assert document.config.interventions == load_config(str(session_file(tmp_path, SCHEDULED))).interventions


THE_ISSUES_THREE = """
[[interventions]]
at_turn = 6
fail = { agent = "b", mode = "decommissioned" }

[[interventions]]
at_turn = 9
say = { text = "Please converge on one plan.", as = "Moderator" }

[[interventions]]
at_round = 3
rename = { agent = "a", to = "GPT-4o" }
"""


async def test_a_scheduled_say_is_a_human_turn_at_its_index_and_every_agent_reads_it_next(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "sessions")
    document = await run_file(session_file(tmp_path, THE_ISSUES_THREE), store)

    human = [turn for turn in document.turns if turn.human]
    assert [(t.index, t.nickname, t.text, t.to) for t in human] == [
        (9, "Moderator", "Please converge on one plan.", None)
    ]
    assert [(r.kind, r.turn_index, r.intervention) for r in document.controls] == [
        ("failure_injected", 6, 0),
        ("renamed", 10, 2),
    ]
    assert next(t.index for t in document.turns if t.round == 3 and not t.human) == 10
    assert document.config.interventions[1].say is not None
    assert SessionConfig.model_validate_json(document.config.model_dump_json()) == document.config


def test_a_say_to_an_unknown_agent_is_one_config_error_line() -> None:
    with pytest.raises(ConfigError, match="unknown agent 'z'"):
        load_config_text('[[interventions]]\nat_turn = 2\nsay = { text = "hi", to = "z" }\n')


async def test_an_intervention_is_recorded_exactly_as_the_same_keys_would_be(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    scheduled = await run_file(session_file(tmp_path, SCHEDULED), store)
    config = load_config(str(session_file(tmp_path, "")))
    runtime = SessionRuntime.start(config, store=store)
    engine = runtime.engine

    def keys(event: Event) -> None:  # the person presses f, then r, right after turns 5 and 8
        if isinstance(event, TurnCompleted | TurnFailed) and event.turn.index == 5:
            engine.inject_failure("b", "decommissioned")
        if isinstance(event, TurnCompleted | TurnFailed) and event.turn.index == 8:
            engine.rename("a", "GPT-4o")

    runtime.subscribe(keys)
    await runtime.run()
    by_hand = store.load(runtime.session_id)

    assert without_timing(by_hand.controls) == without_timing(scheduled.controls)
    assert [r.intervention for r in by_hand.controls] == [None, None]
    assert [(t.nickname, t.text, t.error) for t in by_hand.turns] == [
        (t.nickname, t.text, t.error) for t in scheduled.turns
    ]


async def test_a_resumed_session_does_not_apply_its_interventions_again(tmp_path: Path) -> None:
    schedule = """
[[interventions]]
at_turn = 3
pause = true

[[interventions]]
at_turn = 6
fail = { agent = "b", mode = "decommissioned" }

[[interventions]]
at_turn = 6
stop = true
"""
    store = SessionStore(tmp_path / "sessions")
    runtime = SessionRuntime.start(load_config(str(session_file(tmp_path, schedule))), store=store)

    def go_on(event: Event) -> None:  # the person resumes the scheduled pause
        if isinstance(event, ControlApplied) and isinstance(event.record, Paused):
            runtime.engine.resume()

    runtime.subscribe(go_on)
    await runtime.run()
    stopped = store.load(runtime.session_id)
    assert stopped.status == "stopped" and len(stopped.turns) == 6
    assert [(r.kind, r.turn_index, r.intervention) for r in stopped.controls] == [
        ("paused", 3, 0),
        ("resumed", 3, None),
        ("failure_injected", 6, 1),
        ("stopped", 6, 2),
    ]

    resumed = SessionRuntime.resume(runtime.session_id, store=store)
    await resumed.run()
    finished = store.load(runtime.session_id)

    assert finished.status == "finished" and len(finished.turns) == 12
    assert finished.controls == stopped.controls
    assert [turn.index for turn in finished.turns if turn.failed] == [7, 10]  # b stays failed


async def test_a_session_paused_by_its_schedule_and_quit_resumes_without_pausing_again(
    tmp_path: Path,
) -> None:
    store = SessionStore(tmp_path / "sessions")
    path = session_file(tmp_path, "[[interventions]]\nat_round = 1\npause = true\n", rounds=2)
    runtime = SessionRuntime.start(load_config(str(path)), store=store)

    def quit_when_paused(event: Event) -> None:
        if isinstance(event, ControlApplied) and isinstance(event.record, Paused):
            runtime.engine.stop()

    runtime.subscribe(quit_when_paused)
    await runtime.run()
    assert [r.kind for r in store.load(runtime.session_id).controls] == ["paused", "stopped"]

    resumed = SessionRuntime.resume(runtime.session_id, store=store)
    await resumed.run()

    document = store.load(runtime.session_id)
    assert document.status == "finished" and len(document.turns) == 6
    assert [r.kind for r in document.controls] == ["paused", "stopped"]


async def test_a_stop_intervention_ends_the_session_as_stopped_with_its_reason(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    document = await run_file(session_file(tmp_path, "[[interventions]]\nat_turn = 2\nstop = true\n"), store)

    assert document.status == "stopped" and len(document.turns) == 2
    assert document.controls == [
        Stopped(turn_index=2, at=document.controls[0].at, reason="scheduled stop", intervention=0)
    ]


async def test_thresholds_and_clear_act_like_the_dialog_and_the_failure_key() -> None:
    config = load_config_text(
        """
[[interventions]]
at_turn = 1
thresholds = { bleu = 0.2, min_steps = 2 }

[[interventions]]
at_turn = 4
clear = { agent = "b" }
""",
        failure_b="decommissioned",
    )
    engine = Engine(config)
    await engine.run()

    assert engine.roster.thresholds == {"bleu": 0.2, "min_steps": 2}
    assert [(t.index, t.failed) for t in engine.transcript if t.agent_id == "b"] == [
        (1, True),
        (4, False),
        (7, False),
        (10, False),
    ]


def load_config_text(schedule: str, *, failure_b: str | None = None) -> SessionConfig:
    agents = AGENTS.replace('nickname = "Agent-B"', f'nickname = "Agent-B"\nfailure = "{failure_b}"')
    text = 'rounds = 4\nbrief = "Plan a festival."\n' + (agents if failure_b else AGENTS) + schedule
    return parse_config(text, "test.toml")


@pytest.mark.parametrize(
    ("schedule", "complaint"),
    [
        (
            'at_turn = 6\nfail = { agent = "z", mode = "decommissioned" }',
            "unknown agent 'z' (agents: a, b, c)",
        ),
        ('at_turn = 6\nfail = { agent = "b", mode = "explode" }', "unknown failure mode 'explode'"),
        ("at_turn = 6\nat_round = 1\npause = true", "give exactly one of at_turn or at_round"),
        ("pause = true", "give exactly one of at_turn or at_round"),
        ("at_turn = 6\npause = true\nstop = true", "give exactly one action of: fail, clear, rename"),
        ("at_turn = 6\npause = false", "write it as true, or leave it out"),
        ('at_round = 2\nrename = { agent = "a", to = "" }', "interventions.0.rename.to"),
        ("at_turn = 1\nthresholds = { blue = 0.3 }", "interventions.0.thresholds.blue"),
        ("at_turn = -1\npause = true", "interventions.0.at_turn"),
    ],
)
def test_an_intervention_that_cannot_apply_is_one_config_error_line(schedule: str, complaint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"[[interventions]]\n{schedule}\n")

    message = str(caught.value)
    assert message.startswith("test.toml: ") and complaint in message and "\n" not in message


async def test_in_a_network_an_at_turn_lands_before_the_simultaneous_batch_holding_that_turn() -> None:
    preset = load_config("network-degroot")
    failure = {"at_turn": 25, "fail": {"agent": "n03", "mode": "decommissioned"}}
    config = SessionConfig.model_validate({**preset.model_dump(), "rounds": 2, "interventions": [failure]})
    engine = Engine(config)
    records: list[ControlRecord] = []
    engine.subscribe(lambda e: records.append(e.record) if isinstance(e, ControlApplied) else None)

    await engine.run()

    agents = len(config.agents)
    [record] = records
    assert record.turn_index == agents  # round 1's batch holds turn 25
    assert [turn.round for turn in engine.transcript if turn.failed] == [1]
