"""Token use and cost, from the usage each turn's provider reported.

Nothing is estimated: a turn whose provider reported no usage (a scripted agent, a server
that sends none) adds nothing, and an agent none of whose turns reported any has n/a. Every
turn counts, measured or not (a coding panel's summaries cost tokens too), a failed one with
whatever usage it reported. Cost needs the config's ``[prices]`` (per million tokens, by
provider spec; the config refuses prices that leave an agent's model out); without them there
is no cost key. A network's judge is not a turn: its tokens are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Price(Protocol):
    @property
    def input(self) -> float: ...

    @property
    def output(self) -> float: ...


class UsageMeter:
    """Running totals per agent, as snapshot values (keys in ``catalogue``'s tokens and cost)."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self.prices = dict(prices or {})
        self._prompt: dict[str, int | None] = {}  # agent id -> prompt tokens reported (None: none)
        self._completion: dict[str, int | None] = {}
        self._cost: dict[str, float | None] = {}

    def observe(self, agent_id: str, model: str, prompt: int | None, completion: int | None) -> None:
        for totals, count in ((self._prompt, prompt), (self._completion, completion)):
            totals.setdefault(agent_id, None)
            if count is not None:
                totals[agent_id] = (totals[agent_id] or 0) + count
        self._cost.setdefault(agent_id, None)
        price = self.prices.get(model)
        if price is not None and (prompt is not None or completion is not None):
            cost = ((prompt or 0) * price.input + (completion or 0) * price.output) / 1_000_000
            self._cost[agent_id] = (self._cost[agent_id] or 0.0) + cost

    def values(self) -> dict[str, Any]:
        prompt, completion = _total(self._prompt), _total(self._completion)
        values: dict[str, Any] = {
            "tokens.prompt": prompt,
            "tokens.completion": completion,
            "tokens.total": None
            if prompt is None and completion is None
            else (prompt or 0) + (completion or 0),
        }
        for agent in self._prompt:
            own = (self._prompt[agent], self._completion[agent])
            values[f"tokens.agent.{agent}"] = None if own == (None, None) else sum(n or 0 for n in own)
        if self.prices:
            values["cost.total"] = _total(self._cost)
            values.update({f"cost.agent.{agent}": cost for agent, cost in self._cost.items()})
        return values


def _total(by_agent: Mapping[str, float | None]) -> Any:
    reported = [value for value in by_agent.values() if value is not None]
    return sum(reported) if reported else None
