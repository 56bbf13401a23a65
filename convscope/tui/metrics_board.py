"""Every metric value seen so far, folded into "latest value" and "value per round".

Live and replay fill the same board (live from ``MetricsUpdated`` events, replay from the
saved or recomputed points), so the sidebar and the plots draw one shape either way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from convscope.core.metrics.loops import LoopThresholds, thresholds_from

_THRESHOLD_PREFIX = "loop.thresholds."


class MetricsPointLike(Protocol):
    @property
    def turn_index(self) -> int: ...

    @property
    def round(self) -> int: ...

    @property
    def values(self) -> Mapping[str, Any]: ...


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass
class MetricsBoard:
    latest: dict[str, Any] = field(default_factory=dict)
    by_round: dict[str, dict[int, float]] = field(default_factory=dict)
    by_turn: dict[str, dict[int, float]] = field(default_factory=dict)

    def absorb(self, turn_index: int, round_index: int, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            self.latest[key] = value
            number = _number(value)
            if number is not None:
                self.by_round.setdefault(key, {})[round_index] = number
                self.by_turn.setdefault(key, {})[turn_index] = number

    def series(self, key: str) -> list[float]:
        """The key's value at the end of each round it was measured in, in round order."""
        points = self.by_round.get(key, {})
        return [points[r] for r in sorted(points)]

    def turn_series(self, key: str) -> tuple[list[int], list[float]]:
        """The key's values turn by turn: (turn indices, values)."""
        points = self.by_turn.get(key, {})
        turns = sorted(points)
        return turns, [points[t] for t in turns]

    def number(self, key: str) -> float | None:
        return _number(self.latest.get(key))

    def snapshot(self) -> MetricsBoard:
        """An independent copy, safe to hand to the UI while the original keeps growing."""
        return MetricsBoard(
            dict(self.latest),
            {key: dict(points) for key, points in self.by_round.items()},
            {key: dict(points) for key, points in self.by_turn.items()},
        )

    @classmethod
    def from_points(
        cls, points: Iterable[MetricsPointLike], *, up_to_turn: int | None = None
    ) -> MetricsBoard:
        board = cls()
        for point in points:
            if up_to_turn is None or point.turn_index <= up_to_turn:
                board.absorb(point.turn_index, point.round, point.values)
        return board


def thresholds_of(board: MetricsBoard) -> LoopThresholds:
    """The loop thresholds the tracker reported with the board's latest values (defaults if none)."""
    values = {
        key.removeprefix(_THRESHOLD_PREFIX): value
        for key, value in board.latest.items()
        if key.startswith(_THRESHOLD_PREFIX) and isinstance(value, int | float)
    }
    try:
        return thresholds_from(values)
    except ValidationError:
        return LoopThresholds()
