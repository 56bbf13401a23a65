"""Which turn of an index counts: a failed turn re-run (``resume --retry-failed``) is
recorded again under the same index, after the failed one, and the latest one counts."""

from __future__ import annotations

from collections.abc import Iterable

from convscope.core.records import Turn


def latest_turns(turns: Iterable[Turn]) -> list[Turn]:
    """One turn per index, the last recorded, in index order."""
    return sorted({turn.index: turn for turn in turns}.values(), key=lambda turn: turn.index)
