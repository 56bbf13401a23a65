"""One measure of two sessions on one chart: A's curve and B's, where they part marked.

A measure rounds report is drawn by round, one only turns report by turn (as the session
charts draw them); the label, scope and unit are the catalogue's.
"""

from __future__ import annotations

from collections.abc import Sequence

from convscope.core.metrics import catalogue as m
from convscope.core.snapshot import Snapshot
from convscope.plotdata.model import LineChart, Marker
from convscope.plotdata.session import round_series, turn_series

PartedAt = tuple[int, int]  # the first differing turn's index and round


def overlay_chart(
    key: str,
    label: str,
    a: Sequence[Snapshot],
    b: Sequence[Snapshot],
    *,
    names: tuple[str, str] = ("A", "B"),
    parted: PartedAt | None = None,
) -> LineChart:
    """``key`` in both sessions; ``parted`` marks the first difference."""
    entry = m.metric(key)
    by_round = entry is None or entry.standing_scope == "round"
    series = round_series if by_round else turn_series
    markers = (
        [] if parted is None else [Marker(float(parted[1] if by_round else parted[0]), "first difference")]
    )
    return LineChart(
        f"compare-{key}",
        f"{label}: {names[0]} against {names[1]}",
        "round" if by_round else "turn",
        label,
        [series(a, key, names[0]), series(b, key, names[1])],
        markers,
    )
