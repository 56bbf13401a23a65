"""Scrub API keys out of text before anything records, prints or shows it.

A session never stores a key, but a server may quote it back (some do, in a 401's
message), and that text becomes a failed turn, a retry notice, or even a reply. The
engine passes every text that leaves a provider through one :class:`Scrubber` holding the
values of every key variable the session's agents use, so no journal, snapshot, export,
console line or pane ever holds one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from convscope.core.agents import AgentSpec
from convscope.core.providers.registry import key_values

# A shorter "key" (a placeholder such as "x" or "none") is no secret, and replacing it
# everywhere would mangle the text.
MIN_SECRET_CHARS = 8


class Scrubber:
    """Replaces each secret value with ``[redacted VARIABLE]``, longest first."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        worthy = ((value, name) for name, value in secrets.items() if len(value) >= MIN_SECRET_CHARS)
        self._secrets = sorted(worthy, key=lambda pair: -len(pair[0]))

    @classmethod
    def for_agents(cls, agents: Iterable[AgentSpec]) -> Scrubber:
        """The values of the key variables these agents use, as the environment holds them now."""
        return cls(key_values(agents))

    def __call__(self, text: str) -> str:
        for value, name in self._secrets:
            if value in text:
                text = text.replace(value, f"[redacted {name}]")
        return text
