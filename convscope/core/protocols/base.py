"""The protocol contract: who speaks next, what that agent sees, when the session is over.

A protocol is a pure function of the transcript so far and the agents' current names,
which is what makes resume and replay exact: rebuild the transcript, ask again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.config_files import first_validation_error
from convscope.core.errors import ConfigError
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols.measures import Measures
from convscope.core.providers.base import ChatMessage
from convscope.core.records import Turn

Options = TypeVar("Options", bound=BaseModel)


def parse_options(model: type[Options], config: SessionConfig) -> Options:
    """A protocol's options from its config; the first problem as one ``ConfigError`` line."""
    try:
        return model.model_validate(config.options)
    except ValidationError as exc:
        raise ConfigError(f"options.{first_validation_error(exc, 'options')}") from None


RecordedScores = Mapping[int, float | None]  # a saved session's live opinion.score, by turn index


@dataclass(frozen=True)
class TurnPlan:
    agent_id: str
    round: int
    messages: tuple[ChatMessage, ...]
    phase: str | None = None  # what the turn is for, when a protocol has kinds of turns (coding: "summary")


class ConversationProtocol(ABC):
    """Base class of the interaction designs (group chat, relay, coding panel, network)."""

    name: ClassVar[str]
    measures: ClassVar[Measures] = Measures()
    # True for a protocol whose next prompts depend on the metrics of the turns before them:
    # the engine then waits for those metrics before planning. Otherwise the next turns start
    # while the last ones are measured. None of the shipped protocols needs it: the opinion
    # network's prompts carry the answers' text, never their scores.
    plans_from_metrics: ClassVar[bool] = False

    def __init__(self, config: SessionConfig) -> None:
        self.config = config

    def initial_names(self) -> dict[str, str]:
        """The nickname each agent starts with."""
        return {agent.id: agent.nickname for agent in self.config.agents}

    def models_called(self) -> tuple[AgentSpec, ...]:
        """Every model the session calls, each as an agent spec: the agents, plus any the
        protocol calls itself (the opinion network's judge), so that a front end can check
        all their specs and keys before it writes anything."""
        return self.config.agents

    @abstractmethod
    def next_turn(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> TurnPlan | None:
        """The next turn to run, or None when the session is over."""

    def next_turns(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> tuple[TurnPlan, ...]:
        """The turns to run next, all at once; empty when the session is over.

        Turn-taking protocols keep the default (one turn). A protocol whose agents answer
        simultaneously (the opinion network) returns the rest of the round: each plan must
        be built from the transcript as it stands, since none of them sees the others.
        """
        plan = self.next_turn(transcript, names)
        return () if plan is None else (plan,)

    # -- measurement: class methods, since a saved session is measured without running it --

    @classmethod
    def tracker(
        cls,
        config: SessionConfig,
        *,
        semantic: bool,
        recorded_scores: RecordedScores | None = None,
        judge_new_turns: bool = False,
    ) -> MetricsTracker:
        """The metrics tracker of this protocol's sessions, live and in replay alike.

        ``recorded_scores`` and ``judge_new_turns`` matter to protocols that score opinions
        (see :meth:`OpinionNetwork.tracker`); the others measure text only.
        """
        return MetricsTracker(
            agents=config.agents,
            prices=config.prices,
            semantic=semantic,
            behaviour=cls.measures.behaviour,
            measured=cls.measures.measured,
        )

    @classmethod
    async def session_measures(
        cls, config: SessionConfig, turns: Sequence[Turn], recorded_scores: RecordedScores
    ) -> dict[str, Any]:
        """Measures of a whole finished session that only this protocol has (a sweep's CSV
        columns), as a possibly nested mapping; none by default."""
        return {}
