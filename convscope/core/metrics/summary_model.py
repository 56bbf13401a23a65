"""The shape of a session's metrics summary (``session_summary``): typed sections, so that
``analyze``, the HTML report and corpus rows read fields instead of indexing a nested dict,
and ``analyze --json`` prints :meth:`MetricsSummary.as_json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from convscope.core.metrics.loops import LoopThresholds
from convscope.core.metrics.stats import KruskalFlag
from convscope.core.snapshot import Snapshot


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SessionFacts(_Section):
    title: str
    protocol: str
    agents: int
    turns: int
    failed_turns: int
    rounds: int


class RoundRouge(_Section):
    round: int
    rouge1: float | None
    rouge2: float | None
    rougeL: float | None


class RougeSummary(_Section):
    final: RoundRouge | None  # the last round's; None without a round
    by_round: list[RoundRouge]


class ConfidenceSummary(_Section):
    by_agent: dict[str, float]  # mean over the agent's successful turns
    mean: float | None


class LoopSummary(_Section):
    detected: bool
    onset_turn: int | None
    steps: int
    steps_converged: int
    thresholds: LoopThresholds

    @property
    def converged_share(self) -> float | None:
        return self.steps_converged / self.steps if self.steps else None


class AgentStability(_Section):
    identical: float | None  # share of consecutive outputs that are string-identical
    retention: float | None  # mean token retention between consecutive outputs


class BehaviourSummary(_Section):
    coder: str
    messages: int
    profiles: dict[str, dict[str, float]]  # agent -> trait -> share of its messages
    profile_similarity: float | None
    any_trait_share: float | None
    comp_events: dict[str, int]  # "L1".."L3" -> messages
    kruskal: dict[str, KruskalFlag]


class MetricsSummary(_Section):
    session: SessionFacts
    rouge: RougeSummary
    confidence: ConfidenceSummary
    loop: LoopSummary
    stability: dict[str, AgentStability]
    self_consistency: dict[str, float | None]
    toxicity: dict[str, Any]  # ``toxicity_summary``: its numbers, or why there are none
    behaviour: BehaviourSummary | None  # group chats only (their protocol codes behaviour)
    by_round: list[Snapshot]  # every round's snapshot, as the tracker measured it live

    def as_json(self) -> dict[str, Any]:
        """Plain JSON, without a behaviour section where none was measured."""
        return self.model_dump(mode="json", exclude={"behaviour"} if self.behaviour is None else None)
