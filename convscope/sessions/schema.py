"""The versioned session document: what a saved session is, whatever the storage around it.

The document reuses the engine's own records (``Turn``, ``ControlRecord``) so that the
engine, the store and replay agree on one shape. ``schema_version`` lets a newer convscope
read older files through a chain of small upgrade functions (``UPGRADES``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from convscope.core.config import SessionConfig
from convscope.core.controls import Roster, changes_a_setting, describe
from convscope.core.records import ControlRecord, Turn
from convscope.core.snapshot import Snapshot

SCHEMA_VERSION: int = 3

SessionStatus = Literal["running", "paused", "finished", "stopped", "interrupted"]

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

Timestamp = Annotated[float, Field(ge=0, lt=253_402_214_400)]
"""Seconds since 1970, before 9999-12-31: a date that every formatter, in any time zone, can print."""

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


def _typed_controls(raw: dict[str, Any]) -> dict[str, Any]:
    """Each control record's payload in typed fields, not in ``value`` strings.

    Version 1 kept a new name, a failure mode or an imported session's reason in ``value``
    (thresholds as JSON text inside it) and the replaced name or mode in ``previous``.
    """
    controls = raw.get("controls")
    if isinstance(controls, list):
        raw["controls"] = [_typed_control(record, position) for position, record in enumerate(controls)]
    return raw


def _typed_control(record: Any, position: int) -> Any:
    if not isinstance(record, dict):
        return record  # validation reports it
    typed = {key: record[key] for key in ("kind", "turn_index", "at") if key in record}
    value, previous = record.get("value"), record.get("previous")
    match record.get("kind"):
        case "renamed":
            typed |= {"agent_id": record.get("agent_id"), "name": value, "previous": previous}
        case "failure_injected":
            typed |= {"agent_id": record.get("agent_id"), "mode": value, "previous": previous}
        case "failure_cleared":
            typed |= {"agent_id": record.get("agent_id"), "previous": previous}
        case "thresholds_changed":
            typed["thresholds"] = _thresholds(value, position)
        case "stopped":
            typed["reason"] = value
    return typed


def _thresholds(value: Any, position: int) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        raise ValueError(f"controls.{position}: thresholds {value!r} are not JSON") from None


def _round_snapshots_have_no_turn(raw: dict[str, Any]) -> dict[str, Any]:
    """A round's metrics snapshot has ``turn_index`` null.

    Version 1 stored the index of the round's last turn there; a round's snapshot was told
    from a turn's only by its values, which have no ``turn.index``.
    """
    for point in raw.get("metrics") or ():
        values = point.get("values") if isinstance(point, dict) else None
        if isinstance(values, dict) and "turn.index" not in values:  # the key a turn's snapshot has
            point["turn_index"] = None
    return raw


def _version_2(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 -> 2: typed control payloads, and round snapshots without a turn index."""
    return _round_snapshots_have_no_turn(_typed_controls(raw))


def _version_3(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 2 -> 3: nothing to change. Version 3 only adds: a branch's ``parent``, a
    person's message as a turn (``human``, ``to``), ``cut_by = "interrupt"``, the records an
    intervention sent (``intervention``) and ``alarm_fired`` records, and the config's
    ``interventions``, ``alarms`` and ``prices``. The number changes so that a convscope that
    reads version 2 refuses such a file as newer, in one line, instead of failing on a field."""
    return raw


UPGRADES: Mapping[int, Upgrade] = {1: _version_2, 2: _version_3}
"""Version n -> the function that turns a raw version-n document into version n+1.

Version 1 was written by convscope up to commit b6e0ed3; a session folder it wrote is kept
in ``tests/sessions/fixtures/v1`` and must go on loading, replaying, exporting and analysing.
"""


class BranchOrigin(BaseModel):
    """Where a branch left its parent: the parent's id, and the first turn the branch ran itself.

    The branch's turns before ``at_turn`` are the parent's, copied verbatim with their control
    records and metrics (``convscope.sessions.branching``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_id: str
    at_turn: int = Field(ge=0)


class SessionDocument(BaseModel):
    """A whole session. Mutable on purpose: the writer appends to it in place, turn by turn."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str
    created_at: Timestamp
    updated_at: Timestamp
    status: SessionStatus
    config: SessionConfig
    turns: list[Turn] = []
    controls: list[ControlRecord] = []
    metrics: list[Snapshot] = []
    provenance: dict[str, Any] | None = None  # e.g. the imported source file
    parent: BranchOrigin | None = None  # set on a branch of another session (``convscope fork``)

    @field_validator("schema_version")
    @classmethod
    def _current_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"schema_version must be {SCHEMA_VERSION} once upgraded, not {value}")
        return value

    @field_validator("id")
    @classmethod
    def _id_is_a_folder_name(cls, value: str) -> str:
        """The id names the session's folder, so it must not be able to point anywhere else."""
        if not _ID_PATTERN.match(value):
            raise ValueError(f"session id {value!r} may only use letters, digits, '.', '_' and '-'")
        return value


class SessionSummary(BaseModel):
    """One line of a session listing."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    protocol: str
    agents: list[str]  # nicknames, as they were at the end of the session
    turns: int
    created_at: float
    updated_at: float
    status: SessionStatus
    parent: BranchOrigin | None = None
    changes: list[str] = []  # on a branch: what it changed at its branch turn, in words

    @classmethod
    def of(cls, document: SessionDocument) -> SessionSummary:
        names = Roster.fold(document.config, document.controls).names
        branch_turn = document.parent.at_turn if document.parent is not None else None
        changes = [
            describe(record, names)
            for record in document.controls
            if record.turn_index == branch_turn and changes_a_setting(record)
        ]
        return cls(
            id=document.id,
            title=document.config.title,
            protocol=document.config.protocol,
            agents=[names[agent.id] for agent in document.config.agents],
            turns=len(document.turns),
            created_at=document.created_at,
            updated_at=document.updated_at,
            status=document.status,
            parent=document.parent,
            changes=changes,
        )


def upgrade_document(raw: dict[str, Any], upgrades: Mapping[int, Upgrade] = UPGRADES) -> dict[str, Any]:
    """Bring a raw document of any readable version up to ``SCHEMA_VERSION``.

    Raises ValueError (one line) for a document without a version, one from a newer
    convscope, or one older than the oldest upgrade we still ship.
    """
    version = raw.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("no schema_version: not a convscope session document")
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"schema_version {version} is newer than this convscope reads ({SCHEMA_VERSION}): "
            "upgrade convscope"
        )
    while version < SCHEMA_VERSION:
        if version not in upgrades:
            oldest = min([*upgrades, SCHEMA_VERSION])
            raise ValueError(
                f"schema_version {version} is too old: this convscope reads versions {oldest} and up"
            )
        raw = upgrades[version](raw)
        version += 1
        raw["schema_version"] = version
    return raw
