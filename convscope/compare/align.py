"""Two transcripts side by side: turns paired by round, then by agent, and the first pair
that differs (for a branch, its branch point).

Pairing by round and agent rather than by index keeps a simultaneous round's answers
together whatever order they finished in, and keeps the rest aligned when one session
has more agents or more turns than the other: a turn with no counterpart is paired with
nothing. An agent speaking twice in a round (a coding panel's code and summary) is paired
by its first, second... turn of that round. A re-run turn replaces the failed one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from convscope.core.records import Turn
from convscope.core.reruns import latest_turns

_Slot = tuple[int, str, int]  # round, agent id, its n-th turn in the round


@dataclass(frozen=True)
class TurnPair:
    round: int
    agent_id: str
    a: Turn | None
    b: Turn | None

    @property
    def same(self) -> bool:
        """Both sessions have this turn, by the same agent under the same name, with the same
        text (or the same error)."""
        a, b = self.a, self.b
        if a is None or b is None:
            return False
        return (a.nickname, a.text, a.error) == (b.nickname, b.text, b.error)

    @property
    def index(self) -> int:
        """The turn's index in A, or in B where A has no such turn."""
        turn = self.a or self.b
        assert turn is not None  # a pair always holds at least one turn
        return turn.index


@dataclass(frozen=True)
class Alignment:
    pairs: list[TurnPair]

    @property
    def first_difference(self) -> int | None:
        """The position in ``pairs`` of the first pair that differs; None if none does."""
        return next((position for position, pair in enumerate(self.pairs) if not pair.same), None)

    @property
    def first_different_pair(self) -> TurnPair | None:
        position = self.first_difference
        return None if position is None else self.pairs[position]


def _slots(turns: Sequence[Turn]) -> dict[_Slot, Turn]:
    seen: Counter[tuple[int, str]] = Counter()
    slots: dict[_Slot, Turn] = {}
    for turn in latest_turns(turns):
        slots[(turn.round, turn.agent_id, seen[(turn.round, turn.agent_id)])] = turn
        seen[(turn.round, turn.agent_id)] += 1
    return slots


def align(a: Sequence[Turn], b: Sequence[Turn]) -> Alignment:
    """Every turn of either session, paired with its counterpart, in round then turn order."""
    first, second = _slots(a), _slots(b)
    pairs = [
        TurnPair(slot[0], slot[1], first.get(slot), second.get(slot)) for slot in first.keys() | second.keys()
    ]
    pairs.sort(key=lambda pair: (pair.round, pair.index, pair.a is None))
    return Alignment(pairs)
