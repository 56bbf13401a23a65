"""Recording a session through the engine's events, and reading it back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from convscope.core.config import SessionConfig
from convscope.core.events import (
    MetricsUpdated,
    RoundCompleted,
    SessionEnded,
    SessionStarted,
    TokenDelta,
    TurnStarted,
)
from convscope.sessions.errors import SessionLockedError
from convscope.sessions.paths import JOURNAL_NAME, SNAPSHOT_NAME
from convscope.sessions.store import SessionStore
from tests.sessions.builders import control_event, conversation, make_turn, turn_event


def test_load_reproduces_every_turn_control_and_metric_of_a_running_session(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config, provenance={"source": "unit test"})
    writer.on_event(SessionStarted(0))
    for event in conversation(6):
        writer.on_event(event)

    loaded = store.load(writer.session_id)

    assert loaded == writer.document
    assert [turn.index for turn in loaded.turns] == list(range(6))
    assert loaded.turns[3].error == "simulated transient failure"
    assert [record.kind for record in loaded.controls] == ["renamed", "failure_injected"]
    assert [point.turn_index for point in loaded.metrics] == list(range(6))
    assert loaded.metrics[4].values["per_agent"] == {"a": {"length": 4}, "b": {"length": 1}}
    assert loaded.provenance == {"source": "unit test"}
    assert loaded.status == "running"
    writer.close()


def test_streaming_and_round_events_are_not_recorded(store: SessionStore, config: SessionConfig) -> None:
    writer = store.create(config)
    writer.on_event(TurnStarted(0, 0, "a", "Ada", "openai:gpt-4o-mini"))
    writer.on_event(TokenDelta(0, "a", "half a reply"))
    writer.on_event(RoundCompleted(0))

    assert (writer.path / JOURNAL_NAME).read_bytes() == b""
    assert store.load(writer.session_id).turns == []
    writer.close()


def test_recording_a_turn_appends_one_journal_line_and_leaves_the_snapshot_untouched(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config)
    snapshot_before = (writer.path / SNAPSHOT_NAME).read_bytes()
    journal = writer.path / JOURNAL_NAME
    for index in range(5):
        size_before = journal.stat().st_size
        writer.on_event(turn_event(index))
        appended = journal.read_bytes()[size_before:]
        assert appended.count(b"\n") == 1
        assert json.loads(appended)["data"]["index"] == index

    assert (writer.path / SNAPSHOT_NAME).read_bytes() == snapshot_before
    writer.close()


def test_pausing_snapshots_the_whole_document_and_records_the_status(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config)
    for event in conversation(4):
        writer.on_event(event)
    writer.on_event(control_event("paused", 4))

    snapshot = json.loads((writer.path / SNAPSHOT_NAME).read_bytes())
    assert len(snapshot["document"]["turns"]) == 4
    assert snapshot["document"]["status"] == "paused"
    assert store.load(writer.session_id).status == "paused"

    writer.on_event(control_event("resumed", 4))
    assert store.load(writer.session_id).status == "running"
    writer.close()


@pytest.mark.parametrize(
    ("reason", "status"), [("finished", "finished"), ("stopped", "stopped"), ("error", "interrupted")]
)
def test_the_end_of_a_session_sets_its_final_status_and_snapshot(
    store: SessionStore, config: SessionConfig, reason: str, status: str
) -> None:
    writer = store.create(config)
    for event in conversation(3):
        writer.on_event(event)
    writer.on_event(SessionEnded(reason))  # type: ignore[arg-type]
    writer.close()

    snapshot = json.loads((writer.path / SNAPSHOT_NAME).read_bytes())
    assert snapshot["document"]["status"] == status
    assert len(snapshot["document"]["turns"]) == 3
    loaded = store.load(writer.session_id)
    assert loaded.status == status
    assert loaded == writer.document


def test_a_writer_closed_mid_run_leaves_an_interrupted_session(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config)
    writer.on_event(turn_event(0))
    writer.close()

    assert store.load(writer.session_id).status == "interrupted"
    with pytest.raises(RuntimeError, match="closed"):
        writer.on_event(turn_event(1))


def test_a_writer_closed_while_paused_leaves_a_paused_session(
    store: SessionStore, config: SessionConfig
) -> None:
    with store.create(config) as writer:
        writer.on_event(turn_event(0))
        writer.on_event(control_event("paused", 1))

    assert store.load(writer.session_id).status == "paused"


def test_snapshot_on_demand_includes_everything_recorded_so_far(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config)
    for event in conversation(5):
        writer.on_event(event)
    writer.snapshot()

    snapshot = json.loads((writer.path / SNAPSHOT_NAME).read_bytes())
    assert len(snapshot["document"]["turns"]) == 5
    assert len(snapshot["document"]["metrics"]) == 5
    assert store.load(writer.session_id) == writer.document
    writer.close()


def test_resuming_appends_to_the_same_session_in_order(store: SessionStore, config: SessionConfig) -> None:
    first = store.create(config)
    for event in conversation(4):
        first.on_event(event)
    first.close()

    second = store.open_writer(first.session_id)
    assert second.path == first.path
    assert second.document.status == "running"
    second.on_event(SessionStarted(4))
    for event in conversation(3, start=4):
        second.on_event(event)
    second.on_event(control_event("paused", 7))
    second.on_event(control_event("resumed", 7))
    second.on_event(turn_event(7))
    second.on_event(SessionEnded("finished"))
    second.close()

    loaded = store.load(first.session_id)
    assert [turn.index for turn in loaded.turns] == list(range(8))
    assert [record.kind for record in loaded.controls] == ["renamed", "failure_injected", "paused", "resumed"]
    assert [point.turn_index for point in loaded.metrics] == list(range(7))
    assert loaded.status == "finished"
    assert loaded == second.document
    assert [summary.id for summary in store.list()] == [first.session_id]


def test_a_session_saved_as_one_document_can_be_resumed(store: SessionStore, config: SessionConfig) -> None:
    writer = store.create(config)
    for event in conversation(2):
        writer.on_event(event)
    writer.on_event(SessionEnded("finished"))
    writer.close()
    document = store.load(writer.session_id).model_copy(update={"id": "imported-1"})
    store.save_document(document)

    with store.open_writer("imported-1") as resumed:
        resumed.on_event(turn_event(2))
        resumed.on_event(SessionEnded("finished"))

    assert [turn.index for turn in store.load("imported-1").turns] == [0, 1, 2]


def test_a_second_writer_on_a_session_being_written_is_refused(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config)

    with pytest.raises(SessionLockedError, match=writer.session_id):
        store.open_writer(writer.session_id)
    writer.close()
    store.open_writer(writer.session_id).close()


def test_metric_values_are_stored_as_plain_json(store: SessionStore, config: SessionConfig) -> None:
    writer = store.create(config)
    writer.on_event(turn_event(0))
    writer.on_event(MetricsUpdated(0, 0, {"nan": float("nan"), "count": np.int64(3), "flag": np.bool_(True)}))

    assert store.load(writer.session_id).metrics[0].values == {"nan": None, "count": 3, "flag": True}
    assert writer.document.metrics[0].values == {"nan": None, "count": 3, "flag": True}
    writer.close()


def test_turn_text_survives_any_characters(store: SessionStore, config: SessionConfig) -> None:
    text = 'line one\nline two\r\n"quoted" \\ tab\t\u2028 emoji 🦉 nul\x00 end'
    with store.create(config) as writer:
        writer.on_event(turn_event(0, text=text))

    assert store.load(writer.session_id).turns[0] == make_turn(0, text=text)
