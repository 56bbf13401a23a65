"""A session's configuration: protocol, brief, rounds, agents, and the protocol's own options."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from convscope.core.agents import AgentSpec
from convscope.core.alarms import Alarm
from convscope.core.interventions import Intervention, complaint, unknown_agents


class Price(BaseModel):
    """What a model costs per million tokens, in whatever currency the person uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)  # prompt tokens
    output: float = Field(ge=0)  # completion tokens


class SessionConfig(BaseModel):
    """Everything needed to run (or re-run) a session. Stored verbatim in the session file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "untitled session"
    protocol: str = "group_chat"
    brief: str = ""
    rounds: int = Field(default=3, ge=1, le=10_000)
    seed: int = 0
    turn_timeout_s: float = Field(default=120.0, gt=0)  # a turn streaming longer is cut, its text kept
    first_token_timeout_s: float | None = Field(default=None, gt=0)  # a turn with no token by then fails
    max_concurrency: int = Field(default=8, ge=1, le=1024)  # simultaneous turns per provider spec
    # Live MiniLM cosine distances in loop detection: about 65 ms of CPU per long turn on 2 cores.
    semantic_metrics: bool = False
    agents: tuple[AgentSpec, ...]
    options: dict[str, Any] = Field(default_factory=dict)  # validated by the protocol
    interventions: tuple[Intervention, ...] = ()  # core/interventions.py
    alarms: tuple[Alarm, ...] = ()  # core/alarms.py
    prices: dict[str, Price] = Field(default_factory=dict)  # provider spec -> price; none: no cost metrics

    @model_validator(mode="after")
    def _unique_agent_ids(self) -> SessionConfig:
        ids = [agent.id for agent in self.agents]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate agent ids: {', '.join(duplicates)}")
        if not self.agents:
            raise ValueError("a session needs at least one agent")
        return self

    @field_validator("interventions")
    @classmethod
    def _schedule_names_agents(
        cls, interventions: tuple[Intervention, ...], info: ValidationInfo
    ) -> tuple[Intervention, ...]:
        agents: tuple[AgentSpec, ...] = info.data.get("agents", ())  # absent: they failed already
        problem = unknown_agents(interventions, [agent.id for agent in agents]) if agents else None
        if problem is not None:
            raise complaint(problem)
        return interventions

    @model_validator(mode="after")
    def _every_model_priced(self) -> SessionConfig:
        """With any price given, every agent's model needs one: a cost that leaves some out
        would read as the whole cost, and a budget on it would not hold."""
        unpriced = sorted({agent.provider for agent in self.agents} - set(self.prices))
        if self.prices and unpriced:
            raise ValueError(f"prices: no price for {', '.join(unpriced)}")
        return self

    def agent(self, agent_id: str) -> AgentSpec:
        for agent in self.agents:
            if agent.id == agent_id:
                return agent
        raise KeyError(agent_id)
