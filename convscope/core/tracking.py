"""The live metrics tracker a session's protocol calls for: one place, so that the headless
runner, sweeps, the TUI and replay compute the same numbers for the same session.

Behaviour flags are coded in group chats only (seed 003's codebook is about chat roles);
an opinion network scores every answer with the scorer its config names, which gives the
live ``disagreement.std``.
"""

from __future__ import annotations

from convscope.core.config import SessionConfig
from convscope.core.metrics.tracker import MetricsTracker


def tracker_for(config: SessionConfig, *, semantic: bool = False) -> MetricsTracker:
    opinion = None
    if config.protocol == "network":
        from convscope.core.protocols.network_scoring import network_opinion

        opinion = network_opinion(config)
    return MetricsTracker(
        agents=config.agents, semantic=semantic, behaviour=config.protocol == "group_chat", opinion=opinion
    )
