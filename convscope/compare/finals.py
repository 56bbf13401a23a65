"""A session's catalogue measures as they stood at its end, and how a measure and a
difference between two of them are written.

A measure rounds report takes its value from the last round snapshot (the sidebar's value
when the session ended); a measure only turns report (a loop distance, an opinion score)
from the last turn's. Identity keys (turn index, agent...) and keys the catalogue does not
know (a session saved by another version) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.catalogue import Metric, Scope
from convscope.core.snapshot import Snapshot

_OTHER: dict[Scope, Scope] = {"turn": "round", "round": "turn"}
_POSITION = {entry: position for position, entry in enumerate(m.CATALOGUE)}


def measure(key: str) -> Metric | None:
    """The catalogue entry of a measure's key; None for identity and unknown keys."""
    entry = m.metric(key)
    return None if entry is None or entry in m.IDENTITY else entry


def final_values(points: Sequence[Snapshot]) -> dict[str, Any]:
    """Each measure's final value, keyed as in the snapshots, in catalogue order."""
    latest: dict[Scope, dict[str, Any]] = {"turn": {}, "round": {}}
    for point in points:
        latest["round" if point.is_round else "turn"].update(
            (key, value) for key, value in point.values.items() if measure(key) is not None
        )
    finals: dict[str, Any] = {}
    for key in ordered(latest["turn"].keys() | latest["round"].keys()):
        entry = measure(key)
        scope = entry.standing_scope if entry is not None else "round"
        # a session cut before its first round closed has a round measure in its turns only
        finals[key] = latest[scope][key] if key in latest[scope] else latest[_OTHER[scope]][key]
    return finals


def ordered(keys: Iterable[str]) -> list[str]:
    """Measure keys in catalogue order (a per-agent key at its pattern's place), each once."""
    return sorted({key for key in keys if measure(key) is not None}, key=_rank)


def _rank(key: str) -> tuple[int, str]:
    entry = measure(key)
    return (len(_POSITION) if entry is None else _POSITION[entry]), key


def agent_of(entry: Metric, key: str) -> str | None:
    """The agent id in a per-agent key (``confidence.a1`` -> ``a1``); None for any other."""
    if "{agent}" not in entry.key:
        return None
    prefix, suffix = entry.key.split("{agent}")
    return key[len(prefix) : len(key) - len(suffix)]


def label_of(key: str, names: Mapping[str, str]) -> str:
    """The catalogue's label, with the agent's name for a per-agent key."""
    entry = measure(key)
    if entry is None:
        return key
    agent = agent_of(entry, key)
    return entry.label if agent is None else f"{entry.label} ({names.get(agent, agent)})"


def numeric(value: Any) -> float | None:
    """A value the statistics can use: a flag counts 0 or 1; text and missing are None."""
    if isinstance(value, bool):
        return float(value)
    return float(value) if isinstance(value, int | float) else None


def difference(a: Any, b: Any) -> float | None:
    """b - a for two numbers (flags as 0/1); None when either is missing."""
    first, second = numeric(a), numeric(b)
    return None if first is None or second is None else second - first


def format_difference(key: str, value: float | None) -> str:
    """A difference as its measure is written, always signed; an unchanged value is 0."""
    if value is None:
        return ""
    entry = measure(key)
    if entry is not None and entry.unit in ("count", "turn", "id", "flag") and float(value).is_integer():
        return f"{int(value):+d}"
    return f"{value:+.3f}"


def format_final(key: str, value: Any) -> str:
    entry = measure(key)
    return m.format_value(value) if entry is None else entry.format(value)


def format_mean(key: str, value: float | None) -> str:
    """A mean over sessions: three decimals whatever the unit (a mean count is no count),
    signed where the measure is."""
    if value is None:
        return "n/a"
    entry = measure(key)
    return f"{value:+.3f}" if entry is not None and entry.unit == "signed" else f"{value:.3f}"
