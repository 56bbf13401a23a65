"""The versioned session document: what a saved session is, whatever the storage around it.

The document reuses the engine's own records (``Turn``, ``ControlRecord``) so that the
engine, the store and replay agree on one shape. ``schema_version`` lets a newer convscope
read older files through a chain of small upgrade functions (``UPGRADES``).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from convscope.core.config import SessionConfig
from convscope.core.records import ControlRecord, Turn

SCHEMA_VERSION: int = 1

SessionStatus = Literal["running", "paused", "finished", "stopped", "interrupted"]

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

Timestamp = Annotated[float, Field(ge=0, lt=253_402_214_400)]
"""Seconds since 1970, before 9999-12-31: a date that every formatter, in any time zone, can print."""

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

UPGRADES: Mapping[int, Upgrade] = {}
"""Version n -> the function that turns a raw version-n document into version n+1.

Empty while version 1 is the only one that ever existed; the next schema change adds
its entry here (and nothing else has to change in the loader).
"""


def _json_safe(value: Any) -> Any:
    """Metric values as plain JSON: NaN/inf become None, numpy scalars become Python numbers.

    Done on the way in so that the in-memory document and the loaded one are equal, and the
    files stay strict JSON that any other tool can read.
    """
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if callable(getattr(value, "item", None)):  # numpy scalars (np.bool_ is not a Number)
        return _json_safe(value.item())
    raise ValueError(f"metric value of type {type(value).__name__} cannot be saved as JSON")


class MetricsPoint(BaseModel):
    """The metric values the engine reported after one turn (or at the end of a round)."""

    model_config = ConfigDict(extra="forbid")

    turn_index: int
    round: int
    values: dict[str, Any]

    @field_validator("values")
    @classmethod
    def _plain_json(cls, values: dict[str, Any]) -> dict[str, Any]:
        safe: dict[str, Any] = _json_safe(values)
        return safe


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
    metrics: list[MetricsPoint] = []
    provenance: dict[str, Any] | None = None  # e.g. the imported source file

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

    @classmethod
    def of(cls, document: SessionDocument) -> SessionSummary:
        names = {agent.id: agent.nickname for agent in document.config.agents}
        for record in document.controls:
            if record.kind == "renamed" and record.agent_id in names and record.value:
                names[record.agent_id] = record.value
        return cls(
            id=document.id,
            title=document.config.title,
            protocol=document.config.protocol,
            agents=list(names.values()),
            turns=len(document.turns),
            created_at=document.created_at,
            updated_at=document.updated_at,
            status=document.status,
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
