"""Two transcripts side by side: turns paired by round, then by agent, and the first pair
that differs (for a branch, its branch point).

Pairing by round and agent rather than by index keeps a simultaneous round's answers
together whatever order they finished in, and keeps the rest aligned when one session
has more agents or more turns than the other. An agent speaking twice in a round (a coding
panel's code and summary) is paired by its first, second... turn of that round. The turns
of a round left over on both sides (agents under other ids, as in two War Room series) are
paired in speaking order; what is left after that has no counterpart. A re-run turn
replaces the failed one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from convscope.core.records import Turn
from convscope.core.reruns import latest_turns

_Slot = tuple[str, int]  # agent id, its n-th turn in the round


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
    seen: Counter[str] = Counter()
    slots: dict[_Slot, Turn] = {}
    for turn in turns:
        slots[(turn.agent_id, seen[turn.agent_id])] = turn
        seen[turn.agent_id] += 1
    return slots


def _by_round(turns: Sequence[Turn]) -> dict[int, list[Turn]]:
    rounds: dict[int, list[Turn]] = defaultdict(list)
    for turn in latest_turns(turns):
        rounds[turn.round].append(turn)
    return rounds


def _round_pairs(number: int, a: Sequence[Turn], b: Sequence[Turn]) -> list[TurnPair]:
    first, second = _slots(a), _slots(b)
    shared = first.keys() & second.keys()
    pairs = [TurnPair(number, slot[0], first[slot], second[slot]) for slot in shared]
    rest_a = [turn for slot, turn in first.items() if slot not in shared]
    rest_b = [turn for slot, turn in second.items() if slot not in shared]
    for turn_a, turn_b in zip_longest(rest_a, rest_b):
        speaker = turn_a or turn_b
        pairs.append(TurnPair(number, speaker.agent_id, turn_a, turn_b))
    return pairs


def align(a: Sequence[Turn], b: Sequence[Turn]) -> Alignment:
    """Every turn of either session, paired with its counterpart, in round then turn order."""
    rounds_a, rounds_b = _by_round(a), _by_round(b)
    pairs = [
        pair
        for number in sorted(rounds_a.keys() | rounds_b.keys())
        for pair in _round_pairs(number, rounds_a.get(number, []), rounds_b.get(number, []))
    ]
    pairs.sort(key=lambda pair: (pair.round, pair.index, pair.a is None))
    return Alignment(pairs)
