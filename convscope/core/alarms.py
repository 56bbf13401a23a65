"""Alarms: the session file's ``[[alarms]]``, a condition on a metric of the catalogue and an
action (pause, stop, or only mark the moment).

``when = "loop.active"`` watches a yes/no metric; ``when = "tokens.total > 200000"`` compares
a metric with a number (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``). A rule reads the turns'
snapshots when its metric is reported per turn, else the rounds', and fires once each time its
condition becomes true (not again while it stays true). The engine records each firing as an
``AlarmFired`` control record before the next turn, then sends the action's command.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from convscope.core.interventions import Commands, complaint
from convscope.core.metrics import catalogue
from convscope.core.records import AlarmAction, AlarmFired
from convscope.core.snapshot import Snapshot

Op = Literal["<", "<=", ">", ">=", "==", "!="]
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_CONDITION = re.compile(r"^\s*(?P<key>[^\s<>=!]+)\s*(?:(?P<op><=|>=|==|!=|<|>)\s*(?P<number>\S+))?\s*$")
_WHEN_FORMS = "'METRIC' (a yes/no metric) or 'METRIC OP NUMBER' with OP one of < <= > >= == !="


@dataclass(frozen=True)
class Condition:
    """A parsed ``when``: a yes/no metric, or a metric compared with a number."""

    metric: catalogue.Metric
    key: str
    op: Op | None = None
    number: float | None = None

    def holds(self, value: object) -> bool:
        """Whether a snapshot's value meets it; a missing value (n/a) never does."""
        if value is None or not isinstance(value, int | float):
            return False
        if self.op is None or self.number is None:
            return bool(value)
        return _OPS[self.op](float(value), self.number)

    @property
    def scope(self) -> catalogue.Scope:
        """The snapshots it reads: where its metric changes first."""
        return self.metric.earliest_scope


def parse_condition(when: str) -> Condition:
    """A ``when`` string checked against the catalogue; a one-line ValueError otherwise."""
    match = _CONDITION.match(when)
    if match is None:
        raise ValueError(f"cannot read {when!r}: write {_WHEN_FORMS}")
    key, op, text = match["key"], match["op"], match["number"]
    entry = catalogue.metric(key)
    if entry is None:
        known = [e.key for e in catalogue.CATALOGUE if e not in catalogue.IDENTITY]
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hint = (
            f"did you mean {' or '.join(close)}?" if close else "the keys are listed in docs/interventions.md"
        )
        raise ValueError(f"unknown metric {key!r} ({hint})")
    if op is None:
        if entry.unit != "flag":
            raise ValueError(f"{key!r} is not a yes/no metric: compare it with a number, e.g. '{key} > 0.5'")
        return Condition(entry, key)
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{when!r}: {text!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{when!r}: the number must be finite")
    return Condition(entry, key, op, number)  # type: ignore[arg-type]  # op matched one of _OPS


class Alarm(BaseModel):
    """One ``[[alarms]]`` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: str
    action: AlarmAction

    @field_validator("when")
    @classmethod
    def _readable(cls, when: str) -> str:
        try:
            parse_condition(when)
        except ValueError as error:
            raise complaint(str(error)) from None
        return when

    @property
    def condition(self) -> Condition:
        return parse_condition(self.when)

    def send(self, commands: Commands) -> None:
        """Its action, as the pause key or a stop naming the alarm; ``mark`` sends nothing."""
        if self.action == "pause":
            commands.pause()
        elif self.action == "stop":
            commands.stop(f"alarm {self.when!r}")


@dataclass(frozen=True)
class Firing:
    """An alarm whose condition just became true, and the snapshot where it did."""

    rule: int
    alarm: Alarm
    value: bool | int | float | None
    snapshot: Snapshot

    def record(self, turn_index: int, at: float) -> AlarmFired:
        """Its control record, stamped with the turn it lands before."""
        return AlarmFired(
            turn_index=turn_index,
            at=at,
            rule=self.rule,
            when=self.alarm.when,
            metric=self.alarm.condition.key,
            value=self.value,
            action=self.alarm.action,
            measured_turn=self.snapshot.turn_index,
            round=self.snapshot.round,
        )


class AlarmWatch:
    """A session's alarms over its stream of snapshots; ``seen`` (a resumed session's saved
    snapshots) says which conditions already hold, so that those do not fire again."""

    def __init__(self, alarms: Sequence[Alarm], seen: Iterable[Snapshot] = ()) -> None:
        self._rules = [(alarm, alarm.condition) for alarm in alarms]
        self._holding = [False] * len(self._rules)
        self._fired: list[Firing] = []
        for snapshot in seen:
            self.observe(snapshot)
        self._fired.clear()

    def __bool__(self) -> bool:
        return bool(self._rules)

    def observe(self, snapshot: Snapshot) -> None:
        scope = "round" if snapshot.is_round else "turn"
        for position, (alarm, condition) in enumerate(self._rules):
            if condition.scope != scope or condition.key not in snapshot.values:
                continue
            value = snapshot.values[condition.key]
            holds = condition.holds(value)
            if holds and not self._holding[position]:
                self._fired.append(Firing(position, alarm, value, snapshot))
            self._holding[position] = holds

    def take(self) -> list[Firing]:
        """The firings since the last call, in the order the snapshots came."""
        fired, self._fired = self._fired, []
        return fired
