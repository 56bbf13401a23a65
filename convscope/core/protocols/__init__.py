"""Interaction designs, looked up by the name a session config gives."""

from __future__ import annotations

from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols.base import ConversationProtocol, RecordedScores
from convscope.core.protocols.coding import CodingPanel
from convscope.core.protocols.group_chat import GroupChat
from convscope.core.protocols.network import OpinionNetwork
from convscope.core.protocols.relay import Relay

PROTOCOLS: dict[str, type[ConversationProtocol]] = {
    protocol.name: protocol for protocol in (GroupChat, Relay, CodingPanel, OpinionNetwork)
}


class UnknownProtocolError(ConfigError):
    pass


def protocol_class(config: SessionConfig) -> type[ConversationProtocol]:
    """The protocol a config names (its class: what it measures needs no running session)."""
    try:
        return PROTOCOLS[config.protocol]
    except KeyError:
        known = ", ".join(sorted(PROTOCOLS))
        raise UnknownProtocolError(f"unknown protocol {config.protocol!r} (known: {known})") from None


def protocol_for(config: SessionConfig) -> ConversationProtocol:
    """Build the protocol a config names; unknown names and bad options raise a one-line ConfigError."""
    return protocol_class(config)(config)


def tracker_for(
    config: SessionConfig,
    *,
    semantic: bool | None = None,
    recorded_scores: RecordedScores | None = None,
    judge_new_turns: bool = False,
) -> MetricsTracker:
    """The metrics tracker the config's protocol calls for, so that the headless runner, sweeps,
    the TUI, replay and ``analyze`` compute the same numbers for the same session; embedding
    distances as the config says unless ``semantic``.

    ``recorded_scores`` (a saved session's live ``opinion.score`` by turn index) makes it a
    replay tracker: an opinion network's judge is not asked again about those turns, its
    recorded scores stand in; ``judge_new_turns`` lets it judge the turns that follow (resume).
    """
    return protocol_class(config).tracker(
        config,
        semantic=config.semantic_metrics if semantic is None else semantic,
        recorded_scores=recorded_scores,
        judge_new_turns=judge_new_turns,
    )
