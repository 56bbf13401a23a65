"""The live metrics tracker a session's protocol calls for: one place, so that the headless
runner, sweeps, the TUI and replay compute the same numbers for the same session.

Behaviour flags are coded in group chats only (seed 003's codebook is about chat roles).
A coding panel's one-sentence summaries are left out of the measures.
An opinion network scores every answer with the scorer its config names, which gives the
live ``disagreement.std``, and every round's snapshot carries the DeGroot theory beside it
(``theory.lambda2``, ``theory.halving_time``, ``theory.forecast``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from convscope.core.config import SessionConfig
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.records import Turn


class NetworkTracker(MetricsTracker):
    """A tracker whose round snapshots also carry constant values (the network's theory)."""

    def __init__(self, constants: dict[str, float], **options: Any) -> None:
        super().__init__(**options)
        self.constants = constants

    def end_round(self, round_index: int) -> dict[str, Any]:
        return {**super().end_round(round_index), **self.constants}


class CodingTracker(MetricsTracker):
    """A coding panel's summaries are its memory, not its codes: only codes are measured,
    so that ROUGE, stability and loops compare code with code."""

    def prepare(self, turns: Sequence[Turn]) -> None:
        super().prepare([turn for turn in turns if turn.phase != "summary"])

    def observe(self, turn: Turn) -> dict[str, Any]:
        if turn.phase != "summary":
            return super().observe(turn)
        return {"turn.index": turn.index, "turn.round": turn.round, "turn.agent_id": turn.agent_id}


def tracker_for(
    config: SessionConfig,
    *,
    semantic: bool | None = None,
    recorded_scores: Mapping[int, float | None] | None = None,
    judge_new_turns: bool = False,
) -> MetricsTracker:
    """The tracker for ``config``; embedding distances as the config says unless ``semantic``.

    ``recorded_scores`` (a saved session's live ``opinion.score`` by turn index) makes it a
    replay tracker: an opinion network's judge is not asked again about those turns, its
    recorded scores stand in; ``judge_new_turns`` lets it judge the turns that follow (resume).
    """
    options: dict[str, Any] = {
        "agents": config.agents,
        "semantic": config.semantic_metrics if semantic is None else semantic,
        "behaviour": config.protocol == "group_chat",
    }
    if config.protocol == "coding":
        return CodingTracker(**options)
    if config.protocol != "network":
        return MetricsTracker(**options)
    from convscope.core.protocols.network import network_theory
    from convscope.core.protocols.network_scoring import network_opinion

    return NetworkTracker(
        network_theory(config).summary(),
        opinion=network_opinion(config, recorded=recorded_scores, judge_new_turns=judge_new_turns),
        **options,
    )
