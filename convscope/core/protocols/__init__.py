"""Interaction designs, looked up by the name a session config gives."""

from __future__ import annotations

from pydantic import ValidationError

from convscope.core.config import SessionConfig
from convscope.core.config_files import first_validation_error
from convscope.core.protocols.base import ConversationProtocol
from convscope.core.protocols.coding import CodingPanel
from convscope.core.protocols.group_chat import GroupChat
from convscope.core.protocols.network import OpinionNetwork
from convscope.core.protocols.relay import Relay

PROTOCOLS: dict[str, type[ConversationProtocol]] = {
    protocol.name: protocol for protocol in (GroupChat, Relay, CodingPanel, OpinionNetwork)
}


class UnknownProtocolError(ValueError):
    pass


class InvalidOptionsError(ValueError):
    """The protocol refuses the config's options; the message is one line."""


def protocol_for(config: SessionConfig) -> ConversationProtocol:
    """Build the protocol a config names; unknown names and bad options raise ValueError."""
    try:
        cls = PROTOCOLS[config.protocol]
    except KeyError:
        known = ", ".join(sorted(PROTOCOLS))
        raise UnknownProtocolError(f"unknown protocol {config.protocol!r} (known: {known})") from None
    try:
        return cls(config)
    except ValidationError as exc:
        raise InvalidOptionsError(
            f"{config.protocol} options: {first_validation_error(exc, 'options')}"
        ) from None
