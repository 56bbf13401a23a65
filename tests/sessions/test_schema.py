"""The versioned document: upgrading older versions, refusing unreadable ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from convscope.core.records import Stopped, ThresholdsChanged
from convscope.sessions.errors import CorruptSessionError
from convscope.sessions.schema import SCHEMA_VERSION, UPGRADES, SessionDocument, upgrade_document
from convscope.sessions.store import SessionStore
from tests.sessions.builders import make_config, make_turn


def _current_document() -> dict[str, Any]:
    return SessionDocument(
        id="20261123-142501-ab12",
        created_at=1.0,
        updated_at=2.0,
        status="finished",
        config=make_config(),
        turns=[make_turn(0), make_turn(1)],
    ).model_dump(mode="json")


def _v0_document() -> dict[str, Any]:
    """An imagined older shape: the turns were called 'transcript', there were no metrics."""
    raw = _current_document()
    raw["schema_version"] = 0
    raw["transcript"] = raw.pop("turns")
    del raw["metrics"]
    return raw


def _upgrade_v0(raw: dict[str, Any]) -> dict[str, Any]:
    raw["turns"] = raw.pop("transcript")
    raw["metrics"] = []
    return raw


def test_the_upgrade_chain_brings_an_older_document_to_the_current_version() -> None:
    upgraded = upgrade_document(_v0_document(), upgrades={**UPGRADES, 0: _upgrade_v0})

    document = SessionDocument.model_validate(upgraded)
    assert document.schema_version == SCHEMA_VERSION
    assert document.turns == [make_turn(0), make_turn(1)]


def test_a_version_2_document_reads_as_version_3_with_nothing_else_changed() -> None:
    """Version 3 only added optional fields: a session saved before branches, messages,
    interventions and alarms loads as it was."""
    current = _current_document()
    version_2 = {**current, "schema_version": 2}  # without the fields version 3 added:
    del version_2["parent"]
    version_2["config"] = {
        key: value
        for key, value in current["config"].items()
        if key not in {"interventions", "alarms", "prices"}
    }
    version_2["turns"] = [
        {key: value for key, value in turn.items() if key not in {"human", "to"}} for turn in current["turns"]
    ]

    document = SessionDocument.model_validate(upgrade_document(version_2))

    assert document == SessionDocument.model_validate(current)


def test_a_current_document_passes_through_the_chain_untouched() -> None:
    assert upgrade_document(_current_document(), upgrades={0: _upgrade_v0}) == _current_document()


def test_a_version_without_an_upgrade_is_refused_clearly(store: SessionStore, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(_v0_document()))
    before = path.read_bytes()

    with pytest.raises(CorruptSessionError) as raised:
        store.load(path)

    assert str(raised.value) == f"{path}: schema_version 0 is too old: this convscope reads versions 1 and up"
    assert path.read_bytes() == before


def test_a_document_from_a_newer_convscope_is_refused(store: SessionStore, tmp_path: Path) -> None:
    raw = _current_document()
    raw["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(raw))

    with pytest.raises(CorruptSessionError, match="newer than this convscope reads"):
        store.load(path)


def test_a_document_must_carry_the_current_version_once_upgraded() -> None:
    with pytest.raises(ValueError, match=f"schema_version must be {SCHEMA_VERSION}"):
        SessionDocument.model_validate({**_current_document(), "schema_version": 0})


def test_a_session_id_cannot_point_outside_its_folder() -> None:
    with pytest.raises(ValueError, match="session id"):
        SessionDocument.model_validate({**_current_document(), "id": "../elsewhere"})


def _v1_with_controls(*controls: dict[str, Any]) -> dict[str, Any]:
    raw = _current_document()
    raw["schema_version"] = 1
    raw["controls"] = list(controls)
    return raw


def test_version_1_thresholds_written_as_json_text_become_a_mapping() -> None:
    raw = _v1_with_controls(
        {
            "kind": "thresholds_changed",
            "turn_index": 1,
            "at": 5.0,
            "agent_id": None,
            "value": '{"bleu": 0.3, "min_steps": 4}',
            "previous": None,
        },
    )

    [record] = SessionDocument.model_validate(upgrade_document(raw)).controls

    assert record == ThresholdsChanged(turn_index=1, at=5.0, thresholds={"bleu": 0.3, "min_steps": 4})


def test_a_version_1_imported_stop_keeps_its_reason() -> None:
    raw = _v1_with_controls(
        {
            "kind": "stopped",
            "turn_index": 2,
            "at": 5.0,
            "agent_id": None,
            "value": "rate limits",
            "previous": None,
        }
    )

    [record] = SessionDocument.model_validate(upgrade_document(raw)).controls

    assert record == Stopped(turn_index=2, at=5.0, reason="rate limits")


def test_version_1_thresholds_that_are_not_json_are_refused_in_one_line(
    store: SessionStore, tmp_path: Path
) -> None:
    path = tmp_path / "old.json"
    path.write_text(
        json.dumps(
            _v1_with_controls(
                {
                    "kind": "thresholds_changed",
                    "turn_index": 1,
                    "at": 5.0,
                    "agent_id": None,
                    "value": "{bleu",
                    "previous": None,
                },
            )
        )
    )
    before = path.read_bytes()

    with pytest.raises(CorruptSessionError) as raised:
        store.load(path)

    assert str(raised.value) == f"{path}: controls.0: thresholds '{{bleu' are not JSON"
    assert path.read_bytes() == before
