"""A text sparkline: a series drawn with block characters, so it can sit inside a line of text."""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"


def sparkline(
    values: Sequence[float], width: int, low: float | None = None, high: float | None = None
) -> str:
    """The last ``width`` values; scaled to ``low..high`` (default: the values' own range)."""
    shown = list(values)[-width:]
    if not shown:
        return ""
    low = min(shown) if low is None else low
    high = max(shown) if high is None else high
    if high <= low:
        return BARS[len(BARS) // 2] * len(shown)
    top = len(BARS) - 1
    return "".join(BARS[max(0, min(top, round((v - low) / (high - low) * top)))] for v in shown)
