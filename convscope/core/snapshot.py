"""A metrics snapshot: the one record the tracker returns, the engine emits (it is the
``MetricsUpdated`` event), the session file stores and the plots draw.

A turn's snapshot has its ``turn_index``; a round's, taken when the round ends, has None.
Its values are plain JSON from the start (NaN and infinities become None, numpy scalars
Python numbers), so the in-memory session and the one loaded back are equal.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from pydantic import ConfigDict, field_validator
from pydantic.dataclasses import dataclass


def json_safe(value: Any) -> Any:
    """A metric value as plain JSON; a ValueError for what JSON cannot hold."""
    kind = type(value)
    if kind is float:  # the common case first: the ABC checks below cost ten times more
        return value if math.isfinite(value) else None
    if value is None or kind is int or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if callable(getattr(value, "item", None)):  # numpy scalars (np.bool_ is not a Number)
        return json_safe(value.item())
    raise ValueError(f"metric value of type {type(value).__name__} cannot be saved as JSON")


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Snapshot:
    turn_index: int | None  # None: the snapshot taken when the round ended
    round: int
    values: dict[str, Any] = field(default_factory=dict)

    @field_validator("values")
    @classmethod
    def _plain_json(cls, values: dict[str, Any]) -> dict[str, Any]:
        safe: dict[str, Any] = json_safe(values)
        return safe

    @property
    def is_round(self) -> bool:
        return self.turn_index is None
