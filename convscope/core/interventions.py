"""Scheduled interventions: the session file's ``[[interventions]]``, each sent to the engine at
a turn boundary as the very command a person's key sends, so it is recorded the same way.

An intervention is a boundary (``at_turn = N``: before the turn with index N, or the
simultaneous batch holding it; ``at_round = N``: before the first turn of round N) and one
action. Each action is a small model whose ``send`` calls one engine command; a new kind of
action is one such model and one field of :class:`Intervention`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator
from pydantic_core import PydanticCustomError

from convscope.core.metrics.loops import thresholds_from
from convscope.core.providers.failures import parse_failure
from convscope.core.records import ControlRecord, Turn


def complaint(message: str) -> PydanticCustomError:
    """A validation error that reads as ``message`` alone (pydantic prefixes a ValueError's)."""
    return PydanticCustomError("config", "{message}", {"message": message})


class Commands(Protocol):
    """The engine commands an intervention or an alarm sends (``convscope.core.engine.Engine``)."""

    def pause(self) -> None: ...

    def stop(self, reason: str | None = None) -> None: ...

    def inject_failure(self, agent_id: str, mode: str) -> None: ...

    def clear_failure(self, agent_id: str) -> None: ...

    def rename(self, agent_id: str, name: str) -> None: ...

    def set_thresholds(self, thresholds: Mapping[str, float]) -> None: ...

    def say(self, text: str, *, speaker: str = "Moderator", to: str | None = None) -> None: ...


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def agents(self) -> tuple[str, ...]:
        """The agent ids the action names, which the session must have."""
        return ()


class Fail(_Action):
    """``fail = { agent = "b", mode = "decommissioned" }``: the failure key."""

    agent: str
    mode: str

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, mode: str) -> str:
        try:
            parse_failure(mode)
        except ValueError as error:
            raise complaint(str(error)) from None
        return mode

    def agents(self) -> tuple[str, ...]:
        return (self.agent,)

    def send(self, commands: Commands) -> None:
        commands.inject_failure(self.agent, self.mode)


class Clear(_Action):
    """``clear = { agent = "b" }``: the failure key on an agent that has a failure."""

    agent: str

    def agents(self) -> tuple[str, ...]:
        return (self.agent,)

    def send(self, commands: Commands) -> None:
        commands.clear_failure(self.agent)


class Rename(_Action):
    """``rename = { agent = "a", to = "GPT-4o" }``: the rename key."""

    agent: str
    to: str = Field(min_length=1, max_length=40, pattern=r"\S")

    def agents(self) -> tuple[str, ...]:
        return (self.agent,)

    def send(self, commands: Commands) -> None:
        commands.rename(self.agent, self.to)


class Thresholds(RootModel[dict[str, float]]):
    """``thresholds = { bleu = 0.3, min_steps = 2 }``: the loop-thresholds dialog."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _known_thresholds(self) -> Thresholds:
        thresholds_from(self.root)
        return self

    def agents(self) -> tuple[str, ...]:
        return ()

    def send(self, commands: Commands) -> None:
        commands.set_thresholds(self.root)


class Say(_Action):
    """``say = { text = "...", as = "Moderator", to = "b" }``: the message key, as a human turn
    for every agent, or only for the agent ``to`` (an id)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True)

    text: str = Field(min_length=1, pattern=r"\S")
    speaker: str = Field(default="Moderator", alias="as", min_length=1, max_length=40, pattern=r"\S")
    to: str | None = None

    def agents(self) -> tuple[str, ...]:
        return (self.to,) if self.to is not None else ()

    def send(self, commands: Commands) -> None:
        commands.say(self.text, speaker=self.speaker, to=self.to)


class _Flag(_Action):
    """An action written ``name = true`` (saved as an empty table)."""

    @model_validator(mode="before")
    @classmethod
    def _from_true(cls, data: Any) -> Any:
        if data is True:
            return {}
        if data is False:
            raise complaint("write it as true, or leave it out")
        return data


class Pause(_Flag):
    """``pause = true``: the pause key."""

    def send(self, commands: Commands) -> None:
        commands.pause()


class Stop(_Flag):
    """``stop = true``: the session ends there, as stopped."""

    def send(self, commands: Commands) -> None:
        commands.stop("scheduled stop")


Action = Fail | Clear | Rename | Thresholds | Say | Pause | Stop
_BOUNDARIES = ("at_turn", "at_round")


class Intervention(BaseModel):
    """One ``[[interventions]]`` entry: exactly one boundary and exactly one action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_turn: int | None = Field(default=None, ge=0)
    at_round: int | None = Field(default=None, ge=0)
    fail: Fail | None = None
    clear: Clear | None = None
    rename: Rename | None = None
    thresholds: Thresholds | None = None
    say: Say | None = None
    pause: Pause | None = None
    stop: Stop | None = None

    @model_validator(mode="after")
    def _one_boundary_one_action(self) -> Intervention:
        if (self.at_turn is None) == (self.at_round is None):
            raise complaint("give exactly one of at_turn or at_round")
        actions = [name for name in self._action_fields() if getattr(self, name) is not None]
        if len(actions) != 1:
            raise complaint(f"give exactly one action of: {', '.join(self._action_fields())}")
        return self

    @classmethod
    def _action_fields(cls) -> list[str]:
        return [name for name in cls.model_fields if name not in _BOUNDARIES]

    @property
    def action(self) -> Action:
        action: Action = next(
            getattr(self, name) for name in self._action_fields() if getattr(self, name) is not None
        )
        return action

    def due(self, indices: Sequence[int], round_index: int) -> bool:
        """Whether it applies before a batch of turns with these indices, in this round."""
        if self.at_turn is not None:
            return self.at_turn <= max(indices)
        return self.at_round is not None and self.at_round <= round_index

    def passed(self, transcript: Sequence[Turn]) -> bool:
        """Whether its boundary lies behind a saved transcript (a turn at or after it exists)."""
        if self.at_turn is not None:
            return any(turn.index >= self.at_turn for turn in transcript)
        return any(self.at_round is not None and turn.round >= self.at_round for turn in transcript)


def unknown_agents(interventions: Sequence[Intervention], agent_ids: Sequence[str]) -> str | None:
    """The first intervention naming an agent the session lacks, as one line; None if none does."""
    for position, intervention in enumerate(interventions):
        for agent in intervention.action.agents():
            if agent not in agent_ids:
                return f"entry {position} names an unknown agent {agent!r} (agents: {', '.join(agent_ids)})"
    return None


class Schedule:
    """The interventions still to come in one run; a resumed run skips those already applied
    (their record is in the saved controls) and those whose boundary is behind it."""

    def __init__(
        self,
        interventions: Sequence[Intervention],
        transcript: Sequence[Turn] = (),
        controls: Sequence[ControlRecord] = (),
    ) -> None:
        applied = {record.intervention for record in controls}
        self._pending = {
            position: intervention
            for position, intervention in enumerate(interventions)
            if position not in applied and not intervention.passed(transcript)
        }

    def due(self, indices: Sequence[int], round_index: int) -> list[tuple[int, Intervention]]:
        """The interventions to send before this batch, in the config's order; each once."""
        due = [(at, each) for at, each in self._pending.items() if each.due(indices, round_index)]
        for position, _ in due:
            del self._pending[position]
        return due
