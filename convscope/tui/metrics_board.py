"""Every metric snapshot seen so far, as points (``convscope.plotdata``) plus the two views the
sidebar reads: each key's latest value and its value at the end of each round.

Live and replay fill the same board (live from ``MetricsUpdated`` events, replay from the
saved or recomputed snapshots), so the sidebar and the plots draw one shape either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.loops import LoopThresholds, thresholds_from
from convscope.core.snapshot import Snapshot
from convscope.plotdata.points import number


@dataclass
class MetricsBoard:
    points: list[Snapshot] = field(default_factory=list)
    latest: dict[str, Any] = field(default_factory=dict)
    by_round: dict[str, dict[int, float]] = field(default_factory=dict)

    def absorb(self, point: Snapshot) -> None:
        self.points.append(point)
        for key, value in point.values.items():
            self.latest[key] = value
            measured = number(value)
            if measured is not None:
                self.by_round.setdefault(key, {})[point.round] = measured

    def series(self, key: str) -> list[float]:
        """The key's value at the end of each round it was measured in, in round order."""
        rounds = self.by_round.get(key, {})
        return [rounds[r] for r in sorted(rounds)]

    def number(self, key: str) -> float | None:
        return number(self.latest.get(key))

    def snapshot(self) -> MetricsBoard:
        """An independent copy, safe to hand to the UI while the original keeps growing."""
        return MetricsBoard(
            list(self.points), dict(self.latest), {key: dict(r) for key, r in self.by_round.items()}
        )

    @classmethod
    def from_points(cls, points: Iterable[Snapshot], *, up_to_turn: int | None = None) -> MetricsBoard:
        """The board once turn ``up_to_turn`` is over; a round's snapshot counts from its last turn."""
        board = cls()
        last_turn = -1
        for point in points:
            last_turn = last_turn if point.turn_index is None else point.turn_index
            if up_to_turn is not None and last_turn > up_to_turn:
                break
            board.absorb(point)
        return board


def thresholds_of(board: MetricsBoard) -> LoopThresholds:
    """The loop thresholds the tracker reported with the board's latest values (defaults if none)."""
    fields = {**m.LOOP_THRESHOLD, "min_steps": m.LOOP_MIN_STEPS}
    values = {
        name: value
        for name, entry in fields.items()
        if isinstance(value := board.latest.get(entry.key), int | float)
    }
    try:
        return thresholds_from(values)
    except ValidationError:
        return LoopThresholds()
