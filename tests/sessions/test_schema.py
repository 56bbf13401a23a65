"""The versioned document: upgrading older versions, refusing unreadable ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from convscope.sessions.errors import CorruptSessionError
from convscope.sessions.schema import SCHEMA_VERSION, UPGRADES, SessionDocument, upgrade_document
from convscope.sessions.store import SessionStore
from tests.sessions.builders import make_config, make_turn


def _v1_document() -> dict[str, Any]:
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
    raw = _v1_document()
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


def test_a_current_document_passes_through_the_chain_untouched() -> None:
    assert upgrade_document(_v1_document(), upgrades={0: _upgrade_v0}) == _v1_document()


def test_a_version_without_an_upgrade_is_refused_clearly(store: SessionStore, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(_v0_document()))
    before = path.read_bytes()

    with pytest.raises(CorruptSessionError) as raised:
        store.load(path)

    assert str(raised.value) == f"{path}: schema_version 0 is too old: this convscope reads versions 1 and up"
    assert path.read_bytes() == before


def test_a_document_from_a_newer_convscope_is_refused(store: SessionStore, tmp_path: Path) -> None:
    raw = _v1_document()
    raw["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(raw))

    with pytest.raises(CorruptSessionError, match="newer than this convscope reads"):
        store.load(path)


def test_a_document_must_carry_the_current_version_once_upgraded() -> None:
    with pytest.raises(ValueError, match=f"schema_version must be {SCHEMA_VERSION}"):
        SessionDocument.model_validate({**_v1_document(), "schema_version": 0})


def test_a_session_id_cannot_point_outside_its_folder() -> None:
    with pytest.raises(ValueError, match="session id"):
        SessionDocument.model_validate({**_v1_document(), "id": "../elsewhere"})
